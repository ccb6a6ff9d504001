/**
 * vdi_epoch_begin / vdi_epoch_end (any host; smapi-protocol.md §1.4): no-ops for this driver (reset-on-boot
 * is not advertised), kept as real verbs so that xapi's calls succeed; the slave still takes and
 * releases the volume lock like every VDI command.
 */
import type { SmapiRequest } from '../../lib/smapi/request.js';
import type { DriverContext } from '../context.js';
import { withVdiSession } from '../vdi/vdi-session.js';

export async function vdiEpochBegin(ctx: DriverContext, request: SmapiRequest<'vdi_epoch_begin'>): Promise<null> {
  return withVdiSession(ctx, request, async () => null);
}

export async function vdiEpochEnd(ctx: DriverContext, request: SmapiRequest<'vdi_epoch_end'>): Promise<null> {
  return withVdiSession(ctx, request, async () => null);
}
