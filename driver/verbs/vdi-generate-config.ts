/**
 * vdi_generate_config (spec/sm-linstor.md §2.4, spec/smapi-protocol.md §2.2): the string static-vdis
 * stores and replays later as the driver's argv — a complete `vdi_attach_from_config` methodCall whose
 * one struct carries `device_config`, `sr_uuid`, `vdi_uuid`, `sr_sm_config`, `command` and `vdi_path`
 * (the keys the Python driver writes, so configs survive a driver switch either way). `vdi_path` is
 * `/dev/http-nbd/<volume>` for the HA statefile and redo-log (served through the HTTP/NBD bridge), else
 * the VDI's DRBD path on this host, made available here first.
 */
import { existsSync } from 'node:fs';
import { HA_VOLUMES, HTTP_NBD_DIR } from '../../lib/ha/http-nbd.js';
import { hostPath } from '../../lib/host/env.js';
import type { SmapiRequest } from '../../lib/smapi/request.js';
import { SrError } from '../../lib/smapi/sr-error.js';
import { encodeMethodCall } from '../../lib/smapi/xmlrpc.js';
import type { DriverContext } from '../context.js';
import { localNodeName, vdiUuidOf, withVdiSession } from '../vdi/vdi-session.js';

export async function vdiGenerateConfig(ctx: DriverContext, request: SmapiRequest<'vdi_generate_config'>): Promise<string> {
  const uuid = vdiUuidOf(request);
  return withVdiSession(ctx, request, async (session) => {
    const volumes = await session.volumes();
    if (!volumes.has(uuid)) throw new SrError('VDIUnavailable', `VDI ${uuid} has no LINSTOR volume`);
    const name = volumes.resourceName(uuid);
    let vdiPath: string;
    if (HA_VOLUMES[name] !== undefined) {
      vdiPath = `${HTTP_NBD_DIR}/${name}`;
    } else {
      vdiPath = await volumes.localDevicePath(uuid, await localNodeName(session), ctx.env.root);
      if (!existsSync(hostPath(ctx.env.root, vdiPath))) throw new SrError('VDIUnavailable', `the device ${vdiPath} of VDI ${uuid} is not available on this host`);
    }
    return encodeMethodCall('vdi_attach_from_config', [
      {
        device_config: { ...request.deviceConfig },
        sr_uuid: session.srUuid,
        vdi_uuid: uuid,
        sr_sm_config: { ...request.srSmConfig },
        command: 'vdi_attach_from_config',
        vdi_path: vdiPath,
      },
    ]);
  });
}
