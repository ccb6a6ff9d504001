import { createHash } from 'node:crypto';
import { lstat, readFile, readdir, readlink } from 'node:fs/promises';
import path from 'node:path';

/**
 * Every entry under `dir` with what `rpm -V` compares — type, mode, owner, modification time, and the
 * bytes' sha256 or a link's target — so that a test proves "nothing changed" or "put back byte for byte".
 */
export async function treeState(dir: string, skip: (relative: string) => boolean = () => false): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    const full = path.join(entry.parentPath, entry.name);
    const rel = path.relative(dir, full);
    if (skip(rel)) continue;
    const st = await lstat(full);
    const meta = `${(st.mode & 0o7777).toString(8)} ${st.uid}:${st.gid} ${st.mtimeMs}`;
    if (st.isSymbolicLink()) out[rel] = `link ${await readlink(full)} ${meta}`;
    else if (st.isFile()) out[rel] = `file ${createHash('sha256').update(await readFile(full)).digest('hex')} ${meta}`;
    else if (st.isDirectory()) out[rel] = 'dir';
    else out[rel] = 'other';
  }
  return out;
}
