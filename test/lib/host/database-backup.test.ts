// sm's database backup steps on a scratch root: names, throttle, check before retention, both folders.
import test from 'ava';
import { mkdir, mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { backupDatabase, backupStamp, DATABASE_BACKUP_LATEST, LinstorDatabaseBackupError } from '../../../lib/host/database-backup.js';
import { writeZip } from '../../../lib/zip/zip.js';
import { silentLogger } from '../../../sim/fixtures/silent-logger.js';

const good = () => writeZip([{ name: 'linstordb.mv.db', data: Buffer.from('db') }]);

async function scratch(t: { teardown(fn: () => Promise<void>): void }) {
  const root = await mkdtemp(path.join(os.tmpdir(), 'db-backup-'));
  t.teardown(() => rm(root, { recursive: true, force: true }));
  const main = path.join(root, 'var/lib/linstor');
  await mkdir(main, { recursive: true });
  return { root, main, spare: path.join(root, 'var/lib/linstor.d/db-backups') };
}

test('the stamp is local YYYYmmdd_HHMMSS, as strftime("%Y%m%d_%H%M%S")', (t) => {
  t.is(backupStamp(new Date(2026, 0, 2, 3, 4, 5)), '20260102_030405');
});

test('a backup is named after its time and purpose, copied to the spare folder, linked as latest in both', async (t) => {
  const { root, main, spare } = await scratch(t);
  const names: string[] = [];
  const create = async (base: string) => {
    names.push(base);
    await writeFile(path.join(main, `${base}.zip`), good());
  };
  const now = () => new Date(2026, 4, 12, 10, 0, 0);
  t.is(await backupDatabase({ root, log: silentLogger(), create, now }, 'create'), 'linstor_database_backup-20260512_100000-create.zip');
  t.deepEqual(names, ['linstor_database_backup-20260512_100000-create']);
  for (const dir of [main, spare]) {
    t.deepEqual((await readdir(dir)).sort(), ['linstor_database_backup-20260512_100000-create.zip', DATABASE_BACKUP_LATEST]);
    t.is((await stat(path.join(dir, DATABASE_BACKUP_LATEST))).ino, (await stat(path.join(dir, 'linstor_database_backup-20260512_100000-create.zip'))).ino);
  }
});

test('with a delay, nothing is taken while the newest backup of that name is younger', async (t) => {
  const { root, main } = await scratch(t);
  await writeFile(path.join(main, 'linstor_database_backup-20260512_100000-auto.zip'), good());
  const create = async (base: string) => writeFile(path.join(main, `${base}.zip`), good());
  t.is(await backupDatabase({ root, log: silentLogger(), create, now: () => new Date(2026, 4, 12, 10, 59, 59) }, 'auto', 3600), undefined);
  t.is(await backupDatabase({ root, log: silentLogger(), create, now: () => new Date(2026, 4, 12, 11, 0, 0) }, 'auto', 3600), 'linstor_database_backup-20260512_110000-auto.zip');
});

test('a backup that is not a readable zip with a database throws and drops no older backup nor moves latest', async (t) => {
  const { root, main } = await scratch(t);
  const create = async (base: string) => writeFile(path.join(main, `${base}.zip`), good());
  for (let h = 0; h < 10; h += 1) await backupDatabase({ root, log: silentLogger(), create, now: () => new Date(2026, 4, 12, h, 0, 0) }, 'delete');
  const latest = (await stat(path.join(main, DATABASE_BACKUP_LATEST))).ino;
  const broken = async (base: string) => writeFile(path.join(main, `${base}.zip`), Buffer.from('truncated'));
  await t.throwsAsync(backupDatabase({ root, log: silentLogger(), create: broken, now: () => new Date(2026, 4, 12, 11, 0, 0) }, 'delete'), { instanceOf: LinstorDatabaseBackupError });
  t.is((await readdir(main)).filter((f) => f.endsWith('-delete.zip')).length, 11, 'the 10 good ones and the bad one');
  t.is((await stat(path.join(main, DATABASE_BACKUP_LATEST))).ino, latest);
});
