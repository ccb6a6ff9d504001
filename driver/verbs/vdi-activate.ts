/**
 * vdi_activate (any host; spec/blktap2.md §1.4): under ATOMIC_PAUSE the driver does the activation duties
 * itself — sm-config tagging, the LINSTOR device (inflate, chain, diskless on demand), the /dev/sm links,
 * the tapdisk — through lib/blktap. Returns nil.
 */
import { activate } from '../../lib/blktap/activation.js';
import type { SmapiRequest } from '../../lib/smapi/request.js';
import type { DriverContext } from '../context.js';
import { activationDeps } from '../vdi/activation-deps.js';
import { vdiUuidOf, withVdiSession } from '../vdi/vdi-session.js';

export async function vdiActivate(ctx: DriverContext, request: SmapiRequest<'vdi_activate'>): Promise<null> {
  const uuid = vdiUuidOf(request);
  return withVdiSession(ctx, request, async (session) => {
    await activate(await activationDeps(ctx, session, uuid, request.vdiRef, request.srRef), session.srUuid, uuid, request.args.writable);
    return null;
  });
}
