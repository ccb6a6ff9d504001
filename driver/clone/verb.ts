/**
 * vdi_snapshot and vdi_clone (master only; spec/sm-linstor.md §2.4, §4.4; spec/blktap2.md §2.4):
 *
 *   master prelude (interrupted inflates and clones undone) ─▶ checks, nothing changed on refusal:
 *   volume present, managed, no journal entry, VHD, chain shallower than 30, room for the new leaves
 *   ─▶ tap_pause on every host where A is active ─▶ the chain (build.ts, journaled, undone on failure)
 *   ─▶ finally tap_unpause (each host reopens A on its new resource) ─▶ `{uuid, location}` of the
 *   snapshot (double, clone) or of the base (single, internal)
 */
import { tapPause, tapUnpause } from '../../lib/blktap/pause.js';
import type { VdiSmConfig } from '../../lib/blktap/vdi-tags.js';
import { faultPoint } from '../../lib/host/faults.js';
import type { SmapiRequest } from '../../lib/smapi/request.js';
import type { VdiResult } from '../../lib/smapi/response.js';
import { SrError } from '../../lib/smapi/sr-error.js';
import { MAX_CHAIN_DEPTH } from '../../lib/vhd/index.js';
import type { VdiUuid } from '../../lib/volume/index.js';
import type { Ref, Xapi } from '../../lib/xapi/index.js';
import type { DriverContext } from '../context.js';
import { openVolumes } from '../sr/open-volumes.js';
import type { SrSession } from '../sr/session.js';
import { masterPrelude } from '../vdi/master-prelude.js';
import { updateSrStats } from '../vdi/sr-stats.js';
import { vdiTypeOf } from '../vdi/vdi-type.js';
import { localNodeName, vdiUuidOf, withVdiSession } from '../vdi/vdi-session.js';
import { buildChain, newCloneEntry, type ChainResult, type SnapshotKind } from './build.js';
import { chainOnThisHost } from './chain-paths.js';
import { linstorManagerCall, type CloneDeps } from './deps.js';
import { CLONE_POINTS } from './points.js';
import { undoClone } from './undo.js';
import { formatCloneEntry } from '../../lib/journal/index.js';

/** A failure whose undo failed too: the journal entry stays for the next master command. */
class UndoFailedError extends Error {
  override name = 'UndoFailedError';
  constructor(readonly original: unknown) {
    super(original instanceof Error ? original.message : String(original), { cause: original });
  }
}

/** `driver_params:type` → snapshot style (sm: `single`, `internal`, anything else double). */
export function snapshotKind(type: string | undefined): SnapshotKind {
  return type === 'single' || type === 'internal' ? type : 'double';
}

function smConfigOf(xapi: Xapi, ref: Ref): VdiSmConfig {
  return {
    read: () => xapi.vdi.getSmConfig(ref),
    add: (k, v) => xapi.vdi.addToSmConfig(ref, k, v),
    remove: (k) => xapi.vdi.removeFromSmConfig(ref, k),
  };
}

/** Refusals that leave everything as it was. Returns the VDI's size (bytes) of volume to duplicate. */
async function check(ctx: DriverContext, session: SrSession, uuid: VdiUuid, vdiRef: Ref, node: string, code: 'VDISnapshot' | 'VDIClone', leaves: number): Promise<void> {
  const volumes = await session.volumes();
  if (!volumes.has(uuid)) throw new SrError('VDIUnavailable', `Could not load ${uuid} because: no LINSTOR volume`);
  if (!(await session.xapi.vdi.get(vdiRef, 'managed'))) throw new SrError(code, `VDI ${uuid} is hidden (a base copy of a snapshot chain)`);
  if (await (await session.journal()).hasEntries(uuid)) {
    throw new SrError('VDIUnavailable', 'Interrupted operation detected on this VDI, scan SR first to trigger auto-repair');
  }
  if ((await vdiTypeOf(session, volumes, uuid, vdiRef)) !== 'vhd') {
    // xapi answers Unimplemented on snapshot with UNIMPLEMENTED_IN_SM_BACKEND, and on clone by copying.
    throw new SrError('Unimplemented', `snapshots of RAW VDIs are not supported (VDI ${uuid})`);
  }
  let depth: number;
  try {
    depth = (await chainOnThisHost(volumes, uuid, node, ctx.env.root)).length;
  } catch (error) {
    throw new SrError('VDIUnavailable', `the chain of VDI ${uuid} cannot be read: ${(error as Error).message}`, { cause: error });
  }
  if (depth >= MAX_CHAIN_DEPTH) throw new SrError('SnapshotChainTooLong', `the chain of VDI ${uuid} is ${depth} deep; ${MAX_CHAIN_DEPTH} is the limit`);
  const size = (await volumes.sizes(uuid))?.usableBytes ?? 0;
  const max = await volumes.maxVolumeSizeBytes();
  if (size * leaves > max) throw new SrError('SRNoSpace', `${leaves} new volume(s) of ${size} bytes do not fit (largest possible: ${max} bytes)`);
}

