/**
 * vdi_snapshot and vdi_clone (master only, under the SR lock; spec/sm-linstor.md §2.4, §4.4;
 * spec/blktap2.md §2.4; states and recovery in docs/commit-points.md):
 *
 *   master prelude (interrupted inflates and clones undone) ─▶ checks, nothing changed on refusal:
 *   volume present, managed, no journal entry, VHD, chain shallower than 30, room for the new leaves
 *   ─▶ journal `clone/<A>` ─▶ tap_pause on every host where A is active ─▶ the chain (build.ts)
 *   ─▶ COMMIT: `clone/<A>` removed (replaced by `unreturned/<result>` for double and clone)
 *   ─▶ tap_unpause (each host reopens A on its new leaf) ─▶ `unreturned/` removed ─▶ `{uuid, location}`
 *   of the snapshot (double, clone) or of the base (single, internal)
 *
 * Before the commit the guest is paused and has written nothing to the new leaf: a failure is undone
 * (retried while the fault may pass), then unpaused; a crash is undone and unpaused by the next command
 * holding the SR lock. After it the new chain is the truth: nothing undoes it, a failed unpause is
 * retried and then left to the next sr_scan (a `paused` mark with no journal entry is a leftover). A
 * verb that fails or dies after it without answering drops its result VDI (at once, or through the
 * `unreturned/` entry at the next recovery), so a reported failure leaves no new VDI behind.
 */
import { tapPause, tapUnpause, tapUnpauseRetried, type HostCall } from '../../lib/blktap/pause.js';
import type { VdiSmConfig } from '../../lib/blktap/vdi-tags.js';
import { faultPoint } from '../../lib/host/faults.js';
import { retrying, type RetryOptions } from '../../lib/host/retry.js';
import { formatCloneEntry, Journal, UNRETURNED, type CloneEntry } from '../../lib/journal/index.js';
import type { Logger } from '../../lib/log/logger.js';
import type { SmapiRequest } from '../../lib/smapi/request.js';
import type { VdiResult } from '../../lib/smapi/response.js';
import { SrError } from '../../lib/smapi/sr-error.js';
import { MAX_CHAIN_DEPTH } from '../../lib/vhd/index.js';
import { asVdiUuid, type VdiUuid } from '../../lib/volume/index.js';
import { vdiSmConfig, type Ref } from '../../lib/xapi/index.js';
import type { DriverContext } from '../context.js';
import { backupAfterCommit } from '../sr/database-backup.js';
import { openVolumes } from '../sr/open-volumes.js';
import type { SrSession } from '../sr/session.js';
import { masterPrelude } from '../vdi/master-prelude.js';
import { updateSrStats } from '../vdi/sr-stats.js';
import { vdiTypeOf } from '../vdi/vdi-type.js';
import { localNodeName, vdiUuidOf, withVdiSession } from '../vdi/vdi-session.js';
import { buildChain, newCloneEntry, type ChainResult, type SnapshotKind } from './build.js';
import { chainOnThisHost } from './chain-paths.js';
import { cloneDepsOf, type CloneDepsOf } from './deps.js';
import { CLONE_POINTS } from './points.js';
import { undoClone } from './undo.js';
import { dropUnreturnedResult } from './unreturned.js';

/** `driver_params:type` → snapshot style (sm: `single`, `internal`, anything else double). */
export function snapshotKind(type: string | undefined): SnapshotKind {
  return type === 'single' || type === 'internal' ? type : 'double';
}

