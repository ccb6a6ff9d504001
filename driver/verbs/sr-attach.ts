/**
 * sr_attach (PBD.plug, on every host; spec/sm-linstor.md §2.2–§2.3): activate the volume group, reach the
 * controller and the SR. On the master also: set the database volume's HA DRBD options (every attach,
 * unless `monitor-db-quorum` is false; spec/sm-changes-2026.md §7), (load with repair) introduce the
 * volumes XAPI does not know — never forgetting any, that is sr_scan's — write the SR uuid into the KV
 * (for sr_probe) and push XAPI's SR name into `xcp/sr/metadata`.
 */
import type { SmapiRequest } from '../../lib/smapi/request.js';
import type { VerbResult } from '../../lib/smapi/response.js';
import { DATABASE_VOLUME_NAME, setDrbdHaProperties } from '../../lib/volume/index.js';
import type { DriverContext } from '../context.js';
import { localNode, openVolumes } from '../sr/open-volumes.js';
import { openSrSession } from '../sr/session.js';
import { reconcileVdis } from '../sr/vdi-list.js';
import { masterPrelude } from '../vdi/master-prelude.js';

export async function srAttach(ctx: DriverContext, request: SmapiRequest<'sr_attach'>): Promise<VerbResult> {
  const session = await openSrSession(ctx, request);
  try {
    const vg = session.config.groupName.split('/')[0]!;
    // "To make drbd-reactor happy"; a host without the volume group (diskless-only) attaches all the same.
    const active = await ctx.exec('vgchange', ['-ay', vg], { allowFailure: true });
    if (active.exitCode !== 0) ctx.log.info(`volume group ${vg} not activated: ${active.stderr.trim()}`);
    const volumes = await openVolumes(session);
    if (!session.isMaster) return null;
    // At every attach, not once: an SR created by an older driver, or options changed by hand, are put right.
    if (session.config.monitorDbQuorum) await setDrbdHaProperties(await session.linstor(), DATABASE_VOLUME_NAME);
    const srRef = request.srRef ?? '';
    const journal = await session.journal();
    await masterPrelude(ctx, session, await localNode(session));
    const clones = await journal.getAll('clone');
    const report = await reconcileVdis(ctx, volumes, { xapi: session.xapi, srRef, node: await localNode(session), introduce: clones.size === 0, forget: false });
    if (report.introduced.length > 0) ctx.log.info(`sr_attach introduced ${report.introduced.length} VDIs`);
    if ((await volumes.srUuid()) !== session.srUuid) await volumes.setSrUuid(session.srUuid);
    try {
      const record = await session.xapi.sr.getRecord(srRef);
      const current = await volumes.srMetadata();
      if (current.name_label !== record.name_label || current.name_description !== record.name_description) {
        await volumes.setSrMetadata({ ...current, name_label: record.name_label, name_description: record.name_description });
      }
    } catch (error) {
      ctx.log.warn('synchronising the SR metadata failed', { error: String(error) });
    }
    return null;
  } finally {
    await session.close();
  }
}
