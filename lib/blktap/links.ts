/**
 * The `/dev/sm` links and the backend node, made idempotently: an existing entry must already point
 * where asked (sm fails otherwise). On dom0 the backend is a block node with the tapdev's major:minor
 * (made with mknod, which Node cannot do itself); where the tapdev is not a block device (the
 * simulator's stand-ins are plain files) it is a symlink to the tapdev, read back the same way.
 */
import { lstat, mkdir, readlink, rename, rm, stat, symlink } from 'node:fs/promises';
import path from 'node:path';
import type { Exec } from '../exec/run.js';
import { hostPath } from '../host/env.js';
import { tapdevPath } from './paths.js';

/** Makes `dom0Link` → `target`; succeeds if it already points there, fails if elsewhere. */
export async function ensureSymlink(root: string, dom0Link: string, target: string): Promise<void> {
  const local = hostPath(root, dom0Link);
  await mkdir(path.dirname(local), { recursive: true });
  try {
    await symlink(target, local);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    const current = await readlink(local).catch(() => undefined);
    if (current !== target) throw new Error(`${dom0Link} exists and points to ${current ?? '(not a link)'}, not ${target}`);
  }
}

/**
 * Re-points a link (unpause's path refresh) atomically: a new link beside it renamed over it, so the
 * link is never missing for a reader (`ln -sf` removes it first).
 */
export async function replaceSymlink(root: string, dom0Link: string, target: string): Promise<void> {
  const local = hostPath(root, dom0Link);
  await mkdir(path.dirname(local), { recursive: true });
  const temporary = `${local}.${process.pid}.${Date.now()}.new`;
  await rm(temporary, { force: true });
  await symlink(target, temporary);
  try {
    await rename(temporary, local);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
}

export async function readLink(root: string, dom0Link: string): Promise<string | undefined> {
  try {
    return await readlink(hostPath(root, dom0Link));
  } catch {
    return undefined;
  }
}

export async function removePath(root: string, dom0Path: string): Promise<void> {
  await rm(hostPath(root, dom0Path), { force: true });
}

const major = (rdev: number): number => Number((BigInt(rdev) >> 8n) & 0xfffn) | Number((BigInt(rdev) >> 32n) & ~0xfffn);
const minor = (rdev: number): number => Number(BigInt(rdev) & 0xffn) | Number((BigInt(rdev) >> 12n) & ~0xffn);

/** Makes the backend node for a tapdev minor. */
export async function makeBackend(root: string, exec: Exec, backend: string, tapMinor: number): Promise<void> {
  const tapdev = tapdevPath(tapMinor);
  const st = await stat(hostPath(root, tapdev));
  if (!st.isBlockDevice()) return ensureSymlink(root, backend, tapdev);
  const local = hostPath(root, backend);
  await mkdir(path.dirname(local), { recursive: true });
  const existing = await lstat(local).catch(() => undefined);
  if (existing) {
    if (existing.isBlockDevice() && existing.rdev === st.rdev) return;
    throw new Error(`${backend} exists and is not the node of ${tapdev}`);
  }
  await exec('mknod', ['-m', '0660', local, 'b', String(major(st.rdev)), String(minor(st.rdev))]);
}

/** The tapdev minor behind a backend entry; undefined if there is none or it is not a tapdev. */
export async function backendMinor(root: string, backend: string): Promise<number | undefined> {
  const local = hostPath(root, backend);
  const st = await lstat(local).catch(() => undefined);
  if (!st) return undefined;
  if (st.isSymbolicLink()) {
    const m = /^\/dev\/xen\/blktap-2\/tapdev(\d+)$/.exec(await readlink(local));
    return m ? Number(m[1]) : undefined;
  }
  return st.isBlockDevice() ? minor(st.rdev) : undefined;
}

/** Whether a backend entry exists (nothing is active here otherwise). */
export async function backendExists(root: string, backend: string): Promise<boolean> {
  return (await lstat(hostPath(root, backend)).catch(() => undefined)) !== undefined;
}
