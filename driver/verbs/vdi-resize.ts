/**
 * vdi_resize (master only; spec/sm-linstor.md §2.4, §4.3): grow only.
 *
 *   RAW:        grow the volume to the new size
 *   VHD thick:  inflate to the full size (journal `inflate/<vdi>`), then the fast VHD resize
 *   VHD thin:   the fast VHD resize only (the BAT is preallocated for 2 TiB); a writable attach inflates
 *
 * then VDI.set_virtual_size and set_physical_utilisation, and `{uuid, location}`. Shrinking, or a size
 * out of range: VDISize with nothing changed. A kill between the inflate and the VHD resize leaves an
 * `inflate` entry that the master's next command undoes.
 */
import { faultPoint } from '../../lib/host/faults.js';
import type { SmapiRequest } from '../../lib/smapi/request.js';
import type { VdiResult } from '../../lib/smapi/response.js';
import { SrError } from '../../lib/smapi/sr-error.js';
import { queryVhd, resizeVhd } from '../../lib/vhd/index.js';
import { roundUpVolumeSize } from '../../lib/volume/index.js';
import type { DriverContext } from '../context.js';
import { masterPrelude } from '../vdi/master-prelude.js';
import { fullVolumeSize, validateAndRoundSize } from '../vdi/sizes.js';
import { updateSrStats } from '../vdi/sr-stats.js';
import { inflate, usableBytes } from '../../lib/thin/thin.js';
import { vdiTypeOf } from '../vdi/vdi-type.js';
import { localNodeName, vdiUuidOf, withVdiSession } from '../vdi/vdi-session.js';

export async function vdiResize(ctx: DriverContext, request: SmapiRequest<'vdi_resize'>): Promise<VdiResult> {
  const uuid = vdiUuidOf(request);
  const size = validateAndRoundSize(request.args.newSizeBytes);
  const result: VdiResult = { uuid, location: request.vdiLocation ?? uuid };
  return withVdiSession(ctx, request, async (session) => {
    const node = await localNodeName(session);
    await masterPrelude(ctx, session, node);
    const volumes = await session.volumes();
    const vdiRef = request.vdiRef;
    if (vdiRef !== undefined && (await session.xapi.vdi.get(vdiRef, 'managed')) === false) {
      throw new SrError('VDIUnavailable', `VDI ${uuid} is hidden: cannot resize it`);
    }
    const type = await vdiTypeOf(volumes, uuid);
    const usable = await usableBytes(volumes, uuid);
    const max = await volumes.maxVolumeSizeBytes();
    let virtualSize: number;
    if (type === 'aio') {
      if (size < usable) throw new SrError('VDISize', 'shrinking not allowed');
      if (size === usable) return result;
      const wanted = roundUpVolumeSize(size);
      if (wanted - usable > max) throw new SrError('SRNoSpace', `growing by ${wanted - usable} bytes does not fit (largest possible: ${max} bytes)`);
      await volumes.resize(uuid, wanted);
      volumes.invalidateResources();
      virtualSize = await usableBytes(volumes, uuid);
    } else {
      const path = await volumes.localDevicePath(uuid, node, ctx.env.root);
      const info = await queryVhd({ root: ctx.env.root }, path);
      if (size < info.virtualSize) throw new SrError('VDISize', 'shrinking not allowed');
      if (size === info.virtualSize) return result;
      if (size > info.maxResizeSize) throw new SrError('VDISize', `the VHD can grow to ${info.maxResizeSize} bytes at most`);
      if (session.config.provisioning === 'thick') {
        const full = fullVolumeSize(size, 'vhd');
        if (full - usable > max) throw new SrError('SRNoSpace', `growing by ${full - usable} bytes does not fit (largest possible: ${max} bytes)`);
        await inflate({ volumes, journal: await session.journal(), root: ctx.env.root, faults: ctx.env.faults, log: ctx.log }, uuid, path, full);
      }
      faultPoint(ctx.env.faults, 'vdi_resize:before-vhd-resize');
      await resizeVhd({ root: ctx.env.root }, path, size);
      virtualSize = size;
    }
    volumes.invalidateResources();
    // The disk has its new size now (the guest sees it at its next open): XAPI must say so too. A LINSTOR
    // read failing from here on only leaves the utilisation for the next scan, never the verb failed
    // with XAPI's record at the old size.
    const utilisation = await volumes.sizes(uuid).then(
      (sizes) => sizes?.allocatedBytes,
      (error: unknown) => ctx.log.warn('cannot read the new utilisation; the next scan sets it', { vdi: uuid, error }),
    );
    if (vdiRef !== undefined) {
      const before = Number(await session.xapi.vdi.get(vdiRef, 'virtual_size'));
      await session.xapi.vdi.setVirtualSize(vdiRef, virtualSize);
      if (utilisation !== undefined) await session.xapi.vdi.setPhysicalUtilisation(vdiRef, utilisation);
      await updateSrStats(session, request.srRef, virtualSize - (Number.isFinite(before) ? before : 0), ctx.log).catch((error: unknown) =>
        ctx.log.warn('cannot update the SR sizes', { error }),
      );
    }
    ctx.log.info('VDI resized', { vdi: uuid, virtualSize });
    return result;
  });
}
