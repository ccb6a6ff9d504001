/**
 * `enable` and `disable`: plan from what every path holds (inspect.ts), refuse the whole switch when
 * one path is not as expected or an SR lock is held, then change path by path:
 *
 *   enable   for each path holding sm's file:   copy it to the backup ──► link ours over it (rename)
 *   disable  for each path holding our link:    copy the backup over it (rename) ──► drop the backup
 *
 *   1. inspect every path (read-only); any refusal → SwitchRefused, nothing changed
 *   2. unless --force, refuse while an SR lock is held on this host (locks.ts)
 *   3. record the new state first: an interrupted switch is finished by running it again, and an sm
 *      update in between is followed (package trigger) by what the operator asked for last
 *   4. change each path in one rename (atomic.ts): XAPI never runs a half-written driver
 *
 * Both are idempotent: a path already as asked is left alone.
 */
import { readdir, rm, rmdir } from 'node:fs/promises';
import path from 'node:path';
import { hostPath } from '../../lib/host/env.js';
import { copyAtomically, linkAtomically } from './atomic.js';
import { inspectAll, type PathReport } from './inspect.js';
import type { HeldLock } from './locks.js';
import { BACKUP_DIR, backupPath, linkTarget, MANAGED, type Managed } from './managed.js';
import type { SmPackage } from './sm-package.js';
import { readState, writeState, type SwitchState } from './state.js';

/** Thrown when the switch would not be clean; nothing was changed. Each reason is one sentence for the operator. */
export class SwitchRefused extends Error {
  override name = 'SwitchRefused';
  readonly reasons: readonly string[];
  constructor(reasons: readonly string[]) {
    super(reasons.join('\n'));
    this.reasons = reasons;
  }
}

export type SwitchOptions = {
  readonly root: string;
  /** The installed sm package (undefined: not installed). */
  readonly sm: SmPackage | undefined;
  /** Switch even while SR locks are held. */
  readonly force: boolean;
  /** The SR locks held on this host now. */
  readonly heldLocks: () => Promise<readonly HeldLock[]>;
};

/** What a switch did: the paths it changed (empty when everything already was as asked). */
export type SwitchResult = { readonly changed: readonly string[] };

const REINSTALL = 'run `yum reinstall sm` (while enabled, the package trigger backs up its fresh files and links ours again), then run this command again';

function foreign(r: PathReport): string {
  return `${r.path} is neither sm's file nor linstor-sr's link (${r.detail ?? 'unknown content'}): put sm's file back (yum reinstall sm) or move this one away, then run this command again`;
}

function missing(r: PathReport, sm: SmPackage | undefined): string {
  return sm === undefined ? `${r.path} is missing and sm is not installed: there is no sm driver to take over` : `${r.path} is missing although sm ${sm.version} ships it: ${REINSTALL}`;
}

async function refuseWhileLocked(options: SwitchOptions): Promise<void> {
  if (options.force) return;
  const held = await options.heldLocks();
  if (held.length === 0) return;
  throw new SwitchRefused([
    ...held.map((h) => `SR ${h.sr}: lock ${h.lock} is held by pid ${h.pid} (${h.command})`),
    'a driver verb or a collector is working on this host: wait until it ends, or pass --force',
  ]);
}

/** Writes the state when it changes (a switch run again leaves the file as it was). */
async function recordState(root: string, state: SwitchState): Promise<void> {
  const current = await readState(root).catch(() => undefined); // an unreadable file is replaced
  if (current !== state) await writeState(root, state);
}

const byPath = new Map(MANAGED.map((m) => [m.path, m]));
const managedOf = (r: PathReport): Managed => byPath.get(r.path)!;

/** Makes every managed path ours, keeping sm's files in the backup folder. */
export async function enable(options: SwitchOptions): Promise<SwitchResult> {
  const reports = await inspectAll(options.root, options.sm);
  const reasons: string[] = [];
  for (const r of reports) {
    if (r.now === 'changed') reasons.push(foreign(r));
    if (r.now === 'missing') reasons.push(missing(r, options.sm));
  }
  if (reasons.length) throw new SwitchRefused(reasons);
  const todo = reports.filter((r) => r.now === 'sm').map(managedOf);
  if (todo.length > 0) await refuseWhileLocked(options);
  await recordState(options.root, 'enabled');
  for (const m of todo) {
    await copyAtomically(hostPath(options.root, m.path), hostPath(options.root, backupPath(m)));
    await linkAtomically(hostPath(options.root, m.path), linkTarget(m));
  }
  return { changed: todo.map((m) => m.path) };
}

/** Puts sm's files back from the backup folder, byte for byte, and drops the backups. */
export async function disable(options: SwitchOptions): Promise<SwitchResult> {
  const reports = await inspectAll(options.root, options.sm);
  const reasons: string[] = [];
  const restore: Managed[] = [];
  for (const r of reports) {
    if (r.now === 'changed') reasons.push(foreign(r));
    else if ((r.now === 'linstor-sr' || (r.now === 'missing' && options.sm !== undefined)) && r.backup !== 'sm') {
      reasons.push(
        r.backup === 'none'
          ? `${r.path}: the backup of sm's file is missing (${backupPath(managedOf(r))}): ${REINSTALL}`
          : `${r.path}: the backup no longer matches the installed sm (${r.detail ?? ''}): ${REINSTALL}`,
      );
    } else if (r.now === 'linstor-sr' || r.now === 'missing') {
      if (r.backup === 'sm') restore.push(managedOf(r));
    }
  }
  if (reasons.length) throw new SwitchRefused(reasons);
  if (restore.length > 0) await refuseWhileLocked(options);
  await recordState(options.root, 'disabled');
  for (const m of restore) {
    await copyAtomically(hostPath(options.root, backupPath(m)), hostPath(options.root, m.path));
  }
  // Backups left: those just restored, and stale ones of paths sm already holds again.
  for (const m of MANAGED) await rm(hostPath(options.root, backupPath(m)), { force: true });
  await removeEmptyDirs(hostPath(options.root, BACKUP_DIR));
  return { changed: restore.map((m) => m.path) };
}

/** Removes the backup folder's empty subfolders (and itself when empty); never a file. */
async function removeEmptyDirs(dir: string): Promise<void> {
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch {
    return; // no backup folder: nothing to tidy
  }
  for (const e of entries) if (e.isDirectory()) await removeEmptyDirs(path.join(dir, e.name));
  await rmdir(dir).catch(() => undefined); // not empty: something else lives there, keep it
}
