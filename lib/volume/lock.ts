/**
 * The volume lock (spec/sm-linstor.md §3.6): a slave asks the master (plugin `lockVdi`, under the master's
 * SR lock) to set `readonly-timestamp` before it reads the KV, so that the GC or the master does not
 * rename or coalesce the volume meanwhile. The lock expires after 60 s (scaled). Waiting for it is
 * bounded here, unlike the Python master's unbounded wait (§9).
 */
import { scaled, type VolumeContext } from './context.js';
import { VolumeLockedError } from './errors.js';
import { FIELD_READONLY_TIMESTAMP, formatTimestamp, parseTimestampMs, volumeKey } from './kv-layout.js';
import type { VdiUuid } from './naming.js';

/** `LOCKED_EXPIRATION_DELAY` of the Python driver. */
export const LOCK_EXPIRATION_MS = 60_000;
/** How often a locked volume is re-read. */
export const LOCK_POLL_MS = 1_000;

/** Sets (or refreshes) the lock of `uuid` to now. */
export async function lockVolume(ctx: VolumeContext, uuid: VdiUuid): Promise<void> {
  await ctx.kv.modify({ set: { [volumeKey(uuid, FIELD_READONLY_TIMESTAMP)]: formatTimestamp(ctx.nowMs()) } });
}

/** Removes the lock of `uuid` (no error when it is not set). */
export async function unlockVolume(ctx: VolumeContext, uuid: VdiUuid): Promise<void> {
  await ctx.kv.modify({ delete: [volumeKey(uuid, FIELD_READONLY_TIMESTAMP)] });
}

/** Options of {@link ensureNotLocked}. */
export type LockWaitOptions = {
  /** Give up after this long (unscaled ms). Default: one expiry plus 5 s, so a lock nobody refreshes always ends. */
  readonly timeoutMs?: number;
  /**
   * The caller is a slave that took this lock itself (plugin lockVdi) for the command it runs: neither
   * wait for it nor remove it. The lock has no owner (Python's bare timestamp), so removing it could
   * drop a lock another slave took on the same VDI meanwhile, and the master or GC would then rename or
   * coalesce under that slave.
   */
  readonly heldByCaller?: boolean;
};

/**
 * Waits until none of `uuids` is locked: a live lock is re-read every second from a fresh KV; an
 * expired one (or one whose value is not a number) is removed. Throws {@link VolumeLockedError} on timeout.
 */
export async function ensureNotLocked(ctx: VolumeContext, uuids: readonly VdiUuid[], options: LockWaitOptions = {}): Promise<void> {
  if (options.heldByCaller) return;
  const expiryMs = scaled(ctx, LOCK_EXPIRATION_MS);
  const timeoutMs = scaled(ctx, options.timeoutMs ?? LOCK_EXPIRATION_MS + 5_000);
  const start = ctx.nowMs();
  const pollMs = scaled(ctx, LOCK_POLL_MS);
  let polls = 0;
  // The cached KV first (no request when nothing is locked); fresh reads only while waiting.
  let props = await ctx.kv.props();
  for (;;) {
    const now = ctx.nowMs();
    const locked: VdiUuid[] = [];
    const expired: string[] = [];
    for (const uuid of uuids) {
      const key = volumeKey(uuid, FIELD_READONLY_TIMESTAMP);
      const value = props[key];
      if (value === undefined) continue;
      const lockedAtMs = parseTimestampMs(value);
      if (lockedAtMs === undefined || now - lockedAtMs >= expiryMs) expired.push(key);
      else locked.push(uuid);
    }
    if (expired.length > 0) {
      ctx.log.info('removing expired volume locks', { keys: expired });
      await ctx.kv.modify({ delete: expired });
    }
    const first = locked[0];
    if (first === undefined) return;
    // Count the polls too, so that a clock that does not move (or goes back) still ends the wait.
    const waitedMs = Math.max(now - start, polls * pollMs);
    if (waitedMs >= timeoutMs) throw new VolumeLockedError(first, waitedMs);
    polls += 1;
    await ctx.sleep(pollMs);
    props = await ctx.kv.refresh();
  }
}
