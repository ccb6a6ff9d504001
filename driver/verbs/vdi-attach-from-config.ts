/**
 * vdi_attach_from_config (spec/sm-linstor.md §2.4, §2.7; spec/blktap2.md §1.11, §5.4): static-vdis at
 * boot, no XAPI session, no tapdisk. The HA statefile and redo-log come up through the HTTP/NBD bridge
 * (served from here when this host is the master or holds a replica); any other VDI gets its DRBD
 * device here (a diskless on demand, every parent too; a thin VHD inflated on the master, as a
 * writable attach does). The result is `{params, xenstore_data}` — never `params_nbd`, so static-vdis
 * links the device itself. Any failure: SRUnavailable "Unable to attach from config".
 */
import { existsSync } from 'node:fs';
import { HA_VOLUMES, httpNbdVolume, startBridge } from '../../lib/ha/http-nbd.js';
import { hostPath } from '../../lib/host/env.js';
import type { SmapiRequest } from '../../lib/smapi/request.js';
import type { FromConfigResult } from '../../lib/smapi/response.js';
import { SrError } from '../../lib/smapi/sr-error.js';
import { computeVolumeSize, MAX_CHAIN_DEPTH, queryVhd } from '../../lib/vhd/index.js';
import { inflate } from '../../lib/thin/thin.js';
import type { DriverContext } from '../context.js';
import { localPool, openFromConfig, readFromConfig } from '../vdi/from-config.js';

function unable(error: unknown): SrError {
  if (error instanceof SrError && error.code === 'SRUnavailable') return error;
  const reason = error instanceof SrError ? (error.opterr ?? error.message) : (error as Error).message;
  return new SrError('SRUnavailable', `Unable to attach from config: ${reason}`, { cause: error });
}

export async function vdiAttachFromConfig(ctx: DriverContext, request: SmapiRequest<'vdi_attach_from_config'>): Promise<FromConfigResult> {
  try {
    const { uuid, vdiPath, config } = readFromConfig(request);
    const bridged = httpNbdVolume(vdiPath);
    if (bridged !== undefined && HA_VOLUMES[bridged] === undefined) throw new SrError('VDIUnavailable', `Unsupported path: ${vdiPath}`);
    const pool = await localPool(ctx);
    const { sr, node } = await openFromConfig(ctx, pool, config);
    try {
      const [volumes, journal] = [await sr.volumes(), await sr.journal()];
      if (!volumes.has(uuid)) throw new SrError('VDIUnavailable', `VDI ${uuid} has no LINSTOR volume`);
      if (bridged !== undefined) {
        if (volumes.resourceName(uuid) !== bridged) throw new SrError('VDIUnavailable', `VDI ${uuid} is not ${bridged}`);
        // The master always serves (xhad needs the device there); a slave only from its own replica.
        const serves = pool.isMaster || ((await volumes.sizes(uuid))?.diskfulNodes ?? []).some((n) => n.toUpperCase() === node.toUpperCase());
        const diskPath = serves ? await volumes.localDevicePath(uuid, node, ctx.env.root) : undefined;
        const path = await startBridge({ root: ctx.env.root, log: ctx.log.child('ha'), volume: bridged, diskPath, localAddress: pool.localAddress, hostAddresses: pool.addresses });
        return { params: path, xenstore_data: { 'storage-type': 'linstor' } };
      }
      const path = await volumes.localDevicePath(uuid, node, ctx.env.root);
      if ((await volumes.getMetadata(uuid)).vdi_type !== 'aio') {
        if (pool.isMaster) {
          const info = await queryVhd({ root: ctx.env.root }, path);
          await inflate({ volumes, journal, root: ctx.env.root, faults: ctx.env.faults, log: ctx.log }, uuid, path, computeVolumeSize(info.virtualSize, 'vhd'), { footerToEnd: true });
        }
        let link = path;
        for (let depth = 1; depth < MAX_CHAIN_DEPTH; depth += 1) {
          const parentPath = (await queryVhd({ root: ctx.env.root }, link)).parentPath;
          const parent = parentPath === undefined ? undefined : volumes.vdiUuidFromDevicePath(parentPath);
          if (parent === undefined) break;
          link = await volumes.localDevicePath(parent, node, ctx.env.root);
        }
      }
      if (!existsSync(hostPath(ctx.env.root, path))) throw new SrError('VDIUnavailable', `Could not find ${path}`);
      return { params: path, xenstore_data: { 'storage-type': 'linstor' } };
    } finally {
      await sr.close();
    }
  } catch (error) {
    throw unable(error);
  }
}
