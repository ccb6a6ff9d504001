/** vdi_snapshot (master only): see driver/clone/verb.ts. */
import type { SmapiRequest } from '../../lib/smapi/request.js';
import type { VdiResult } from '../../lib/smapi/response.js';
import { snapshotVerb } from '../clone/verb.js';
import type { DriverContext } from '../context.js';

export async function vdiSnapshot(ctx: DriverContext, request: SmapiRequest<'vdi_snapshot'>): Promise<VdiResult> {
  return snapshotVerb(ctx, request, false);
}
