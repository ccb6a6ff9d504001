/**
 * sr_detach (PBD.unplug, every host): the Python driver only aborts the GC here (`cleanup.abort`): we stop
 * our collector with sm's abort protocol and wait for it (driver/sr/collector.ts). The verb answers
 * success without reaching LINSTOR (a detach must work with the controller down).
 */
import type { SmapiRequest } from '../../lib/smapi/request.js';
import type { VerbResult } from '../../lib/smapi/response.js';
import type { DriverContext } from '../context.js';
import { abortCollector } from '../sr/collector.js';
import { openSrSession } from '../sr/session.js';

export async function srDetach(ctx: DriverContext, request: SmapiRequest<'sr_detach'>): Promise<VerbResult> {
  const session = await openSrSession(ctx, request);
  try {
    await abortCollector(ctx, session.srUuid);
    return null;
  } finally {
    await session.close();
  }
}
