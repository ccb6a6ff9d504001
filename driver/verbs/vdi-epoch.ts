/**
 * vdi_epoch_begin / vdi_epoch_end (any host; smapi-protocol.md §1.4, spec/cbt-and-more.md §3): xapi sends
 * epoch_begin before it attaches a VM's disk and epoch_end after it detaches it. With `vdi_on_boot=reset`
 * (capability VDI_RESET_ON_BOOT/2) epoch_begin drops the leaf's data (driver/vdi/reset-leaf.ts); otherwise
 * both answer nil. The slave still takes and releases the volume lock like every VDI command.
 */
import type { SmapiRequest } from '../../lib/smapi/request.js';
import type { DriverContext } from '../context.js';
import { resetLeaf } from '../vdi/reset-leaf.js';
import { vdiUuidOf, withVdiSession } from '../vdi/vdi-session.js';

export async function vdiEpochBegin(ctx: DriverContext, request: SmapiRequest<'vdi_epoch_begin'>): Promise<null> {
  return withVdiSession(ctx, request, async (session) => {
    if (request.vdiOnBoot === 'reset') await resetLeaf(ctx, session, vdiUuidOf(request));
    return null;
  });
}

export async function vdiEpochEnd(ctx: DriverContext, request: SmapiRequest<'vdi_epoch_end'>): Promise<null> {
  return withVdiSession(ctx, request, async () => null);
}