export async function snapshotVerb(ctx: DriverContext, request: SmapiRequest<'vdi_snapshot'> | SmapiRequest<'vdi_clone'>, clone: boolean): Promise<VdiResult> {
  const uuid = vdiUuidOf(request);
  const kind: SnapshotKind = clone ? 'double' : snapshotKind(request.driverParams['type']);
  const code = clone ? 'VDIClone' : 'VDISnapshot';
  const vdiRef = request.vdiRef;
  const srRef = request.srRef;
  if (vdiRef === undefined || srRef === undefined) throw new SrError('BadRequest', `${request.verb} needs vdi_ref and sr_ref`);
  return withVdiSession(ctx, request, async (session) => {
    const node = await localNodeName(session);
    await openVolumes(session); // an unreachable controller is SRUnavailable, not a failed snapshot
    await masterPrelude(ctx, session, node);
    await check(ctx, session, uuid, vdiRef, node, code, kind === 'double' ? 2 : 1);
    const log = ctx.log.child('snapshot');
    const call = linstorManagerCall(session.xapi);
    const config = smConfigOf(session.xapi, vdiRef);
    const journal = await session.journal();
    const deps: CloneDeps = { volumes: await session.volumes(), journal, xapi: session.xapi, srUuid: session.srUuid, node, root: ctx.env.root, faults: ctx.env.faults, log, hostCall: call };
    const entry = newCloneEntry(kind);
    // Journaled before the pause, removed after the unpause: a crash anywhere in between is undone whole
    // by the next master command, `paused` included.
    await journal.create('clone', uuid, formatCloneEntry(entry));
    faultPoint(ctx.env.faults, CLONE_POINTS.afterJournal);
    const mirror = request.driverParams['mirror'];
    let result: ChainResult;
    try {
      // We hold the SR lock, as any pauser does: a `paused` left now is a killed verb's. Unpause it first.
      if ((await config.read())['paused'] !== undefined) await tapUnpause(config, call, log, session.srUuid, uuid);
      if (!(await tapPause(config, call, log, session.srUuid, uuid))) throw new SrError(code, `Failed to pause VDI ${uuid}`);
      try {
        faultPoint(ctx.env.faults, CLONE_POINTS.afterPause);
        const record = await session.xapi.vdi.getRecord(vdiRef);
        result = await buildChain(deps, { vdi: uuid, vdiRef, srRef, kind, clone, record, now: new Date() }, entry);
      } catch (error) {
        log.warn(`${request.verb} failed: undoing it`, { vdi: uuid, base: entry.baseUuid, snapshot: entry.snapUuid, error });
        try {
          await undoClone(deps, uuid, entry, { unpause: false, keepEntry: true });
        } catch (undoError) {
          log.error('cannot undo the failed snapshot now; the next master command will', { vdi: uuid, error: undoError });
          throw new UndoFailedError(error);
        }
        throw error;
      } finally {
        if (mirror) await session.xapi.vdi.putInMap(vdiRef, 'other_config', 'leaf-coalesce', 'false').catch((error: unknown) => log.warn('cannot disable leaf-coalesce', { error }));
        if (!(await tapUnpause(config, call, log, session.srUuid, uuid, mirror || undefined))) log.warn('unpause failed on a host: paused stays set', { vdi: uuid });
      }
    } catch (error) {
      // Undone, so the entry goes; unless the undo itself failed: the entry stays for the next command.
      const cause = error instanceof UndoFailedError ? error.original : error;
      if (!(error instanceof UndoFailedError)) {
        await journal.remove('clone', uuid).catch((removeError: unknown) => log.warn('cannot remove the clone entry of an undone snapshot', { vdi: uuid, error: removeError }));
      }
      if (cause instanceof SrError) throw cause;
      throw new SrError(code, cause instanceof Error ? cause.message : String(cause), { cause });
    }
    faultPoint(ctx.env.faults, CLONE_POINTS.afterUnpause);
    await journal.remove('clone', uuid);
    log.info(`${request.verb} done`, { vdi: uuid, kind, result: result.resultUuid });
    if (kind !== 'internal') await updateSrStats(session, srRef, kind === 'double' ? result.virtualSize : 0, ctx.log);
    return { uuid: result.resultUuid, location: result.resultUuid };
  });
}
