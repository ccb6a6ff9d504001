/**
 * The LINSTOR controller database on `/var/lib/linstor` (spec/sm-linstor.md §3.9 steps 9 and 12,
 * destroy step 4): sr_create mounts the fresh `xcp-persistent-database` volume there with the files the
 * local controller already wrote moved onto it; the plugin's `destroy` unmounts it and moves its files
 * back to the local disk so a controller can run without the volume. Both keep the files when a step fails.
 */
import { existsSync } from 'node:fs';
import { mkdir, readdir, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import type { Exec } from '../exec/run.js';
import { hostPath } from './env.js';

export const LINSTOR_DIR = '/var/lib/linstor';
export const DATABASE_DEVICE = '/dev/drbd/by-res/xcp-persistent-database/0';

type Deps = { readonly exec: Exec; readonly root: string };

async function moveEntries(from: string, to: string, keep: readonly string[] = ['lost+found']): Promise<void> {
  if (!existsSync(from)) return;
  await mkdir(to, { recursive: true });
  for (const entry of await readdir(from)) {
    if (keep.includes(entry)) continue;
    await rename(path.join(from, entry), path.join(to, entry));
  }
}

/** True when `/var/lib/linstor` is a mount point on this host. */
export async function isDatabaseMounted(deps: Deps): Promise<boolean> {
  return (await deps.exec('mountpoint', ['-q', LINSTOR_DIR], { allowFailure: true })).exitCode === 0;
}

/**
 * Mounts the database volume on `/var/lib/linstor`, carrying the local files over (the controller must be
 * stopped). On a failed mount the files are put back.
 */
export async function mountDatabase(deps: Deps): Promise<void> {
  const dir = hostPath(deps.root, LINSTOR_DIR);
  const backup = `${dir}-${crypto.randomUUID()}`;
  await mkdir(dir, { recursive: true });
  await moveEntries(dir, backup, []);
  try {
    await deps.exec('mount', [DATABASE_DEVICE, LINSTOR_DIR]);
  } catch (error) {
    await moveEntries(backup, dir, []);
    await rm(backup, { recursive: true, force: true });
    throw error;
  }
  await moveEntries(backup, dir, []);
  await rm(backup, { recursive: true, force: true });
}

/**
 * Unmounts `/var/lib/linstor` (lazily when a plain umount fails, as drbd-reactor's safe-umount ends) and
 * copies the database files back to the local directory. No-op when it is not mounted.
 */
export async function unmountDatabase(deps: Deps): Promise<void> {
  if (!(await isDatabaseMounted(deps))) return;
  const dir = hostPath(deps.root, LINSTOR_DIR);
  const backup = `${dir}-${crypto.randomUUID()}`;
  await moveEntries(dir, backup);
  const plain = await deps.exec('umount', [LINSTOR_DIR], { allowFailure: true });
  if (plain.exitCode !== 0) await deps.exec('umount', ['-l', LINSTOR_DIR]);
  await moveEntries(backup, dir, []);
  await rm(backup, { recursive: true, force: true });
}

/** Empties the local `/var/lib/linstor` except `lost+found` (end of an SR destroy). */
export async function clearLocalDatabase(deps: Deps): Promise<void> {
  const dir = hostPath(deps.root, LINSTOR_DIR);
  if (!existsSync(dir)) return;
  for (const entry of await readdir(dir)) if (entry !== 'lost+found') await rm(path.join(dir, entry), { recursive: true, force: true });
}
