/**
 * Pause, unpause and refresh of a VDI's tapdisk on this host — what sm's `tapdisk-pause` plugin does
 * (spec/blktap2.md §2.2), served by our linstor-manager for LINSTOR VDIs — and the caller's fan-out to
 * every host holding a `host_<ref>` key (§2.1).
 */
import { retrying, type RetryOptions } from '../host/retry.js';
import type { SmLocks } from '../host/sm-lock.js';
import type { Logger } from '../log/logger.js';
import { backendExists, backendMinor, readLink, replaceSymlink } from './links.js';
import { backendPath, phyPath } from './paths.js';
import { TAPDISK_PAUSED, TAPDISK_PAUSE_REQUESTED, type TapCtl } from './tap-ctl.js';
import type { VdiSmConfig } from './vdi-tags.js';

export type LocalPauseDeps = {
  readonly root: string;
  readonly tap: TapCtl;
  readonly locks: SmLocks;
  readonly log: Logger;
  /**
   * LINSTOR path refresh: the VDI's current by-res path (a rename moved its uuid to another resource),
   * with the chain made usable here. Called for phy targets under /dev/drbd/by-res/xcp-volume-.
   */
  readonly refreshPath?: (vdi: string) => Promise<string>;
};

/** The per-VDI lock was taken and failfast was asked. */
export class VdiAlreadyLockedError extends Error {
  override name = 'VdiAlreadyLockedError';
}

async function locked<T>(deps: LocalPauseDeps, vdi: string, failfast: boolean, fn: () => Promise<T>): Promise<T> {
  let lock;
  try {
    lock = failfast ? await deps.locks.tryAcquire(vdi, 'vdi') : await deps.locks.acquire(vdi, 'vdi');
  } catch (error) {
    if (failfast) throw new VdiAlreadyLockedError('VDI already locked', { cause: error });
    throw error;
  }
  try {
    return await fn();
  } finally {
    await lock.release();
  }
}

/** Pauses the tapdisk of the VDI here; true when nothing is active here. */
export async function pauseLocal(deps: LocalPauseDeps, sr: string, vdi: string, failfast: boolean): Promise<boolean> {
  return locked(deps, vdi, failfast, async () => {
    const backend = backendPath(sr, vdi);
    if (!(await backendExists(deps.root, backend))) return true;
    const minor = await backendMinor(deps.root, backend);
    if (minor === undefined) return false;
    const [row] = await deps.tap.list({ minor });
    // The tapdisk is gone (the host restarted, the VM died): nothing reads the VDI here, as sm's
    // tap_pause answers when it finds no tapdisk.
    if (!row) {
      deps.log.info('pause: no tapdisk serves the VDI here', { vdi, minor });
      return true;
    }
    if (row.state & (TAPDISK_PAUSED | TAPDISK_PAUSE_REQUESTED)) throw new Error(`the tapdisk of VDI ${vdi} is already paused`);
    await deps.tap.pause(row.pid, row.minor);
    return true;
  });
}

/** Unpauses it, on the VDI's current path for LINSTOR VDIs (the uuid may now name another resource). */
export async function unpauseLocal(deps: LocalPauseDeps, sr: string, vdi: string, failfast: boolean, secondary?: string): Promise<boolean> {
  return locked(deps, vdi, failfast, async () => {
    const backend = backendPath(sr, vdi);
    if (!(await backendExists(deps.root, backend))) return true;
    let path = await readLink(deps.root, phyPath(sr, vdi));
    if (path?.startsWith('/dev/drbd/by-res/xcp-volume-') && deps.refreshPath) {
      const fresh = await deps.refreshPath(vdi);
      if (fresh !== path) await replaceSymlink(deps.root, phyPath(sr, vdi), fresh);
      path = fresh;
    }
    const minor = await backendMinor(deps.root, backend);
    if (minor === undefined) return false;
    const [row] = await deps.tap.list({ minor });
    if (!row) {
      deps.log.info('unpause: no tapdisk serves the VDI here: nothing to reopen', { vdi, minor });
      return true;
    }
    // Running already (a fan-out cut short before this host paused, replayed by a recovery): the
    // tapdisk never closed its image, so there is nothing to reopen.
    if (!(row.state & TAPDISK_PAUSED)) {
      deps.log.info('unpause: the tapdisk is not paused', { vdi, pid: row.pid });
      return true;
    }
    await deps.tap.unpause(row.pid, row.minor, path ? { type: row.type, path } : undefined, secondary);
    return true;
  });
}

