/**
 * Leaf-coalesce (sm's `_coalesceLeaf`/`_liveLeafCoalesce` with the `OLD_` rename protocol,
 * spec/sm-linstor.md §4.5): a visible leaf L that is its hidden parent P's only child is merged into P,
 * and P takes L's uuid (KV renames only: the resources and the parent locators never change). The
 * whole operation holds the SR lock, so no attach can start meanwhile (a slave's lockVdi needs it); one
 * that started before holds the volume lock until it ends, and the caller leaves such a leaf alone.
 * When a VM runs on L, its tapdisks are paused on every host for the merge and the swap (live); the
 * unpause reopens them on the resource L's uuid names now (unpause's LINSTOR path refresh).
 *
 *   1. journal `leaf/<L>=<P>`; live: pause L everywhere
 *   2. unhide P; inflate P, grow its virtual size, merge L into it, move P's footer back (coalesce.ts)
 *   3. rename L → OLD_<L>, then P → L; L's metadata onto the new L; XAPI `vhd-parent` of L = P's parent
 *   4. rename OLD_<L> → DELETED_OLD_<L>: the commit point, one KV transaction
 *   5. forget P's XAPI record; live: unpause L everywhere
 *   6. drop the journal entry; destroy DELETED_OLD_<L> (or the next pass purges it)
 *
 * The journal entry outlives the unpause so that a collector killed while a VM is paused leaves work
 * for the next run (sm drops it before unpausing, and a crash there leaves the VM frozen).
 *
 * Recovery (sm's `_handleInterruptedCoalesceLeaf`): while P or OLD_<L> still exists, undo — rename back
 * (L → P if P's resource already took L's uuid, OLD_<L> → L), hide P again, `vhd-parent` = P; L's own
 * data was never changed, and P's extra data lies under L's. Once both are gone, finish: forget P.
 * Either way a VDI left paused is unpaused (it reopens on what its uuid names after the recovery).
 */
import { faultPoint } from '../lib/host/faults.js';
import { GC_POINTS } from './fault-points.js';
import type { Journal } from '../lib/journal/index.js';
import { queryVhd, setHidden } from '../lib/vhd/index.js';
import { asVdiUuid, type VdiUuid, type VolumeManager } from '../lib/volume/index.js';
import { isXapiError, setVhdParent } from '../lib/xapi/index.js';
import { mergeIntoParent, type MergeResult, type UnderLock } from './coalesce.js';
import { deleteVdi } from './delete.js';
import type { XapiVdi } from './inventory.js';
import { ensureUnpaused, pauseEverywhere, unpauseEverywhere } from './live-pause.js';
import type { GcContext } from './sr-context.js';

/** The KV uuid a leaf takes while its parent takes its place. */
export function oldUuid(uuid: string): VdiUuid {
  return `OLD_${uuid}` as VdiUuid;
}

/** Where OLD_<uuid> goes at the commit point; the collector purges `DELETED_` volumes. */
export function committedOldUuid(uuid: string): VdiUuid {
  return `DELETED_OLD_${uuid}` as VdiUuid;
}

export type LeafOptions = {
  /** A VM runs on the leaf: pause it everywhere around the merge and the swap. */
  readonly live: boolean;
  readonly onProgress?: (doneBytes: number, totalBytes: number) => void;
};

async function setVhdParentTag(ctx: GcContext, record: XapiVdi | undefined, parent: string | undefined): Promise<void> {
  if (record === undefined) return;
  try {
    await setVhdParent(ctx.xapi.vdi, record.ref, parent);
  } catch (error) {
    if (!isXapiError(error, 'HANDLE_INVALID')) throw error;
  }
}

async function forget(ctx: GcContext, record: XapiVdi | undefined): Promise<void> {
  if (record === undefined) return;
  try {
    await ctx.xapi.call('VDI.forget', record.ref);
  } catch (error) {
    if (!isXapiError(error, 'HANDLE_INVALID')) throw error;
  }
}

/** Destroys the committed OLD_ volume; a failure is left to the purge of a later pass. */
async function dropCommittedOld(ctx: GcContext, volumes: VolumeManager, leaf: string): Promise<void> {
  const aside = committedOldUuid(leaf);
  if (!volumes.has(aside)) return;
  await deleteVdi(ctx, volumes, aside, undefined).catch((e: unknown) => ctx.log.warn('the merged leaf could not be destroyed yet; a later pass purges it', { volume: aside, error: String(e) }));
}

