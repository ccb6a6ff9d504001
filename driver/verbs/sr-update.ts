/**
 * sr_update (master only; SR.update and the end of every SR.scan): the SR statistics (`_update_stats(0)`)
 * and the SR name mirror `xcp/sr/metadata` written from XAPI's name_label/name_description.
 */
import type { SmapiRequest } from '../../lib/smapi/request.js';
import type { VerbResult } from '../../lib/smapi/response.js';
import type { DriverContext } from '../context.js';
import { openVolumes } from '../sr/open-volumes.js';
import { openSrSession } from '../sr/session.js';
import { updateStats } from '../sr/stats.js';

export async function srUpdate(ctx: DriverContext, request: SmapiRequest<'sr_update'>): Promise<VerbResult> {
  const session = await openSrSession(ctx, request);
  try {
    const srRef = request.srRef ?? '';
    const volumes = await openVolumes(session);
    await updateStats(session.xapi, srRef, volumes, 0);
    const record = await session.xapi.sr.getRecord(srRef);
    const current = await volumes.srMetadata();
    await volumes.setSrMetadata({ ...current, name_label: record.name_label, name_description: record.name_description });
    return null;
  } finally {
    await session.close();
  }
}
