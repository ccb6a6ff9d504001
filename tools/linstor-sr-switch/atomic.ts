/**
 * File operations that never leave a half-written file at a path someone may run: the new content
 * is made beside the path (same directory, so the same filesystem), synced, then renamed over it;
 * rename(2) replaces the old one in one step. The directory is synced after, so the change survives
 * a power loss.
 */
import { lstat, lutimes, mkdir, open, readlink, rename, rm, symlink, lchown, copyFile, chmod, chown, utimes } from 'node:fs/promises';
import path from 'node:path';

/** The temporary name beside `file`; a leftover from a killed run is replaced by the next one. */
export function tempBeside(file: string): string {
  return `${file}.linstor-sr-new`;
}

async function syncPath(file: string): Promise<void> {
  const handle = await open(file, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

async function commit(temp: string, file: string): Promise<void> {
  await rename(temp, file);
  await syncPath(path.dirname(file));
}

/** Writes `text` to `file` in one step. */
export async function writeFileAtomically(file: string, text: string, mode: number): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  const temp = tempBeside(file);
  await rm(temp, { force: true });
  const handle = await open(temp, 'wx', mode);
  try {
    await handle.writeFile(text);
    await handle.sync();
  } finally {
    await handle.close();
  }
  await commit(temp, file);
}

/** Makes `file` a symbolic link to `target` in one step, whatever `file` was. */
export async function linkAtomically(file: string, target: string): Promise<void> {
  const temp = tempBeside(file);
  await rm(temp, { force: true });
  await symlink(target, temp);
  await commit(temp, file);
}

/**
 * Makes `dest` an exact copy of `src` in one step: the bytes, or the link target, and the mode,
 * owner, group and modification time, which `rpm -V` compares too.
 */
export async function copyAtomically(src: string, dest: string): Promise<void> {
  await mkdir(path.dirname(dest), { recursive: true });
  const temp = tempBeside(dest);
  await rm(temp, { force: true });
  const st = await lstat(src);
  if (st.isSymbolicLink()) {
    await symlink(await readlink(src), temp);
    await lchown(temp, st.uid, st.gid);
    await lutimes(temp, st.atime, st.mtime);
  } else if (st.isFile()) {
    await copyFile(src, temp);
    await chown(temp, st.uid, st.gid);
    await chmod(temp, st.mode & 0o7777);
    await utimes(temp, st.atime, st.mtime);
    await syncPath(temp);
  } else {
    throw new Error(`${src} is neither a file nor a symbolic link`);
  }
  await commit(temp, dest);
}
