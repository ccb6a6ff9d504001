import type { ExecutionContext } from 'ava';
import { createHash } from 'node:crypto';
import { lutimes, mkdir, mkdtemp, readFile, rm, symlink, utimes, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { MANAGED, TREE } from '../../../tools/linstor-sr-switch/managed.js';
import type { SmPackage } from '../../../tools/linstor-sr-switch/sm-package.js';

/** sm's files at the managed paths (a link where sm has one), with an old mtime as a package leaves them. */
export const SM_FILES: Readonly<Record<string, { file: string } | { link: string }>> = {
  '/opt/xensource/sm/LinstorSR': { link: 'LinstorSR.py' },
  '/opt/xensource/sm/LinstorSR.py': { file: '#!/usr/bin/python3\n# sm 1: the Python LINSTOR driver\n' },
  '/etc/xapi.d/plugins/linstor-manager': { file: '#!/usr/bin/python3\n# sm 1: linstor-manager\n' },
  '/opt/xensource/bin/linstor-kv-tool': { file: '#!/usr/bin/python3\n# sm 1: linstor-kv-tool\n' },
};

const OLD = new Date('2025-08-21T12:00:00Z');

/** A host root holding sm's files and our tree, and the SmPackage that describes those sm files. */
export async function hostWithSm(t: ExecutionContext): Promise<{ root: string; sm: SmPackage }> {
  const root = await mkdtemp(path.join(os.tmpdir(), 'switch-'));
  t.teardown(() => rm(root, { recursive: true, force: true }));
  const files = new Map<string, { kind: 'file'; digest: string } | { kind: 'link'; target: string }>();
  for (const [p, what] of Object.entries(SM_FILES)) {
    const full = path.join(root, p);
    await mkdir(path.dirname(full), { recursive: true });
    if ('link' in what) {
      await symlink(what.link, full);
      await lutimes(full, OLD, OLD);
      files.set(p, { kind: 'link', target: what.link });
    } else {
      await writeFile(full, what.file, { mode: 0o755 });
      await utimes(full, OLD, OLD);
      files.set(p, { kind: 'file', digest: createHash('sha256').update(what.file).digest('hex') });
    }
  }
  for (const m of MANAGED) {
    await mkdir(path.join(root, TREE), { recursive: true });
    await writeFile(path.join(root, m.ours), `ours: ${m.ours}\n`, { mode: 0o755 });
  }
  return { root, sm: { version: '1-1', algorithm: 'sha256', files } };
}

/** Reads what a managed path resolves to under `root` (the file's text). */
export async function resolved(root: string, p: string): Promise<string> {
  return readFile(path.join(root, p), 'utf8');
}
