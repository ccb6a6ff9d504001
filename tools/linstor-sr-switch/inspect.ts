/**
 * What each managed path holds now, and what its backup holds, measured against the installed sm
 * package (sm-package.ts) and our tree. Read-only: `status` prints it, `enable` and `disable` plan
 * from it before they change anything.
 */
import { createHash } from 'node:crypto';
import { lstat, readFile, readlink } from 'node:fs/promises';
import path from 'node:path';
import { hostPath } from '../../lib/host/env.js';
import { backupPath, MANAGED, type Managed } from './managed.js';
import type { PackagedFile, SmPackage } from './sm-package.js';

/**
 * What a path holds:
 *   linstor-sr  a link to our file
 *   sm          exactly what the installed sm package shipped there
 *   changed     something else: a hand-edited or foreign file, or sm's file of another version
 *   missing     nothing
 */
export type Holder = 'linstor-sr' | 'sm' | 'changed' | 'missing';

/**
 * What the backup of a path holds:
 *   sm       the installed sm's file: `disable` puts it back
 *   changed  not the installed sm's file (sm was updated without the package trigger, or the backup edited)
 *   none     no backup
 */
export type BackupHolder = 'sm' | 'changed' | 'none';

export type PathReport = {
  readonly path: string;
  readonly role: string;
  readonly now: Holder;
  readonly backup: BackupHolder;
  /** Why `now` or `backup` is `changed`, for people. */
  readonly detail?: string;
};

/** A path's own content: a link's target or a file's digest. */
type Content = { kind: 'link'; target: string } | { kind: 'file'; digest: string } | { kind: 'other' } | undefined;

async function contentOf(file: string, algorithm: string): Promise<Content> {
  let st;
  try {
    st = await lstat(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  if (st.isSymbolicLink()) return { kind: 'link', target: await readlink(file) };
  if (st.isFile()) return { kind: 'file', digest: createHash(algorithm).update(await readFile(file)).digest('hex') };
  return { kind: 'other' };
}

function matches(content: Content, packaged: PackagedFile | undefined): boolean {
  if (content === undefined || packaged === undefined) return false;
  if (content.kind === 'link' && packaged.kind === 'link') return content.target === packaged.target;
  return content.kind === 'file' && packaged.kind === 'file' && content.digest === packaged.digest;
}

function describe(content: Content, packaged: PackagedFile | undefined, sm: SmPackage | undefined): string {
  const own = content === undefined ? 'nothing' : content.kind === 'link' ? `a link to ${content.target}` : content.kind === 'file' ? `${sm?.algorithm ?? 'digest'} ${content.digest.slice(0, 16)}…` : 'neither a file nor a link';
  if (sm === undefined) return `holds ${own}; sm is not installed`;
  const theirs = packaged === undefined ? `sm ${sm.version} ships no such file` : packaged.kind === 'link' ? `sm ${sm.version} has a link to ${packaged.target}` : `sm ${sm.version} has ${sm.algorithm} ${packaged.digest.slice(0, 16)}…`;
  return `holds ${own}; ${theirs}`;
}

/** Whether the link at `file` (dom0 path) points at `ours`, relative or absolute. */
function isOurs(m: Managed, content: Content): boolean {
  return content?.kind === 'link' && path.posix.resolve(path.posix.dirname(m.path), content.target) === m.ours;
}

/** Inspects one managed path of the host under `root`. */
export async function inspectPath(root: string, m: Managed, sm: SmPackage | undefined): Promise<PathReport> {
  const algorithm = sm?.algorithm ?? 'sha256';
  const packaged = sm?.files.get(m.path);
  const content = await contentOf(hostPath(root, m.path), algorithm);
  const backup = await contentOf(hostPath(root, backupPath(m)), algorithm);
  const now: Holder = content === undefined ? 'missing' : isOurs(m, content) ? 'linstor-sr' : matches(content, packaged) ? 'sm' : 'changed';
  const backupHolder: BackupHolder = backup === undefined ? 'none' : matches(backup, packaged) ? 'sm' : 'changed';
  const details = [];
  if (now === 'changed') details.push(`this path ${describe(content, packaged, sm)}`);
  if (backupHolder === 'changed') details.push(`the backup ${describe(backup, packaged, sm)}`);
  return { path: m.path, role: m.role, now, backup: backupHolder, ...(details.length ? { detail: details.join('; ') } : {}) };
}

/** Inspects every managed path. */
export async function inspectAll(root: string, sm: SmPackage | undefined): Promise<PathReport[]> {
  return Promise.all(MANAGED.map((m) => inspectPath(root, m, sm)));
}
