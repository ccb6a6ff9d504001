/**
 * The SR figures xapi shows after a VDI verb changed them (`_update_stats`): virtual allocation moved
 * by the VDI's size delta, physical size and utilisation from LINSTOR's pools. Best effort: a failure
 * here is logged, never turned into a fault of a verb whose work is done.
 */
import type { Logger } from '../../lib/log/logger.js';
import type { SrSession } from '../sr/session.js';

export async function updateSrStats(session: SrSession, srRef: string | undefined, virtualDelta: number, log: Logger): Promise<void> {
  if (srRef === undefined) return;
  try {
    const volumes = await session.volumes();
    const stats = await volumes.poolStats();
    const allocation = Number(await session.xapi.sr.get(srRef, 'virtual_allocation'));
    await session.xapi.sr.setVirtualAllocation(srRef, Math.max(0, (Number.isFinite(allocation) ? allocation : 0) + virtualDelta));
    await session.xapi.sr.setPhysicalSize(srRef, stats.physicalSizeBytes);
    await session.xapi.sr.setPhysicalUtilisation(srRef, stats.physicalUtilisationBytes);
  } catch (error) {
    log.warn('cannot update the SR statistics', { error });
  }
}
