/**
 * A host's programs run with that host's interpreters. A package installed into a simulated host's
 * root (the package tests install linstor-sr's RPM there) has bundles whose `#!` names a dom0 path,
 * `/opt/xensource/sm/linstor-sr/node/bin/node`, that exists only under that root: run such a program
 * through `<root><interpreter>`, as the kernel would once chrooted. Programs whose interpreter is not
 * under the root (`/usr/bin/env`, `/bin/sh`, `/usr/bin/python3`) run unchanged.
 */
import { closeSync, existsSync, openSync, readSync } from 'node:fs';
import path from 'node:path';

/** The `#!` line of `file`: interpreter and its optional single argument, or undefined. */
function shebang(file: string): { interpreter: string; arg: string | undefined } | undefined {
  let fd;
  try {
    fd = openSync(file, 'r');
  } catch {
    return undefined; // unreadable: let the spawn report why
  }
  try {
    const head = Buffer.alloc(256);
    const n = readSync(fd, head, 0, head.length, 0);
    const line = head.subarray(0, n).toString('utf8').split('\n')[0] ?? '';
    if (!line.startsWith('#!')) return undefined;
    const [interpreter, ...rest] = line.slice(2).trim().split(/\s+/);
    return interpreter ? { interpreter, arg: rest.length ? rest.join(' ') : undefined } : undefined;
  } finally {
    closeSync(fd);
  }
}

/** `argv` to run on the host under `root`: unchanged, or prefixed by the root's interpreter. */
export function hostArgv(root: string, argv: readonly string[]): string[] {
  const [file, ...args] = argv;
  if (file === undefined || root === '/') return [...argv];
  const sb = shebang(file);
  if (sb === undefined || !path.isAbsolute(sb.interpreter)) return [...argv];
  const inRoot = path.join(root, sb.interpreter);
  if (!existsSync(inRoot)) return [...argv];
  return [inRoot, ...(sb.arg !== undefined ? [sb.arg] : []), file, ...args];
}
