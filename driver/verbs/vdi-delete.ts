/**
 * vdi_delete (master only; spec/sm-linstor.md §2.4, spec/sm-changes-2026.md §7, §10): refused with
 * VDIInUse while XAPI has it attached (an sm-config `host_<ref>` key), refused for a non-leaf (unmanaged)
 * VDI; otherwise the volume is destroyed (KV NOT_EXISTS first, so a crash leaves what repair finishes),
 * the XAPI row forgotten and sm's lock folder of the VDI removed. A device open on some node by something
 * XAPI does not know of (DRBD Primary) makes the destroy refuse before it changes anything: VDIDelete
 * with "Could not destroy volume `<uuid>` as it is currently in use", the VDI kept in XAPI and the KV.
 * A destroy failing after that check fails the verb with the KV left NOT_EXISTS, for repair (or the next
 * vdi_delete, which then only forgets the row) to finish. Deleting a VDI whose volume is already gone
 * only forgets the row: the verb is idempotent.
 */
import { rm } from 'node:fs/promises';
import { hostPath } from '../../lib/host/env.js';
import { faultPoint } from '../../lib/host/faults.js';
import type { SmapiRequest } from '../../lib/smapi/request.js';
import { SrError } from '../../lib/smapi/sr-error.js';
import { isXapiError } from '../../lib/xapi/index.js';
import type { DriverContext } from '../context.js';
import { kickCollector } from '../sr/collector.js';
import { backupAfterCommit } from '../sr/database-backup.js';
import type { SrSession } from '../sr/session.js';
import { masterPrelude } from '../vdi/master-prelude.js';
import { updateSrStats } from '../vdi/sr-stats.js';
import { localNodeName, vdiUuidOf, withVdiSession } from '../vdi/vdi-session.js';

export async function vdiDelete(ctx: DriverContext, request: SmapiRequest<'vdi_delete'>): Promise<null> {
  const uuid = vdiUuidOf(request);
  return withVdiSession(ctx, request, async (session) => {
    // First what an interrupted operation left: a snapshot killed after renaming this VDI to its base
    // copy makes the volume look gone, and forgetting the VDI then would let the undo bring it back.
    await masterPrelude(ctx, session, await localNodeName(session));
    const journal = await session.journal();
    if (await journal.hasEntries(uuid)) {
      throw new SrError('VDIUnavailable', 'Interrupted operation detected on this VDI, scan SR first to trigger auto-repair');
    }
    const record = request.vdiRef === undefined ? undefined : await session.xapi.vdi.getRecord(request.vdiRef).catch(() => undefined);
    const attachedOn = Object.keys(record?.sm_config ?? {}).filter((k) => k.startsWith('host_'));
    if (attachedOn.length > 0) throw new SrError('VDIInUse', `VDI ${uuid} is attached (${attachedOn.join(', ')})`);
    const volumes = await session.volumes();
    if (volumes.has(uuid)) {
      if (record !== undefined && record.managed === false) throw new SrError('VDIDelete', 'Deleting non-leaf node not permitted');
      // Refuses (VolumeInUseError) while the device is open on some node.
      await volumes.destroy(uuid);
      faultPoint(ctx.env.faults, 'vdi_delete:after-destroy');
    } else {
      ctx.log.info('the volume is already gone: forgetting the VDI only', { vdi: uuid });
    }
    await forget(session, request.vdiRef);
    await rm(hostPath(ctx.env.root, `/var/lock/sm/${uuid}`), { recursive: true, force: true });
    await updateSrStats(session, request.srRef, -Number(record?.virtual_size ?? 0), ctx.log);
    await backupAfterCommit(ctx, session.linstor, 'delete');
    await kickCollector(ctx, session.srUuid);
    return null;
  });
}

async function forget(session: SrSession, vdiRef: string | undefined): Promise<void> {
  if (vdiRef === undefined) return;
  try {
    await session.xapi.vdi.dbForget(vdiRef);
  } catch (error) {
    if (!isXapiError(error, 'HANDLE_INVALID')) throw error;
  }
}
