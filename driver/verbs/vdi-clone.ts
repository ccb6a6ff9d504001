/** vdi_clone (master only): a double snapshot whose second leaf is a clone; see driver/clone/verb.ts. */
import type { SmapiRequest } from '../../lib/smapi/request.js';
import type { VdiResult } from '../../lib/smapi/response.js';
import { snapshotVerb } from '../clone/verb.js';
import type { DriverContext } from '../context.js';

export async function vdiClone(ctx: DriverContext, request: SmapiRequest<'vdi_clone'>): Promise<VdiResult> {
  return snapshotVerb(ctx, request, true);
}