/** pause then unpause (tapdisk reopens the image, on a refreshed path). */
export async function refreshLocal(deps: LocalPauseDeps, sr: string, vdi: string, failfast: boolean): Promise<boolean> {
  if (!(await pauseLocal(deps, sr, vdi, failfast))) return false;
  return unpauseLocal(deps, sr, vdi, failfast);
}

/** Calls a pause function on a host (linstor-manager's pause/unpause/refresh); true only for "True". */
export type HostCall = (hostRef: string, fn: 'pause' | 'unpause' | 'refresh', args: Readonly<Record<string, string>>) => Promise<string>;

function hostsOf(sm: Readonly<Record<string, string>>): string[] {
  return Object.keys(sm)
    .filter((k) => k.startsWith('host_'))
    .map((k) => k.slice('host_'.length));
}

/** `done`: answered True; `unsure`: did not answer (the call failed: it may have acted). */
type FanOut = { ok: boolean; done: string[]; unsure: string[] };

/**
 * Calls `fn` host by host; the hosts that answered True, those whose answer was lost, and whether all
 * answered True.
 * A pause stops at the first refusal (the caller undoes it); an unpause asks every host whatever the
 * others answered, so that one unreachable host does not leave the others frozen.
 */
async function fanOut(call: HostCall, log: Logger, hosts: string[], fn: 'pause' | 'unpause' | 'refresh', args: Record<string, string>): Promise<FanOut> {
  const out: FanOut = { ok: true, done: [], unsure: [] };
  for (const host of hosts) {
    let answer: string | undefined;
    try {
      answer = await call(host, fn, args);
    } catch (error) {
      log.warn(`${fn} of ${args['vdi_uuid']} failed on ${host}`, { error });
      out.unsure.push(host);
    }
    if (answer === 'True') {
      out.done.push(host);
      continue;
    }
    out.ok = false;
    if (fn !== 'unpause') return out;
  }
  return out;
}

/**
 * tap_pause: mark `paused`, then pause every host that has the VDI active. When a host refuses, the
 * hosts that paused before it are unpaused again (sm leaves them frozen) and the mark is dropped — kept
 * only if one of them did not unpause, so that whoever takes the VDI next sees it may be paused.
 */
export async function tapPause(config: VdiSmConfig, call: HostCall, log: Logger, sr: string, vdi: string, failfast = false): Promise<boolean> {
  await config.add('paused', 'true');
  const paused = await fanOut(call, log, hostsOf(await config.read()), 'pause', { sr_uuid: sr, vdi_uuid: vdi, failfast: failfast ? 'True' : 'False' });
  if (paused.ok) return true;
  // A host whose answer was lost may have paused: it is unpaused too (a tapdisk not paused answers True).
  const touched = [...paused.done, ...paused.unsure];
  const undo = await fanOut(call, log, touched, 'unpause', { sr_uuid: sr, vdi_uuid: vdi, failfast: 'False' });
  if (undo.ok) await config.remove('paused');
  else log.error(`a host paused before the pause of ${vdi} was refused did not unpause`, { hosts: touched.filter((h) => !undo.done.includes(h)) });
  return false;
}

/** tap_unpause: unpause every host (fresh key list), then drop `paused`; it stays set on failure. */
export async function tapUnpause(config: VdiSmConfig, call: HostCall, log: Logger, sr: string, vdi: string, secondary?: string): Promise<boolean> {
  const args: Record<string, string> = { sr_uuid: sr, vdi_uuid: vdi, failfast: 'False', ...(secondary ? { secondary } : {}) };
  const { ok } = await fanOut(call, log, hostsOf(await config.read()), 'unpause', args);
  if (ok) await config.remove('paused');
  return ok;
}

/**
 * tap_unpause retried while a host may come back (a plugin call lost, a controller moving); false when
 * a host still did not unpause, `paused` then stays set for the next recovery.
 */
export async function tapUnpauseRetried(config: VdiSmConfig, call: HostCall, sr: string, vdi: string, retry: Omit<RetryOptions, 'what'>, secondary?: string): Promise<boolean> {
  return retrying({ ...retry, what: `unpausing ${vdi}` }, async () => {
    if (!(await tapUnpause(config, call, retry.log, sr, vdi, secondary))) throw new Error(`a host did not unpause VDI ${vdi}`);
  }).then(
    () => true,
    () => false,
  );
}

/** tap_refresh: refresh on every host; `paused` is not touched. */
export async function tapRefresh(config: VdiSmConfig, call: HostCall, log: Logger, sr: string, vdi: string): Promise<boolean> {
  return (await fanOut(call, log, hostsOf(await config.read()), 'refresh', { sr_uuid: sr, vdi_uuid: vdi, failfast: 'False' })).ok;
}
