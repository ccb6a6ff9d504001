/**
 * sr_scan (master only, spec/sm-linstor.md §2.3): repair at load, then XAPI's VDI list made equal to
 * LINSTOR's (introduce, update, forget) and the SR sizes written. It forgets nothing unless the
 * controller demonstrably runs on the SR database (see database-check.ts); unreachable → SRUnavailable.
 * Then our collector is kicked (never `SMGC@`; driver/sr/collector.ts).
 */
import type { SmapiRequest } from '../../lib/smapi/request.js';
import type { VerbResult } from '../../lib/smapi/response.js';
import { SrError } from '../../lib/smapi/sr-error.js';
import type { DriverContext } from '../context.js';
import { kickCollector } from '../sr/collector.js';
import { databaseKnownOn } from '../sr/database-check.js';
import { localNode, openVolumes } from '../sr/open-volumes.js';
import { openSrSession } from '../sr/session.js';
import { updatePhysicalSize } from '../sr/stats.js';
import { reconcileVdis } from '../sr/vdi-list.js';
import { unpauseLeftovers } from '../vdi/leftover-pauses.js';
import { masterPrelude } from '../vdi/master-prelude.js';

export async function srScan(ctx: DriverContext, request: SmapiRequest<'sr_scan'>): Promise<VerbResult> {
  const session = await openSrSession(ctx, request);
  try {
    const srRef = request.srRef ?? '';
    const volumes = await openVolumes(session);
    const node = await localNode(session);
    const [journal, known, records] = await Promise.all([session.journal(), databaseKnownOn(await session.linstor(), node), session.xapi.vdi.recordsOfSr(srRef)]);
    if (!known && Object.keys(records).length > 0) throw new SrError('SRUnavailable', 'Database is not mounted or node name is invalid');
    // Interrupted inflates and clones undone first: their volumes are not final (spec §5).
    const recovered = await masterPrelude(ctx, session, node);
    const entries = await journal.entries();
    const pending = new Set(entries.map((e) => e.id));
    // Decoding every record is most of a big scan's CPU, so the records read for the check above serve
    // the reconcile too, unless a recovery has just changed XAPI's VDIs. Nothing else introduces, forgets
    // or updates this SR's VDIs meanwhile: the verbs and collector steps that do hold the SR lock this
    // scan holds. A VBD made meanwhile is missed, like one made while the reconcile runs.
    const reuse = recovered ? {} : { records };
    const report = await reconcileVdis(ctx, volumes, { xapi: session.xapi, srRef, node, introduce: !entries.some((e) => e.type === 'clone'), forget: true, pending, ...reuse });
    // Stale after the reconcile, which is enough here: each paused candidate's sm-config is read again,
    // a forgotten VDI is skipped, and an introduced one carries no pause mark.
    const pauses = await unpauseLeftovers({ xapi: session.xapi, journal, srUuid: session.srUuid, log: ctx.log }, records);
    if (pauses.failed.length > 0) ctx.log.error('VDIs left paused could not be unpaused; the next scan tries again', { vdis: pauses.failed });
    ctx.log.info(`sr_scan: ${report.introduced.length} introduced, ${report.updated.length} updated, ${report.forgotten.length} forgotten`);
    await updatePhysicalSize(session.xapi, srRef, volumes);
    await kickCollector(ctx, session.srUuid);
    return null;
  } finally {
    await session.close();
  }
}
