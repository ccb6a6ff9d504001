/**
 * Backups of the LINSTOR controller database, with sm's names, places and retention (sm-changes-2026
 * §1), so an operator finds them where the Python driver puts them:
 *
 *   /var/lib/linstor/                         (the DRBD-backed database mount, controller host only)
 *     linstor_database_backup-<YYYYmmdd_HHMMSS>-<name>.zip   written by the controller
 *     linstor_database_backup-latest.zip                      hard link to the newest
 *   /var/lib/linstor.d/db-backups/            (spare copy on the host's own disk, same layout)
 *
 *   1. throttle: with `delaySeconds`, nothing when the newest `<name>` backup is younger than that
 *   2. the controller writes the zip (POST /v1/controller/backup/db)
 *   3. the new zip is checked (readable, holds a non-empty `linstordb.mv.db`) before anything is
 *      dropped: a bad backup never pushes a good one out
 *   4. copied to the spare folder (a failure is logged: the main copy is there)
 *   5. in each folder: `latest` re-linked, then only the 10 newest backups (any name, by mtime) kept
 *
 * Only the controller's host can do this: the zip lands in its `/var/lib/linstor`. Callers check that.
 */
import { copyFile, link, mkdir, readdir, readFile, stat, unlink } from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from '../log/logger.js';
import { readZipEntries } from '../zip/zip.js';
import { hostPath } from './env.js';

export const DATABASE_BACKUP_DIR = '/var/lib/linstor';
export const DATABASE_BACKUP_SPARE_DIR = '/var/lib/linstor.d/db-backups';
export const DATABASE_BACKUP_PREFIX = 'linstor_database_backup';
export const DATABASE_BACKUP_LATEST = `${DATABASE_BACKUP_PREFIX}-latest.zip`;
export const DATABASE_BACKUP_RETENTION = 10;
/** The entry an H2 backup must hold (what sm's follow-up checks with `testzip`). */
export const DATABASE_BACKUP_ENTRY = 'linstordb.mv.db';

const BACKUP_FILE = /^linstor_database_backup-(20\d\d[01]\d[0-3]\d_[0-2]\d[0-5]\d[0-5]\d)-(.*)\.zip$/;

/** Thrown when a backup the controller wrote is not a usable database backup. */
export class LinstorDatabaseBackupError extends Error {
  override name = 'LinstorDatabaseBackupError';
}

/** `YYYYmmdd_HHMMSS` in local time, as Python's `datetime.now().strftime('%Y%m%d_%H%M%S')`. */
export function backupStamp(date: Date): string {
  const two = (n: number) => String(n).padStart(2, '0');
  return `${date.getFullYear()}${two(date.getMonth() + 1)}${two(date.getDate())}_${two(date.getHours())}${two(date.getMinutes())}${two(date.getSeconds())}`;
}

function parseStamp(stamp: string): Date {
  const n = (from: number, to: number) => Number(stamp.slice(from, to));
  return new Date(n(0, 4), n(4, 6) - 1, n(6, 8), n(9, 11), n(11, 13), n(13, 15));
}

/** A backup file found in a folder. */
export type BackupFile = { readonly file: string; readonly name: string; readonly date: Date; readonly mtimeMs: number };

/** The backups of `dir` (named `name`, or any), newest first by mtime, as sm's retention sorts them. */
export async function listBackups(dir: string, name?: string): Promise<BackupFile[]> {
  let entries: string[];
  try {
    entries = await readdir(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  const found: BackupFile[] = [];
  for (const file of entries) {
    const m = BACKUP_FILE.exec(file);
    if (!m || (name !== undefined && m[2] !== name)) continue;
    const { mtimeMs } = await stat(path.join(dir, file));
    found.push({ file: path.join(dir, file), name: m[2] as string, date: parseStamp(m[1] as string), mtimeMs });
  }
  return found.sort((a, b) => b.mtimeMs - a.mtimeMs);
}

/** Throws unless `file` is a readable zip holding a non-empty database entry. */
export async function checkBackup(file: string): Promise<void> {
  let entries;
  try {
    entries = readZipEntries(await readFile(file));
  } catch (error) {
    throw new LinstorDatabaseBackupError(`${path.basename(file)} is not a readable zip: ${(error as Error).message}`, { cause: error });
  }
  const db = entries.find((e) => e.name === DATABASE_BACKUP_ENTRY);
  if (!db || db.size === 0) throw new LinstorDatabaseBackupError(`${path.basename(file)} holds no ${DATABASE_BACKUP_ENTRY} or an empty one`);
}

export type BackupDeps = {
  readonly root: string;
  readonly log: Logger;
  /** Asks the controller for `<name>.zip` (the LINSTOR client's `controller.backupDatabase`). */
  readonly create: (name: string) => Promise<void>;
  readonly now?: () => Date;
};

/** Takes one backup; answers the file name, or undefined when the throttle skipped it. Throws on failure. */
export async function backupDatabase(deps: BackupDeps, name: string, delaySeconds = 0): Promise<string | undefined> {
  const now = (deps.now ?? (() => new Date()))();
  const main = hostPath(deps.root, DATABASE_BACKUP_DIR);
  const spare = hostPath(deps.root, DATABASE_BACKUP_SPARE_DIR);
  if (delaySeconds > 0) {
    const newest = (await listBackups(main, name))[0];
    if (newest && now.getTime() - newest.date.getTime() < delaySeconds * 1000) return undefined;
  }
  const base = `${DATABASE_BACKUP_PREFIX}-${backupStamp(now)}-${name}`;
  const file = `${base}.zip`;
  await deps.create(base);
  await checkBackup(path.join(main, file));
  try {
    await mkdir(spare, { recursive: true, mode: 0o755 });
    await copyFile(path.join(main, file), path.join(spare, file));
  } catch (error) {
    // As sm: the spare copy is a convenience, the backup itself is in place.
    deps.log.warn('cannot copy the database backup to the spare folder', { file, spare, error });
  }
  for (const dir of [main, spare]) {
    const list = await listBackups(dir);
    if (!list.some((b) => path.basename(b.file) === file)) continue;
    await unlink(path.join(dir, DATABASE_BACKUP_LATEST)).catch((error: unknown) => {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    });
    await link(path.join(dir, file), path.join(dir, DATABASE_BACKUP_LATEST));
    for (const old of list.slice(DATABASE_BACKUP_RETENTION)) await unlink(old.file);
  }
  deps.log.info(`[database_backup] Created: ${base}`);
  return file;
}
