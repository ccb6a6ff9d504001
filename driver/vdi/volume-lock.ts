/**
 * The slave side of the volume lock (spec/sm-linstor.md §2.2, §3.6): before a slave reads the KV for a
 * VDI command, the master sets the volume's `readonly-timestamp` through the plugin `lockVdi` (under its
 * SR lock), so that the GC and the master do not rename or coalesce the volume meanwhile. The unlock is
 * skipped after 42 s (0.7 × the 60 s expiry): another host may hold the lock by then.
 *
 * A master whose plugin has no `lockVdi` (an older install) answers UNKNOWN_XENAPI_PLUGIN_FUNCTION: that
 * is logged and the command goes on unlocked, as it would with the Python driver's best-effort lock.
 */
import { scaled } from '../../lib/host/env.js';
import type { Logger } from '../../lib/log/logger.js';
import type { SrSession } from '../sr/session.js';

/** The part of the lock's 60 s lifetime after which a slave no longer removes its own lock. */
export const UNLOCK_DEADLINE_MS = 42_000;

/** A held lock; `release` never throws. */
export type VolumeLockHandle = { release(): Promise<void> };

export const NOOP: VolumeLockHandle = { release: async () => undefined };

function isUnknownFunction(error: unknown): boolean {
  return error instanceof Error && error.message.includes('UNKNOWN_XENAPI_PLUGIN_FUNCTION');
}

/** On a slave, locks `vdiUuid` on the master; on the master (or without a VDI) does nothing (see master-volume-lock.ts). */
export async function lockVolumeOnMaster(session: SrSession, vdiUuid: string | undefined, log: Logger, timeScale: number): Promise<VolumeLockHandle> {
  if (session.isMaster || vdiUuid === undefined) return NOOP;
  const master = await session.xapi.pool.getMaster();
  const args = (locked: boolean) => ({ groupName: session.config.groupName, srUuid: session.srUuid, vdiUuid, locked: locked ? 'True' : 'False' });
  try {
    const answer = await session.xapi.host.callPlugin(master, 'linstor-manager', 'lockVdi', args(true));
    if (answer !== 'True') log.warn('the master could not lock the volume: going on without the lock', { vdi: vdiUuid, answer });
  } catch (error) {
    if (!isUnknownFunction(error)) throw error;
    log.warn('the master has no lockVdi yet: going on without the volume lock', { vdi: vdiUuid });
    return NOOP;
  }
  const lockedAt = Date.now();
  return {
    async release() {
      if (Date.now() - lockedAt >= scaled({ timeScale }, UNLOCK_DEADLINE_MS)) {
        log.warn('volume lock held too long: leaving it to expire', { vdi: vdiUuid });
        return;
      }
      try {
        await session.xapi.host.callPlugin(master, 'linstor-manager', 'lockVdi', args(false));
      } catch (error) {
        log.warn('cannot unlock the volume on the master; it expires by itself', { vdi: vdiUuid, error });
      }
    },
  };
}
