/**
 * vdi_detach (any host): under ATOMIC_PAUSE deactivate already released the device (deflate, diskless
 * removal), so detach only does the slave's volume-lock round trip and answers nil.
 */
import type { SmapiRequest } from '../../lib/smapi/request.js';
import type { DriverContext } from '../context.js';
import { withVdiSession } from '../vdi/vdi-session.js';

export async function vdiDetach(ctx: DriverContext, request: SmapiRequest<'vdi_detach'>): Promise<null> {
  return withVdiSession(ctx, request, async () => null);
}
