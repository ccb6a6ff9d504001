/**
 * vdi_deactivate (any host; spec/blktap2.md §1.6): the tapdisk shut down, the links removed, the LINSTOR
 * device released (thin deflate; on a slave the diskless removed), the host key dropped. Returns nil.
 */
import { deactivate } from '../../lib/blktap/activation.js';
import type { SmapiRequest } from '../../lib/smapi/request.js';
import type { DriverContext } from '../context.js';
import { activationDeps } from '../vdi/activation-deps.js';
import { vdiUuidOf, withVdiSession } from '../vdi/vdi-session.js';

export async function vdiDeactivate(ctx: DriverContext, request: SmapiRequest<'vdi_deactivate'>): Promise<null> {
  const uuid = vdiUuidOf(request);
  return withVdiSession(ctx, request, async (session) => {
    await deactivate(await activationDeps(ctx, session, uuid, request.vdiRef, request.srRef), session.srUuid, uuid);
    return null;
  });
}
