/**
 * vdi_detach_from_config (spec/sm-linstor.md §2.4; spec/blktap2.md §5.4): what static-vdis runs to
 * undo vdi_attach_from_config. For the HA bridge: SIGTERM to both servers' process groups, pid files
 * and the /dev/http-nbd link removed (no LINSTOR needed, so it works with the controller gone). For
 * any other VDI: the normal detach — a thin VHD deflated when no other host has it open, and on a
 * slave the plain disklesses of its chain removed. Idempotent: a second run finds nothing to stop.
 */
import { httpNbdVolume, stopBridge } from '../../lib/ha/http-nbd.js';
import type { SmapiRequest } from '../../lib/smapi/request.js';
import { SrError } from '../../lib/smapi/sr-error.js';
import type { DriverContext } from '../context.js';
import { linstorDevice } from '../vdi/device.js';
import { localPool, openFromConfig, readFromConfig } from '../vdi/from-config.js';

export async function vdiDetachFromConfig(ctx: DriverContext, request: SmapiRequest<'vdi_detach_from_config'>): Promise<null> {
  const { uuid, vdiPath, config } = readFromConfig(request);
  const bridged = httpNbdVolume(vdiPath);
  if (bridged !== undefined) {
    await stopBridge(ctx.env.root, bridged, ctx.log.child('ha'));
    return null;
  }
  const pool = await localPool(ctx);
  const { sr, node } = await openFromConfig(ctx, pool, config);
  try {
    const [volumes, journal] = [await sr.volumes(), await sr.journal()];
    if (!volumes.has(uuid)) throw new SrError('VDIUnavailable', `VDI ${uuid} has no LINSTOR volume`);
    const type = (await volumes.getMetadata(uuid)).vdi_type === 'aio' ? 'aio' : 'vhd';
    await linstorDevice({ volumes, journal, uuid, type, provisioning: config.provisioning, node, isMaster: pool.isMaster, root: ctx.env.root, faults: ctx.env.faults, log: ctx.log.child('device') }).detach();
    return null;
  } finally {
    await sr.close();
  }
}
