// LINSTOR database backups as sm takes them: after vdi_create, vdi_delete and snapshots, and hourly from
// the launcher's check_sr, on the controller's host only, 10 kept in each folder beside a `latest` link.
import test from 'ava';
import { execa } from 'execa';
import { readdir, readFile, stat, utimes, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeZip } from '../../lib/zip/zip.js';
import type { SimPool } from '../../sim/pool/pool.js';
import { createSr, THIN } from '../../sim/fixtures/sr-create.js';
import { startFixture } from '../../sim/fixtures/pool-session.js';

const DRIVER = path.join(path.dirname(fileURLToPath(import.meta.url)), '../../dist/LinstorSR');
const MAIN = 'var/lib/linstor';
const SPARE = 'var/lib/linstor.d/db-backups';
const LATEST = 'linstor_database_backup-latest.zip';

const rootOf = (pool: SimPool, host: string) => pool.spec.hosts.find((h) => h.name === host)!.root;
const backups = async (dir: string, name = '') =>
  (await readdir(dir).catch(() => [] as string[])).filter((f) => /^linstor_database_backup-20\d{6}_\d{6}-/.test(f) && f.endsWith(`${name}.zip`)).sort();

/** What the launcher's check_sr runs on `host`. */
async function checkSr(pool: SimPool, host: string, srUuid: string) {
  const env = { PATH: pool.pathFor(host), LINSTOR_SR_ROOT: rootOf(pool, host), LINSTOR_SR_XAPI_SOCKET: pool.xapiSockets[host]!, LINSTOR_SR_TIME_SCALE: '0.01', LINSTOR_SR_LOG_FILE: path.join(rootOf(pool, host), 'SMlog') };
  return execa(DRIVER, ['--check-sr', srUuid], { reject: false, extendEnv: false, env });
}

test('create, snapshot and delete each leave a checked backup in both folders with `latest` linked; 10 kept; a failing backup never fails the verb', async (t) => {
  t.timeout(6 * 60_000);
  const f = await startFixture(t, 2);
  const sr = await createSr(f, THIN);
  const main = path.join(rootOf(f.pool, 'host1'), MAIN);
  const spare = path.join(rootOf(f.pool, 'host1'), SPARE);

  const vdi = await f.xapi.vdi.create({ SR: sr, virtual_size: 8 << 20, name_label: 'a' });
  t.is((await backups(main, '-create')).length, 1);
  t.deepEqual(await backups(spare, '-create'), await backups(main, '-create'));
  for (const dir of [main, spare]) t.is((await stat(path.join(dir, LATEST))).ino, (await stat(path.join(dir, (await backups(dir, '-create'))[0]!))).ino, `latest in ${dir}`);

  await f.xapi.call('VDI.snapshot', vdi, {});
  t.is((await backups(main, '-snapshot')).length, 1);

  // Twelve older backups (valid zips, older mtimes): the next one leaves the 10 newest.
  for (let i = 0; i < 12; i += 1) {
    const file = path.join(main, `linstor_database_backup-20250101_${String(i).padStart(2, '0')}0000-old.zip`);
    await writeFile(file, writeZip([{ name: 'linstordb.mv.db', data: Buffer.from('old') }]));
    await utimes(file, 1_700_000_000 + i, 1_700_000_000 + i);
  }
  await f.xapi.call('VDI.destroy', vdi);
  const kept = await backups(main);
  t.is(kept.length, 10, kept.join(' '));
  t.is(kept.filter((n) => n.endsWith('-old.zip')).length, 7, 'the 3 newest are create, snapshot and delete');
  t.is((await stat(path.join(main, LATEST))).ino, (await stat(path.join(main, (await backups(main, '-delete'))[0]!))).ino);

  f.pool.runtime.controller.sim!.controls.addFault({ method: 'POST', path: '/v1/controller/backup/db', status: 500, message: 'backup refused' });
  const before = (await backups(main, '-create')).length;
  await f.xapi.vdi.create({ SR: sr, virtual_size: 8 << 20, name_label: 'b' });
  t.is((await backups(main, '-create')).length, before, 'no new backup, but the VDI was created');
});

test('check_sr takes the "auto" backup on the controller host at most once an hour, and none on another host', async (t) => {
  t.timeout(6 * 60_000);
  const f = await startFixture(t, 2);
  const sr = await createSr(f, THIN);
  const srUuid = await f.xapi.call<string>('SR.get_uuid', sr);
  const main = path.join(rootOf(f.pool, 'host1'), MAIN);
  const first = await checkSr(f.pool, 'host1', srUuid);
  t.is(first.exitCode, 0, String(first.stderr));
  t.is(first.stdout, '');
  t.is((await backups(main, '-auto')).length, 1, await readFile(path.join(rootOf(f.pool, 'host1'), 'SMlog'), 'utf8').catch(() => 'no SMlog'));
  t.is((await checkSr(f.pool, 'host1', srUuid)).exitCode, 0);
  t.is((await backups(main, '-auto')).length, 1, 'throttled: the first is younger than an hour');
  t.is((await checkSr(f.pool, 'host2', srUuid)).exitCode, 0);
  t.deepEqual(await backups(path.join(rootOf(f.pool, 'host2'), MAIN), '-auto'), []);
});