/** Refusals that leave everything as it was: checked before the first change. */
async function check(ctx: DriverContext, session: SrSession, uuid: VdiUuid, vdiRef: Ref, node: string, code: 'VDISnapshot' | 'VDIClone', leaves: number): Promise<void> {
  const volumes = await session.volumes();
  if (!volumes.has(uuid)) throw new SrError('VDIUnavailable', `Could not load ${uuid} because: no LINSTOR volume`);
  if (!(await session.xapi.vdi.get(vdiRef, 'managed'))) throw new SrError(code, `VDI ${uuid} is hidden (a base copy of a snapshot chain)`);
  if (await (await session.journal()).hasEntries(uuid)) {
    throw new SrError('VDIUnavailable', 'Interrupted operation detected on this VDI, scan SR first to trigger auto-repair');
  }
  if ((await vdiTypeOf(volumes, uuid)) !== 'vhd') {
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

type RollBack = {
  readonly uuid: VdiUuid;
  readonly entry: CloneEntry;
  readonly config: VdiSmConfig;
  readonly call: HostCall;
  readonly log: Logger;
  readonly retry: Omit<RetryOptions, 'what'>;
  readonly verb: string;
};

/**
 * A failure before the commit: undo the chain (retried on a volume manager read afresh, as the failed
 * step may have been applied), then unpause, then drop the entry. An undo that keeps failing leaves the
 * VDI paused with its entry: unpausing now could let the guest write to a leaf the recovery removes.
 */
async function rollBack(session: SrSession, deps: CloneDepsOf, r: RollBack): Promise<void> {
  r.log.warn(`${r.verb} failed: undoing it`, { vdi: r.uuid, base: r.entry.baseUuid, snapshot: r.entry.snapUuid });
  try {
    await retrying({ ...r.retry, what: `undoing the ${r.verb} of ${r.uuid}` }, async () => {
      const d = await deps.fresh();
      // The entry is written back first when a commit whose answer was lost removed it: a crash during
      // this undo must leave work for the recovery.
      if ((await d.journal.get('clone', r.uuid)) === undefined) await d.journal.create('clone', r.uuid, formatCloneEntry(r.entry));
      await undoClone(d, r.uuid, r.entry, { unpause: false, keepEntry: true });
    });
  } catch (undoError) {
    r.log.error('cannot undo the failed snapshot now: the VDI stays paused until a command holding the SR lock undoes it', { vdi: r.uuid, error: undoError });
    return;
  }
  if (!(await tapUnpauseRetried(r.config, r.call, session.srUuid, r.uuid, r.retry))) r.log.error('undone, but a host did not unpause: the next sr_scan unpauses it', { vdi: r.uuid });
  await retrying({ ...r.retry, what: `removing the clone entry of ${r.uuid}` }, async () => (await deps.fresh()).journal.remove('clone', r.uuid)).catch((error: unknown) =>
    r.log.warn('cannot remove the clone entry of an undone snapshot; the next recovery does', { vdi: r.uuid, error }),
  );
}

/** Retries within sm's patience for a pause (a controller failover takes seconds). */
function retryOptions(ctx: DriverContext, log: Logger): Omit<RetryOptions, 'what'> {
  const scale = ctx.env.timeScale;
  return { attempts: 6, delayMs: Math.max(1, Math.round(1_000 * scale)), maxDelayMs: Math.max(1, Math.round(8_000 * scale)), log };
}

/** One snapshot or clone, run by a verb that already holds the SR lock in `session`. */
export type CloneRun = {
  readonly uuid: VdiUuid;
  readonly vdiRef: Ref;
  readonly srRef: Ref;
  readonly kind: SnapshotKind;
  readonly clone: boolean;
  readonly code: 'VDISnapshot' | 'VDIClone';
  /** The SMAPI verb, for logs and errors. */
  readonly verb: string;
  readonly mirror: string | undefined;
  /** False: the result leaf gets no XAPI record (a revert adopts it under another VDI's uuid). */
  readonly introduceResult?: boolean;
  /**
   * What becomes of `unreturned/<result>` once the chain is done and the answer may go: removed
   * (the default), or replaced by the caller's own entry, in one KV transaction, when the caller goes on.
   */
  readonly settle?: (journal: Journal, result: VdiUuid) => Promise<void>;
};

export async function snapshotVerb(ctx: DriverContext, request: SmapiRequest<'vdi_snapshot'> | SmapiRequest<'vdi_clone'>, clone: boolean): Promise<VdiResult> {
  const uuid = vdiUuidOf(request);
  const vdiRef = request.vdiRef;
  const srRef = request.srRef;
  if (vdiRef === undefined || srRef === undefined) throw new SrError('BadRequest', `${request.verb} needs vdi_ref and sr_ref`);
  const kind: SnapshotKind = clone ? 'double' : snapshotKind(request.driverParams['type']);
  const run: CloneRun = { uuid, vdiRef, srRef, kind, clone, code: clone ? 'VDIClone' : 'VDISnapshot', verb: request.verb, mirror: request.driverParams['mirror'] || undefined };
  return withVdiSession(ctx, request, async (session) => {
    const node = await localNodeName(session);
    await openVolumes(session); // an unreachable controller is SRUnavailable, not a failed snapshot
    await masterPrelude(ctx, session, node);
    const result = await cloneInSession(ctx, session, node, run);
    return { uuid: result.resultUuid, location: result.resultUuid };
  });
}

/**
 * The snapshot or clone of `run.uuid` (the caller ran the master prelude under the SR lock): checks,
 * journal, pause, chain, commit, unpause, answer marker settled. Returns the chain's result.
 */
export async function cloneInSession(ctx: DriverContext, session: SrSession, node: string, run: CloneRun): Promise<ChainResult> {
  const { uuid, vdiRef, srRef, kind, clone, code, mirror } = run;
  await check(ctx, session, uuid, vdiRef, node, code, kind === 'double' ? 2 : 1);
  const log = ctx.log.child('snapshot');
  const depsOf = cloneDepsOf(ctx, session, node, log);
  const deps = await depsOf.current();
  const { journal, hostCall: call } = deps;
  const config = vdiSmConfig(session.xapi.vdi, vdiRef);
  const entry = newCloneEntry(kind);
  const retry = retryOptions(ctx, log);
  await journal.create('clone', uuid, formatCloneEntry(entry));
  faultPoint(ctx.env.faults, CLONE_POINTS.afterJournal);
  let result: ChainResult;
  try {
    // We hold the SR lock, as any pauser does: a `paused` left now is a killed verb's. Unpause it first.
    if ((await config.read())['paused'] !== undefined) await tapUnpause(config, call, log, session.srUuid, uuid);
    if (!(await tapPause(config, call, log, session.srUuid, uuid))) throw new SrError(code, `Failed to pause VDI ${uuid}`);
  } catch (error) {
    await journal.remove('clone', uuid).catch((removeError: unknown) => log.warn('cannot remove the clone entry of a snapshot that never paused', { vdi: uuid, error: removeError }));
    throw error;
  }
  try {
    faultPoint(ctx.env.faults, CLONE_POINTS.afterPause);
    const record = await session.xapi.vdi.getRecord(vdiRef);
    result = await buildChain(deps, { vdi: uuid, vdiRef, srRef, kind, clone, record, now: new Date(), introduceResult: run.introduceResult ?? true }, entry);
    if (mirror) await session.xapi.vdi.putInMap(vdiRef, 'other_config', 'leaf-coalesce', 'false').catch((error: unknown) => log.warn('cannot disable leaf-coalesce', { vdi: uuid, error }));
    faultPoint(ctx.env.faults, CLONE_POINTS.beforeCommit);
    // The commit point. A double snapshot's or a clone's entry becomes `unreturned/<result>` in the
    // same transaction: should the verb die before it answers, the recovery drops the result VDI
    // (xapi reported a failure), never the chain. A removal whose answer was lost and that fails on
    // every retry leaves one entry or the other: the guest is still paused, the recovery decides.
    await retrying({ ...retry, what: `committing the ${run.verb} of ${uuid}` }, () =>
      entry.snapUuid === undefined ? journal.remove('clone', uuid) : journal.replace({ type: 'clone', id: uuid }, { type: UNRETURNED, id: entry.snapUuid, value: uuid }),
    );
  } catch (error) {
    await rollBack(session, depsOf, { uuid, entry, config, call, log, retry, verb: run.verb });
    throw error;
  }
  const unpause = () => tapUnpauseRetried(config, call, session.srUuid, uuid, retry, mirror);
  try {
    faultPoint(ctx.env.faults, CLONE_POINTS.afterCommit);
    // Committed: a host that stays paused is released by the next sr_scan.
    if (!(await unpause())) log.error('the snapshot is done but a host did not unpause: the next sr_scan unpauses it', { vdi: uuid });
    faultPoint(ctx.env.faults, CLONE_POINTS.afterUnpause);
    // sm backs up after every snapshot and clone (they share `_do_snapshot`); before the answer's
    // marker goes, so that a verb killed during the backup still leaves no result behind.
    await backupAfterCommit(ctx, session.linstor, 'snapshot');
    if (entry.snapUuid !== undefined) {
      const snap = asVdiUuid(entry.snapUuid);
      await retrying({ ...retry, what: `answering the ${run.verb} of ${uuid}` }, () => (run.settle ? run.settle(journal, snap) : journal.remove(UNRETURNED, snap)));
    }
  } catch (error) {
    // Past the commit the chain stays; the guest runs on, and the result goes, as the failure says.
    log.warn(`${run.verb} failed after its commit point: the chain stays, its result is dropped`, { vdi: uuid, error });
    if (!(await unpause())) log.error('a host did not unpause: the next sr_scan unpauses it', { vdi: uuid });
    if (entry.snapUuid === undefined) {
      // A single or internal snapshot's result is the base the chain needs: it stays, and so the verb succeeds.
      log.warn('the result of a single snapshot is the base of the chain: kept, the verb answers success', { vdi: uuid });
    } else {
      const snapUuid = asVdiUuid(entry.snapUuid);
      await retrying({ ...retry, what: `dropping the result of the ${run.verb} of ${uuid}` }, async () => {
        const d = await depsOf.fresh();
        // A settle whose answer was lost may have replaced the marker already: only an unreturned result goes.
        if ((await d.journal.get(UNRETURNED, snapUuid)) === undefined) return;
        await dropUnreturnedResult(d, snapUuid);
        await d.journal.remove(UNRETURNED, snapUuid);
      }).catch((dropError: unknown) => log.error('cannot drop the result now: the next recovery does', { vdi: uuid, result: snapUuid, error: dropError }));
      throw error;
    }
  }
  log.info(`${run.verb} done`, { vdi: uuid, kind, result: result.resultUuid });
  if (kind !== 'internal' && run.introduceResult !== false) {
    await updateSrStats(session, srRef, kind === 'double' ? result.virtualSize : 0, ctx.log).catch((error: unknown) => log.warn('cannot update the SR sizes', { error }));
  }
  return result;
}
