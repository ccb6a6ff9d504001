/**
 * The newest LINSTOR database backup this host holds (lib/host/database-backup.ts: the controller's
 * host keeps them in `/var/lib/linstor` and the spare `/var/lib/linstor.d/db-backups`), and its age, so
 * an operator sees at a glance whether backups are being taken.
 */
import path from 'node:path';
import { DATABASE_BACKUP_DIR, DATABASE_BACKUP_SPARE_DIR, listBackups } from '../../lib/host/database-backup.js';
import { hostPath } from '../../lib/host/env.js';

/** The newest backup (by mtime, either folder), or null when this host holds none. */
export type BackupStatus = { file: string; 'age-seconds': number } | null;

export async function newestBackup(root: string, nowMs: number): Promise<BackupStatus> {
  const all = [...(await listBackups(hostPath(root, DATABASE_BACKUP_DIR))), ...(await listBackups(hostPath(root, DATABASE_BACKUP_SPARE_DIR)))];
  const newest = all.sort((a, b) => b.mtimeMs - a.mtimeMs)[0];
  return newest ? { file: path.basename(newest.file), 'age-seconds': Math.max(0, Math.round((nowMs - newest.mtimeMs) / 1000)) } : null;
}

/** `3 h 12 min ago`, `45 s ago`, … */
export function describeBackup(status: BackupStatus): string {
  if (status === null) return "none on this host (they are taken on the controller's host)";
  const s = status['age-seconds'];
  const age = s < 60 ? `${s} s` : s < 3600 ? `${Math.floor(s / 60)} min` : s < 86_400 ? `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min` : `${Math.floor(s / 86_400)} d ${Math.floor((s % 86_400) / 3600)} h`;
  return `${status.file}, ${age} ago`;
}