/** The whole leaf-coalesce; the caller holds the SR lock (`volumes` was loaded under it). */
export async function leafCoalesce(ctx: GcContext, volumes: VolumeManager, journal: Journal, xapiVdis: ReadonlyMap<string, XapiVdi>, leaf: string, parent: string, o: LeafOptions): Promise<MergeResult> {
  const vhd = { root: ctx.env.root };
  const L = asVdiUuid(leaf);
  const P = asVdiUuid(parent);
  const record = xapiVdis.get(leaf);
  if (o.live && record === undefined) throw new Error(`${leaf} has no XAPI record: it cannot be paused`);
  // No wait: a slave verb that held the lock may have changed who uses the leaf (leaf-step.ts).
  await volumes.ensureNotLocked([L, P], { timeoutMs: 0 });
  // A leftover of an earlier commit whose destroy failed: the name must be free for this one.
  await dropCommittedOld(ctx, volumes, leaf);
  if (volumes.has(committedOldUuid(leaf))) throw new Error(`${committedOldUuid(leaf)} is still there`);
  const leafMeta = await volumes.getMetadata(L);
  const parentPath = await volumes.localDevicePath(P, ctx.node, ctx.env.root);
  const grandParentPath = (await queryVhd(vhd, parentPath)).parentPath;
  const grandParent = grandParentPath === undefined ? undefined : volumes.vdiUuidFromDevicePath(grandParentPath);
  await journal.create('leaf', leaf, parent);
  faultPoint(ctx.env.faults, GC_POINTS.leaf.afterJournal);
  if (o.live && record !== undefined) {
    try {
      await pauseEverywhere(ctx, record.ref, leaf);
    } catch (error) {
      // Nothing changed yet: the entry goes, the leaf is retried on a later pass.
      await journal.remove('leaf', leaf);
      throw error;
    }
    faultPoint(ctx.env.faults, GC_POINTS.leaf.afterPause);
  }
  await setHidden(vhd, parentPath, false);
  const locked: UnderLock = (fn) => fn(volumes, journal, new Map(xapiVdis));
  const result = await mergeIntoParent(ctx, locked, leaf, parent, o.onProgress);
  faultPoint(ctx.env.faults, GC_POINTS.leaf.afterMerge);
  await volumes.rename(L, oldUuid(leaf), { timeoutMs: 30_000 });
  faultPoint(ctx.env.faults, GC_POINTS.leaf.afterRenameLeaf);
  await volumes.rename(P, L, { timeoutMs: 30_000 });
  faultPoint(ctx.env.faults, GC_POINTS.leaf.afterRenameParent);
  await volumes.setMetadata(L, leafMeta);
  await setVhdParentTag(ctx, record, grandParent);
  await volumes.rename(oldUuid(leaf), committedOldUuid(leaf), { timeoutMs: 30_000 });
  faultPoint(ctx.env.faults, GC_POINTS.leaf.afterCommit);
  await forget(ctx, xapiVdis.get(parent));
  if (o.live && record !== undefined) {
    await unpauseEverywhere(ctx, record.ref, leaf);
    faultPoint(ctx.env.faults, GC_POINTS.leaf.afterUnpause);
  }
  await journal.remove('leaf', leaf);
  faultPoint(ctx.env.faults, GC_POINTS.leaf.afterUnjournal);
  await dropCommittedOld(ctx, volumes, leaf);
  return result;
}

/** Recovers one `leaf/<leaf>=<parent>` entry (see the header); the caller holds the SR lock. */
export async function recoverLeafCoalesce(ctx: GcContext, volumes: VolumeManager, journal: Journal, xapiVdis: ReadonlyMap<string, XapiVdi>, leaf: string, parent: string): Promise<'undone' | 'finished'> {
  const L = asVdiUuid(leaf);
  const P = asVdiUuid(parent);
  const old = oldUuid(leaf);
  let outcome: 'undone' | 'finished' = 'finished';
  if (volumes.has(P) || volumes.has(old)) {
    if (volumes.has(old)) {
      if (volumes.has(L) && !volumes.has(P)) {
        await volumes.rename(L, P, { timeoutMs: 30_000 });
        // It may carry the leaf's metadata already (step 3): a hidden parent is a read-only base copy.
        await volumes.updateMetadata(P, { name_label: 'base copy', name_description: '', read_only: true });
      }
      await volumes.rename(old, L, { timeoutMs: 30_000 });
    }
    const parentPath = await volumes.localDevicePath(P, ctx.node, ctx.env.root);
    await setHidden({ root: ctx.env.root }, parentPath, true);
    await setVhdParentTag(ctx, xapiVdis.get(leaf), parent);
    outcome = 'undone';
  } else {
    await forget(ctx, xapiVdis.get(parent));
  }
  const record = xapiVdis.get(leaf);
  if (record !== undefined) await ensureUnpaused(ctx, record.ref, leaf);
  await journal.remove('leaf', leaf);
  await dropCommittedOld(ctx, volumes, leaf);
  return outcome;
}
