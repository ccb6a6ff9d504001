/**
 * vdi_introduce (master only, under the SR lock; spec/cbt-and-more.md §2.1): gives XAPI back a VDI whose
 * volume LINSTOR and the KV still hold — after a `VDI.forget`, or an operator's repair — with the record
 * sr_scan would have made for it (driver/sr/vdi-list.ts), and answers `{uuid, location}`.
 *
 * The location names the volume, and a VDI's uuid is its location here (the KV keys volumes by it): the
 * uuid asked for must be the location. Refused, with nothing changed: a uuid XAPI already has, a location
 * that names no volume of this SR, a volume an interrupted operation left unfinished, one with no usable
 * metadata or an unreadable VHD, and a hidden leaf (garbage the collector removes) — a hidden parent of a
 * VDI XAPI knows is introduced unmanaged, as the scan does.
 */
import type { SmapiRequest } from '../../lib/smapi/request.js';
import type { VdiResult } from '../../lib/smapi/response.js';
import { SrError } from '../../lib/smapi/sr-error.js';
import { asVdiUuid, isDeletedVdiUuid } from '../../lib/volume/index.js';
import { VHD_PARENT } from '../../lib/xapi/index.js';
import { vdiRefOf } from '../clone/deps.js';
import type { DriverContext } from '../context.js';
import { localNode, openVolumes } from '../sr/open-volumes.js';
import { openSrSession } from '../sr/session.js';
import { introduceFound, inspectVolume } from '../sr/vdi-list.js';
import { refusePendingJournal } from '../vdi/device.js';
import { masterPrelude } from '../vdi/master-prelude.js';

export async function vdiIntroduce(ctx: DriverContext, request: SmapiRequest<'vdi_introduce'>): Promise<VdiResult> {
  const location = (request.vdiLocation ?? '').toLowerCase();
  const wanted = (request.newUuid ?? '').toLowerCase();
  const srRef = request.srRef;
  if (srRef === undefined) throw new SrError('BadRequest', 'vdi_introduce needs sr_ref');
  if (wanted !== location) {
    throw new SrError('VDIUnavailable', `a LINSTOR VDI's uuid is its location: introduce ${location} with uuid ${location}, not ${wanted}`);
  }
  const uuid = asVdiUuid(location);
  const session = await openSrSession(ctx, request);
  try {
    const { xapi } = session;
    if ((await vdiRefOf(xapi, uuid)) !== undefined) throw new SrError('VDIExists', `XAPI already has VDI ${uuid}`);
    const volumes = await openVolumes(session);
    const node = await localNode(session);
    // Interrupted snapshots and inflates are undone first, as by sr_scan: their volumes are not final.
    await masterPrelude(ctx, session, node);
    if (isDeletedVdiUuid(uuid) || !volumes.has(uuid)) throw new SrError('VDIUnavailable', `no LINSTOR volume ${uuid} in SR ${session.srUuid}`);
    await refusePendingJournal(await session.journal(), uuid);
    const [metadata, size, records] = await Promise.all([volumes.getMetadata(uuid), volumes.sizes(uuid), xapi.vdi.recordsOfSr(srRef)]);
    if (Object.keys(metadata).length === 0 || size === undefined) throw new SrError('VDIUnavailable', `volume ${uuid} has no VDI metadata`);
    const found = await inspectVolume(ctx, volumes, uuid, metadata, size.usableBytes, size.allocatedBytes, node);
    if (found === undefined) throw new SrError('VDIUnavailable', `volume ${uuid} is not a VDI this driver serves (no usable vdi_type, or an unreadable VHD)`);
    const byLocation = new Map(Object.entries(records).map(([ref, r]) => [r.location, ref]));
    const isParent = Object.values(records).some((r) => r.sm_config[VHD_PARENT] === uuid);
    if (found.hidden && !isParent) throw new SrError('VDIUnavailable', `volume ${uuid} is a hidden VHD no VDI uses: the collector removes it`);
    const ref = await introduceFound(xapi, srRef, found, isParent);
    const of = typeof metadata.snapshot_of === 'string' ? byLocation.get(metadata.snapshot_of) : undefined;
    if (metadata.is_a_snapshot === true && of !== undefined) await xapi.vdi.set(ref, 'snapshot_of', of);
    ctx.log.info('vdi_introduce: VDI given back to XAPI', { vdi: uuid, managed: !found.hidden });
    return { uuid, location: uuid };
  } finally {
    await session.close();
  }
}
