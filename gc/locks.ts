/**
 * sm's collector locks, taken exactly as `cleanup.py` takes them (spec/blktap2.md §3.2–§3.5), so that
 * a stray Python collector and this one never work on one SR at once, and sm's own `abort`
 * (02-vhdcleanup, resetvdis) stops us:
 *
 *   gc_active  whole run; taken through LockActive (SR lock, try gc_active, release the SR lock)
 *   running    one loop iteration, non-blocking (busy → stop)
 *   sr         around every KV or XAPI change; polled so that the abort flag `/var/run/sm/ipc/<sr>/abort`
 *              is noticed while the driver holds the lock: sm gives up after 300 s (100 tries, 3 s apart);
 *              we keep that budget but try every 250 ms, so a lock the driver holds for a short verb costs
 *              us about that verb, not 3 s (a try never blocks, so a blocked sm waiter still gets the lock first)
 */
import { access, mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { hostPath, scaled, type HostEnv } from '../lib/host/env.js';
import { SmLockBusyError, type SmLockHandle, type SmLocks } from '../lib/host/sm-lock.js';

/** The run was asked to stop (abort flag) or could not get the SR lock in time. */
export class GcAbortedError extends Error {
  override name = 'GcAbortedError';
}

/** The dom0 path of the abort flag of `sr`. */
export function abortFlagPath(sr: string): string {
  return `/var/run/sm/ipc/${sr}/abort`;
}

export type GcLockOptions = {
  readonly locks: SmLocks;
  readonly sr: string;
  readonly env: Pick<HostEnv, 'root' | 'timeScale'>;
  /** The caller (sr_delete, sm's gc_force) already holds the SR lock for us. */
  readonly callerHoldsSrLock?: boolean;
  readonly sleep?: (ms: number) => Promise<void>;
};

/** sm's budget for the SR lock (100 tries × 3 s) and our poll period within it. */
const SR_LOCK_WAIT_MS = 300_000;
const SR_LOCK_PERIOD_MS = 250;
const SR_LOCK_TRIES = SR_LOCK_WAIT_MS / SR_LOCK_PERIOD_MS;
/** sm's abort waits 60 s (20 tries × 3 s) for the running collector; we look every 250 ms within it. */
const ABORT_WAIT_MS = 60_000;
const ABORT_PERIOD_MS = 250;

export class GcLocks {
  readonly #o: GcLockOptions;
  readonly #sleep: (ms: number) => Promise<void>;

  constructor(options: GcLockOptions) {
    this.#o = options;
    this.#sleep = options.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms)));
  }

  /** True when someone asked the collector of this SR to stop. */
  async abortRequested(): Promise<boolean> {
    return access(hostPath(this.#o.env.root, abortFlagPath(this.#o.sr))).then(
      () => true,
      () => false,
    );
  }

  /** LockActive: `gc_active` for the whole run, or undefined when another collector holds it. */
  async takeActive(): Promise<SmLockHandle | undefined> {
    return this.withSrLock(async () => {
      try {
        return await this.#o.locks.tryAcquire(this.#o.sr, 'gc_active');
      } catch (error) {
        if (error instanceof SmLockBusyError) return undefined;
        throw error;
      }
    });
  }

  /** `running` for one iteration, or undefined when busy (sm's resetvdis holds it). */
  async tryRunning(): Promise<SmLockHandle | undefined> {
    try {
      return await this.#o.locks.tryAcquire(this.#o.sr, 'running');
    } catch (error) {
      if (error instanceof SmLockBusyError) return undefined;
      throw error;
    }
  }

  /** Runs `fn` under the SR lock, polling for it and giving up early on an abort request. */
  async withSrLock<T>(fn: () => Promise<T>): Promise<T> {
    if (this.#o.callerHoldsSrLock) return fn();
    let handle: SmLockHandle | undefined;
    // Bounded by tries (an injected sleep may not take time) and by the clock (a try takes time too).
    const deadline = performance.now() + scaled(this.#o.env, SR_LOCK_WAIT_MS);
    for (let attempt = 0; attempt < SR_LOCK_TRIES && handle === undefined && (attempt === 0 || performance.now() < deadline); attempt += 1) {
      if (await this.abortRequested()) throw new GcAbortedError('Abort requested');
      try {
        handle = await this.#o.locks.tryAcquire(this.#o.sr, 'sr');
      } catch (error) {
        if (!(error instanceof SmLockBusyError)) throw error;
        await this.#sleep(scaled(this.#o.env, SR_LOCK_PERIOD_MS));
      }
    }
    if (handle === undefined) throw new GcAbortedError(`could not get the SR lock of ${this.#o.sr}`);
    try {
      return await fn();
    } finally {
      await handle.release();
    }
  }
}

export type AbortOptions = {
  readonly locks: SmLocks;
  readonly sr: string;
  readonly env: Pick<HostEnv, 'root' | 'timeScale'>;
  readonly sleep?: (ms: number) => Promise<void>;
  /** The caller holds the SR lock (every SR verb that aborts does), so LockActive is only the gc_active try. */
  readonly callerHoldsSrLock: boolean;
};

/**
 * sm's `abort` (spec/blktap2.md §3.5), natively so that a caller holding the SR lock does not deadlock:
 * true when no collector runs any more. The running one sees the flag, stops and releases gc_active.
 */
export async function abortCollector(o: AbortOptions): Promise<boolean> {
  const gc = new GcLocks({ locks: o.locks, sr: o.sr, env: o.env, callerHoldsSrLock: o.callerHoldsSrLock, ...(o.sleep ? { sleep: o.sleep } : {}) });
  const sleep = o.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const tryActive = async (): Promise<boolean> => {
    const h = await gc.takeActive();
    if (h === undefined) return false;
    await h.release();
    return true;
  };
  if (await tryActive()) return true;
  const flag = hostPath(o.env.root, abortFlagPath(o.sr));
  await mkdir(path.dirname(flag), { recursive: true });
  try {
    await writeFile(flag, `${process.pid}\n`, { flag: 'wx' });
  } catch (error) {
    // Another abort is pending: sm returns at once without waiting.
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  }
  try {
    const deadline = performance.now() + scaled(o.env, ABORT_WAIT_MS);
    for (let i = 0; i < ABORT_WAIT_MS / ABORT_PERIOD_MS && performance.now() < deadline; i += 1) {
      await sleep(scaled(o.env, ABORT_PERIOD_MS));
      if (await tryActive()) return true;
    }
    return false;
  } finally {
    await rm(flag, { force: true });
  }
}
