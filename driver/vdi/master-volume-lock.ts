/**
 * The master's own volume lock. Its vdi_activate and vdi_deactivate run without the SR lock, as a
 * slave's do, and like a slave's they first set the VDI's volume lock: here directly, under a short
 * hold of this host's SR lock (what the plugin lockVdi does for a slave). A collector step looks under
 * the SR lock at who uses a leaf, then merges and swaps it within that same hold: it either ran wholly
 * before (the activation then opens the volume the leaf's uuid names now), or it sees the lock and
 * leaves the leaf alone. Without the lock a tapdisk could open the leaf between the step's look and its
 * swap, and the guest's writes went to the volume set aside and destroyed. The SR-locked commands that
 * change the VDI (a snapshot, a journal replay) likewise wait for the lock instead of acting under a
 * running activation.
 *
 * An activation first waits for a journal entry of the VDI to go (an operation interrupted, or still
 * running without the SR lock): it looks under the SR lock and waits outside it, without the volume
 * lock, which would stall the recovery that removes the entry (its renames wait for that lock).
 */
import { scaled } from '../../lib/host/env.js';
import type { Logger } from '../../lib/log/logger.js';
import { SrError } from '../../lib/smapi/sr-error.js';
import { asVdiUuid } from '../../lib/volume/index.js';
import type { SrSession } from '../sr/session.js';
import { INTERRUPTED } from './device.js';
import { NOOP, UNLOCK_DEADLINE_MS, type VolumeLockHandle } from './volume-lock.js';

/** How long an activation waits for a journal entry of its VDI to go, and how often it looks. */
export type JournalWait = { readonly timeoutMs: number; readonly pollMs: number; readonly sleep: (ms: number) => Promise<void> };

export type MasterLockOptions = {
  readonly log: Logger;
  readonly timeScale: number;
  /** vdi_activate: wait (without the lock) while the VDI has journal entries, refuse those that outlive it. */
  readonly journalWait?: JournalWait;
};

type Attempt = 'locked' | 'absent' | 'pending';

/** One look under the SR lock: lock the volume unless the VDI is gone or (activation) has entries. */
async function attempt(session: SrSession, uuid: ReturnType<typeof asVdiUuid>, checkJournal: boolean): Promise<Attempt> {
  const held = await session.locks.acquire(session.srUuid, 'sr');
  try {
    if (checkJournal) {
      // Read under this hold: the first look opens the session's volumes, a later one reopens them.
      if (await (await session.journal()).hasEntries(uuid)) return 'pending';
    }
    const volumes = await session.volumes();
    if (!volumes.has(uuid)) return 'absent';
    await volumes.lock(uuid);
    return 'locked';
  } finally {
    await held.release();
  }
}

/** Sets the volume lock of `vdiUuid` on the master itself (see the header); `release` never throws. */
export async function lockVolumeHere(session: SrSession, vdiUuid: string, o: MasterLockOptions): Promise<VolumeLockHandle> {
  const uuid = asVdiUuid(vdiUuid);
  const deadline = Date.now() + (o.journalWait?.timeoutMs ?? 0);
  let logged = false;
  for (;;) {
    const outcome = await attempt(session, uuid, o.journalWait !== undefined);
    // A VDI without a volume: the verb itself reports it; there is nothing to lock.
    if (outcome === 'absent') return NOOP;
    if (outcome === 'locked') break;
    if (o.journalWait === undefined || Date.now() >= deadline) throw new SrError('VDIUnavailable', INTERRUPTED);
    if (!logged) o.log.info('an operation on this VDI is in progress: waiting for it to end', { vdi: uuid });
    logged = true;
    await o.journalWait.sleep(o.journalWait.pollMs);
    // The recovery renames volumes: the next look reads them afresh.
    session.forgetVolumes();
  }
  const lockedAt = Date.now();
  return {
    async release() {
      if (Date.now() - lockedAt >= scaled({ timeScale: o.timeScale }, UNLOCK_DEADLINE_MS)) {
        o.log.warn('volume lock held too long: leaving it to expire', { vdi: uuid });
        return;
      }
      try {
        await (await session.volumes()).unlock(uuid);
      } catch (error) {
        o.log.warn('cannot unlock the volume; it expires by itself', { vdi: uuid, error });
      }
    },
  };
}
