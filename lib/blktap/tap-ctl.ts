/**
 * `tap-ctl` as sm runs it (spec/blktap2.md §1.5, §1.7): one process per step, by absolute path on dom0
 * (found on PATH here, where the simulator's stand-in is), the output of `list` parsed as `key=value`
 * fields, exit statuses that are errno values, and sm's retries (spawn on status 1; open on EIO, EROFS,
 * EMEDIUMTYPE, EAGAIN; unpause on ENODATA; list on EPROTO, ENOENT).
 */
import { CommandError } from '../exec/command-error.js';
import type { Exec } from '../exec/run.js';
import type { Logger } from '../log/logger.js';

export const EIO = 5;
export const EAGAIN = 11;
export const EROFS = 30;
/** DRBD: no data reachable here (a diskless, or Inconsistent, without a connected UpToDate peer). */
export const ENODATA = 61;
/** DRBD: a read-only open of a device another host has open for writing. */
export const EMEDIUMTYPE = 124;
export const ENOENT = 2;
export const EPROTO = 71;

/** One tapdisk as `tap-ctl list` shows it. */
export type TapdiskRow = { readonly pid: number; readonly minor: number; readonly state: number; readonly type: string; readonly path: string };

/** Parses `tap-ctl list` output; rows lacking pid, minor, state or args are ignored, as sm does. */
export function parseTapList(text: string): TapdiskRow[] {
  const rows: TapdiskRow[] = [];
  for (const line of text.split('\n')) {
    const fields: Record<string, string> = {};
    // args= may hold spaces: split at most three times.
    const parts = line.trim().split(' ');
    const head = parts.slice(0, 3);
    const tail = parts.slice(3).join(' ');
    for (const p of tail ? [...head, tail] : head) {
      const eq = p.indexOf('=');
      if (eq > 0) fields[p.slice(0, eq)] = p.slice(eq + 1);
    }
    const args = fields['args'];
    if (fields['pid'] === undefined || fields['minor'] === undefined || fields['state'] === undefined || args === undefined) continue;
    const colon = args.indexOf(':');
    rows.push({ pid: Number(fields['pid']), minor: Number(fields['minor']), state: parseInt(fields['state'], 16), type: args.slice(0, colon), path: args.slice(colon + 1) });
  }
  return rows;
}

/** tapdisk state bits. */
export const TAPDISK_PAUSE_REQUESTED = 0x10;
export const TAPDISK_PAUSED = 0x20;

export type TapCtlDeps = {
  readonly exec: Exec;
  readonly log: Logger;
  readonly sleep: (ms: number) => Promise<void>;
  /** LINSTOR_SR_TIME_SCALE applied to sm's retry periods. */
  readonly timeScale: number;
};

export class TapCtl {
  readonly #deps: TapCtlDeps;
  constructor(deps: TapCtlDeps) {
    this.#deps = deps;
  }

  async #run(args: readonly string[], retryOn: readonly number[] = [], attempts = 1, delayMs = 0): Promise<string> {
    for (let attempt = 1; ; attempt += 1) {
      try {
        return (await this.#deps.exec('tap-ctl', args, { timeoutMs: 180_000 })).stdout;
      } catch (error) {
        const status = error instanceof CommandError ? error.exitCode : undefined;
        if (attempt >= attempts || status === undefined || !retryOn.includes(status)) throw error;
        this.#deps.log.warn(`tap-ctl ${args[0] ?? ''} failed (${status}), retrying`);
        await this.#deps.sleep(delayMs * this.#deps.timeScale);
      }
    }
  }

  async list(filter: { minor?: number; pid?: number; path?: string } = {}): Promise<TapdiskRow[]> {
    const args = ['list'];
    if (filter.minor !== undefined) args.push('-m', String(filter.minor));
    if (filter.pid !== undefined) args.push('-p', String(filter.pid));
    if (filter.path !== undefined) args.push('-f', filter.path);
    return parseTapList(await this.#run(args, [EPROTO, ENOENT], 10, 500));
  }

  /** Allocates a minor; returns it (sm accepts `tapdev<N>` or `blktap<N>`). */
  async allocate(): Promise<number> {
    const out = (await this.#run(['allocate'])).trim();
    const m = /(?:tapdev|blktap)(\d+)$/.exec(out);
    if (!m) throw new Error(`tap-ctl allocate printed ${JSON.stringify(out)}`);
    return Number(m[1]);
  }

  async spawn(): Promise<number> {
    const pid = Number((await this.#run(['spawn'], [1], 10, 500)).trim());
    if (!Number.isInteger(pid) || pid <= 0) throw new Error('tap-ctl spawn printed no pid');
    return pid;
  }

  attach(pid: number, minor: number): Promise<string> {
    return this.#run(['attach', '-p', String(pid), '-m', String(minor)]);
  }

  /**
   * Opens the image; retried 5 times 1 s apart while DRBD says another host still holds the device
   * (EROFS for a read-write open, EMEDIUMTYPE for a read-only one: it may be closing it right now).
   */
  open(pid: number, minor: number, type: string, path: string, readOnly: boolean): Promise<string> {
    return this.#run(['open', '-p', String(pid), '-m', String(minor), '-a', `${type}:${path}`, ...(readOnly ? ['-R'] : [])], [EIO, EROFS, EMEDIUMTYPE, EAGAIN], 5, 1000);
  }

  close(pid: number, minor: number): Promise<string> {
    return this.#run(['close', '-p', String(pid), '-m', String(minor), '-t', '120']);
  }

  detach(pid: number, minor: number): Promise<string> {
    return this.#run(['detach', '-p', String(pid), '-m', String(minor)]);
  }

  free(minor: number): Promise<string> {
    return this.#run(['free', '-m', String(minor)]);
  }

  pause(pid: number, minor: number): Promise<string> {
    return this.#run(['pause', '-p', String(pid), '-m', String(minor)]);
  }

  /**
   * Reopens the image of a paused tapdisk. ENODATA (the device here has no data to serve until a peer is
   * UpToDate again, e.g. after a reconnection) is transient: retried 10 times 0.5 s apart (the period of
   * `list`'s retries; sm's count for this one is not known), the tapdisk staying paused meanwhile.
   */
  unpause(pid: number, minor: number, image?: { type: string; path: string }, secondary?: string): Promise<string> {
    const args = ['unpause', '-p', String(pid), '-m', String(minor)];
    if (image) args.push('-a', `${image.type}:${image.path}`);
    if (secondary) args.push('-2', secondary);
    return this.#run(args, [ENODATA], 10, 500);
  }
}
