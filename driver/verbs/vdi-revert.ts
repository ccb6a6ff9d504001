/**
 * vdi_revert (capability VDI_REVERT; xapi's VDI.revert, which VM.revert uses when the SR offers it;
 * spec/smapi-protocol.md, spec/sm-changes-2026.md §11): the VDI `args[0]` is made to read as the
 * snapshot `vdi_ref`, and keeps its uuid and its XAPI record (the point of VDI.revert over clone+destroy).
 *
 *   master prelude ─▶ checks, nothing changed on refusal: both VDIs in this SR, VHD, with volumes, no
 *   journal entry, the reverted one managed and attached nowhere, room for two leaves
 *   ─▶ the snapshot cloned (clone/verb.ts, with its own commit point), the clone given no XAPI record,
 *   its `unreturned/` entry replaced by `revert/<vdi>` ─▶ the clone adopted under the reverted VDI's
 *   uuid (revert/adopt.ts: commit point = the old volume renamed aside)
 *
 * Before the adoption's commit a failure leaves the VDI as it was (the clone is dropped, at once or by
 * the next recovery); after it the revert is finished, at once or by the next recovery, and the VDI
 * cannot be attached meanwhile (its journal entry refuses it). RAW VDIs have no snapshots to revert to.
 */
import { retrying } from '../../lib/host/retry.js';
import { REVERT, UNRETURNED } from '../../lib/journal/index.js';
import type { SmapiRequest } from '../../lib/smapi/request.js';
import { SrError } from '../../lib/smapi/sr-error.js';
import { asVdiUuid, type VdiUuid } from '../../lib/volume/index.js';
import type { Ref } from '../../lib/xapi/index.js';
import { cloneDepsOf } from '../clone/deps.js';
import { cloneInSession } from '../clone/verb.js';
import type { DriverContext } from '../context.js';
import { commitRevert, recoverRevert } from '../revert/adopt.js';
import { openVolumes } from '../sr/open-volumes.js';
import type { SrSession } from '../sr/session.js';
import { refusePendingJournal } from '../vdi/device.js';
import { masterPrelude } from '../vdi/master-prelude.js';
import { pluggedSomewhere } from '../vdi/plugged.js';
import { vdiTypeOf } from '../vdi/vdi-type.js';
import { localNodeName, vdiUuidOf, withVdiSession } from '../vdi/vdi-session.js';

/** The reverted VDI, checked: in this SR, not the snapshot itself, a managed VHD attached nowhere. */
async function targetOf(session: SrSession, request: SmapiRequest<'vdi_revert'>, snapshot: VdiUuid): Promise<{ uuid: VdiUuid; ref: Ref }> {
  const ref = request.args.targetRef;
  let record;
  try {
    record = await session.xapi.vdi.getRecord(ref);
  } catch (error) {
    throw new SrError('VDIUnavailable', `the VDI to revert (${ref}) does not exist`, { cause: error });
  }
  if (record.SR !== request.srRef) throw new SrError('VDIUnavailable', `the VDI to revert (${record.uuid}) is not in this SR`);
  if (record.uuid === snapshot) throw new SrError('VDIUnavailable', `VDI ${snapshot} cannot be reverted to itself`);
  const uuid = asVdiUuid(record.uuid);
  const volumes = await session.volumes();
  if (!volumes.has(uuid)) throw new SrError('VDIUnavailable', `the VDI to revert (${uuid}) has no LINSTOR volume`);
  if (!record.managed) throw new SrError('VDIUnavailable', `VDI ${uuid} is hidden (a base copy of a snapshot chain): it cannot be reverted`);
  if ((await vdiTypeOf(volumes, uuid)) !== 'vhd' || (await vdiTypeOf(volumes, snapshot)) !== 'vhd') {
    throw new SrError('Unimplemented', `revert of RAW VDIs is not supported (${uuid} to ${snapshot})`);
  }
  const attached = Object.keys(record.sm_config).filter((k) => k === 'paused' || k.startsWith('host_'));
  if (attached.length > 0 || (await pluggedSomewhere(session.xapi, record.VBDs))) {
    throw new SrError('VDIInUse', `VDI ${uuid} is attached (${attached.join(', ') || 'a plugged VBD'}): shut its VM down before reverting it`);
  }
  await refusePendingJournal(await session.journal(), uuid);
  return { uuid, ref };
}

export async function vdiRevert(ctx: DriverContext, request: SmapiRequest<'vdi_revert'>): Promise<null> {
  const snapshot = vdiUuidOf(request);
  const { vdiRef, srRef } = request;
  if (vdiRef === undefined || srRef === undefined) throw new SrError('BadRequest', 'vdi_revert needs vdi_ref and sr_ref');
  return withVdiSession(ctx, request, async (session) => {
    const node = await localNodeName(session);
    await openVolumes(session);
    await masterPrelude(ctx, session, node);
    const target = await targetOf(session, request, snapshot);
    const log = ctx.log.child('revert');
    let leaf: VdiUuid | undefined;
    await cloneInSession(ctx, session, node, {
      uuid: snapshot, vdiRef, srRef, kind: 'double', clone: true, code: 'VDIClone', verb: 'vdi_revert', mirror: undefined, introduceResult: false,
      settle: async (journal, result) => {
        await journal.replace({ type: UNRETURNED, id: result }, { type: REVERT, id: target.uuid, value: result });
        leaf = result;
      },
    });
    if (leaf === undefined) throw new Error('the clone of the snapshot answered no leaf');
    const adopted = leaf;
    const retry = { attempts: 6, delayMs: Math.max(1, Math.round(1_000 * ctx.env.timeScale)), maxDelayMs: Math.max(1, Math.round(8_000 * ctx.env.timeScale)), log };
    const deps = cloneDepsOf(ctx, session, node, log);
    // The resource under the VDI before: after a failure, whether the VDI moved to another says whether the revert is done.
    const resourceBefore = (await session.volumes()).resourceName(target.uuid);
    try {
      await commitRevert(await deps.current(), target.uuid, adopted);
    } catch (error) {
      // Where it stopped decides: both volumes there → not committed, undone; otherwise finished.
      await retrying({ ...retry, what: `recovering the revert of ${target.uuid}` }, async () => {
        const d = await deps.fresh();
        if ((await d.journal.get(REVERT, target.uuid)) !== undefined) await recoverRevert(d, target.uuid, adopted);
      }).catch((recoverError: unknown) => log.error('cannot finish or undo the revert now: the next recovery does', { vdi: target.uuid, leaf: adopted, error: recoverError }));
      const now = await session.freshVolumes();
      if (!now.has(target.uuid) || now.resourceName(target.uuid) === resourceBefore) throw error;
      log.warn('vdi_revert met a failure past its commit point and finished the revert', { vdi: target.uuid, error });
    }
    log.info('vdi_revert done', { vdi: target.uuid, snapshot, leaf: adopted });
    return null;
  });
}
