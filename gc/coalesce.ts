/**
 * Non-leaf coalesce (sm's `_coalesce` for LINSTOR, spec/sm-linstor.md §4.5, journals §5):
 *
 *   1. check the plan still holds (still-planned.ts); journal `coalesce/<vdi>=1`   (SR lock)
 *   2. grow the parent to hold a full VHD of its virtual size, footer at the end (thin inflate, with
 *      its own `inflate/` journal); grow the parent's virtual size if the child is larger  (SR lock)
 *   3. merge the child's sectors into the parent                       (no SR lock: it can take long)
 *   4. finally: move the parent's footer back to the end of its data   (SR lock)
 *   5. drop `coalesce/`, journal `relink/<vdi>=1`                      (SR lock)
 *   6. relink every child of `vdi` to the parent, drop `relink/`, delete `vdi`  (SR lock)
 *
 * Recovery (recovery.ts): a `coalesce/` entry means step 3 may be partial. Merging again is safe: the
 * parent has `vdi` as its only child, so nothing reads the parent's own sectors where `vdi` has data,
 * and the merge rewrites every one of them. A `relink/` entry means the merge completed: the relink is
 * redone (children already re-pointed are skipped) and `vdi` deleted.
 *
 * Progress: an optional `onProgress(doneBytes, totalBytes)` — typically the reporter of
 * progress.ts — follows step 3: block by block when the merge runs here, only 0% then 100% when it runs
 * on another host through the plugin (no progress stream comes back from there).
 */
import { faultPoint } from '../lib/host/faults.js';
import { GC_POINTS } from './fault-points.js';
import { coalesceOn } from './remote-coalesce.js';
import type { Journal } from '../lib/journal/index.js';
import { FLAG_ENTRY } from '../lib/journal/index.js';
import { deflate, inflate, usableBytes } from '../lib/thin/thin.js';
import { BLOCK_SIZE, coalesceVhd, computeVolumeSize, queryVhd, resizeVhd, SECTOR_SIZE } from '../lib/vhd/index.js';
import { asVdiUuid, type VdiUuid, type VolumeManager } from '../lib/volume/index.js';
import { deleteVdi } from './delete.js';
import type { XapiVdi } from './inventory.js';
import { relinkChildren } from './relink.js';
import { volumeOpeners } from './openers.js';
import type { GcContext, Opener } from './sr-context.js';
import { assertStillPlanned } from './still-planned.js';

/** Runs `fn` under the SR lock with a freshly loaded (and repaired) volume manager and its journal. */
export type UnderLock = <T>(fn: (volumes: VolumeManager, journal: Journal, xapiVdis: Map<string, XapiVdi>) => Promise<T>) => Promise<T>;

/** The merge found no room for the parent to grow: skipped until space is freed. */
export class NoSpaceError extends Error {
  override name = 'NoSpaceError';
}

export type MergeResult = { readonly sectors: number; readonly ms: number };

/** Merge progress: bytes of the child's allocated blocks merged so far, and their total. */
export type MergeProgressFn = (doneBytes: number, totalBytes: number) => void;

/** What the preparation of a merge found: the devices, where to merge, how much. */
type PreparedMerge = {
  readonly parent: VdiUuid;
  readonly childPath: string;
  readonly parentPath: string;
  readonly childBytes: number;
  readonly resource: string;
  /** The host that has the parent open (a VM holds the chain there), or undefined: merge here. */
  readonly elsewhere: Opener | undefined;
};

/**
 * Step 2, under the SR lock the caller holds: check the space, grow the parent (footer at the end),
 * grow its virtual size, and find where the merge must run (the parent's openers, read under the same
 * lock as the inflate).
 */
async function prepareMerge(ctx: GcContext, volumes: VolumeManager, journal: Journal, vdi: string, parent: string): Promise<PreparedMerge> {
  const child = asVdiUuid(vdi);
  const par = asVdiUuid(parent);
  const vhd = { root: ctx.env.root };
  const childPath = await volumes.localDevicePath(child, ctx.node, ctx.env.root);
  const parentPath = await volumes.localDevicePath(par, ctx.node, ctx.env.root);
  const [c, p] = await Promise.all([queryVhd(vhd, childPath), queryVhd(vhd, parentPath)]);
  const virtual = Math.max(c.virtualSize, p.virtualSize);
  const need = computeVolumeSize(virtual, 'vhd');
  const grow = need - (await usableBytes(volumes, par));
  if (grow > 0 && (await volumes.maxVolumeSizeBytes()) < grow) {
    throw new NoSpaceError(`no space to inflate ${parent} by ${grow} bytes for the coalesce of ${vdi}`);
  }
  await inflate({ volumes, journal, root: ctx.env.root, faults: ctx.env.faults, log: ctx.log }, par, parentPath, need, { footerToEnd: true });
  if (c.virtualSize > p.virtualSize) await resizeVhd(vhd, parentPath, c.virtualSize);
  faultPoint(ctx.env.faults, GC_POINTS.coalesce.afterInflate);
  const openers = await volumeOpeners(ctx, volumes, par);
  return {
    parent: par,
    childPath,
    parentPath,
    childBytes: c.allocatedBlocks * BLOCK_SIZE,
    resource: volumes.resourceName(par),
    elsewhere: openers.find((o) => o.hostRef !== ctx.hostRef),
  };
}

/** Step 4, under the SR lock the caller holds: the parent's footer back to the end of its data. */
async function finishMerge(ctx: GcContext, volumes: VolumeManager, m: PreparedMerge): Promise<void> {
  volumes.invalidateResources();
  await deflate({ root: ctx.env.root, log: ctx.log }, m.parent, m.parentPath, await usableBytes(volumes, m.parent));
}

/** Steps 2–4: merges `vdi` into `parent`; returns what it wrote. */
export async function mergeIntoParent(ctx: GcContext, underLock: UnderLock, vdi: string, parent: string, onProgress?: MergeProgressFn): Promise<MergeResult> {
  const m = await underLock((volumes, journal) => prepareMerge(ctx, volumes, journal, vdi, parent));
  try {
    const result = await mergeWhereOpen(ctx, m, onProgress);
    faultPoint(ctx.env.faults, GC_POINTS.coalesce.afterMerge);
    return result;
  } finally {
    await underLock((volumes) => finishMerge(ctx, volumes, m));
  }
}

/**
 * The merge itself (no SR lock: it can take long), on the host that has the parent open when a VM
 * holds the chain there (commits 3bda00e3/a765c54e: opening it read-write here would fail with EROFS on
 * DRBD), through the plugin's `coalesce`; locally otherwise.
 */
async function mergeWhereOpen(ctx: GcContext, m: PreparedMerge, onProgress?: MergeProgressFn): Promise<MergeResult> {
  const { elsewhere, childPath, childBytes } = m;
  const started = performance.now();
  if (elsewhere === undefined) {
    const sectors = await coalesceVhd({ root: ctx.env.root }, childPath, onProgress === undefined ? {} : { onProgress });
    return { sectors, ms: performance.now() - started };
  }
  ctx.log.info(`merging on ${elsewhere.hostname}, where ${m.resource} is open (pid ${elsewhere.pid} ${elsewhere.process}): no progress until it ends`, { childBytes });
  onProgress?.(0, childBytes);
  const sectors = await coalesceOn((h, fn, args) => ctx.callPlugin(h, fn, args), elsewhere.hostRef, childPath, ctx.groupName);
  onProgress?.(childBytes, childBytes);
  return { sectors, ms: performance.now() - started };
}

/**
 * The whole non-leaf coalesce of `vdi` into `parent`; returns the merge figures. Two SR-lock sessions
 * around the merge: journal + preparation, then footer + bookkeeping + relink + delete (each reload of
 * the volume manager costs LINSTOR requests, each opener check plugin calls).
 */
export async function coalesceNonLeaf(
  ctx: GcContext,
  underLock: UnderLock,
  vdi: string,
  parent: string,
  merged: () => void = () => undefined,
  onProgress?: MergeProgressFn,
): Promise<MergeResult> {
  const m = await underLock(async (volumes, journal, xapiVdis) => {
    await assertStillPlanned(ctx, volumes, xapiVdis, { kind: 'coalesce', vdi, parent, children: [] });
    const created = (await journal.get('coalesce', vdi)) === undefined;
    if (created) await journal.create('coalesce', vdi, FLAG_ENTRY);
    faultPoint(ctx.env.faults, GC_POINTS.coalesce.afterJournal);
    try {
      return await prepareMerge(ctx, volumes, journal, vdi, parent);
    } catch (error) {
      // Refused before anything was written: no interrupted merge to remember (an entry of an earlier,
      // really interrupted merge stays).
      if (error instanceof NoSpaceError && created) await journal.remove('coalesce', vdi);
      throw error;
    }
  });
  let result: MergeResult;
  try {
    result = await mergeWhereOpen(ctx, m, onProgress);
    faultPoint(ctx.env.faults, GC_POINTS.coalesce.afterMerge);
  } catch (error) {
    await underLock((volumes) => finishMerge(ctx, volumes, m));
    throw error;
  }
  await underLock(async (volumes, journal, xapiVdis) => {
    await finishMerge(ctx, volumes, m);
    merged();
    await journal.create('relink', vdi, FLAG_ENTRY);
    faultPoint(ctx.env.faults, GC_POINTS.relink.afterJournal);
    await journal.remove('coalesce', vdi);
    faultPoint(ctx.env.faults, GC_POINTS.coalesce.afterUnjournal);
    await finishRelink(ctx, volumes, journal, xapiVdis, vdi);
  });
  return result;
}

/**
 * Steps 6 (also the recovery of a `relink/` entry): re-points the children of the merged `vdi` at its
 * parent, drops the entry, deletes `vdi`. The SR lock is held by the caller.
 */
export async function finishRelink(ctx: GcContext, volumes: VolumeManager, journal: Journal, xapiVdis: ReadonlyMap<string, XapiVdi>, vdi: string): Promise<void> {
  const uuid = asVdiUuid(vdi);
  if (volumes.has(uuid)) {
    const vhd = { root: ctx.env.root };
    const path = await volumes.localDevicePath(uuid, ctx.node, ctx.env.root);
    const info = await queryVhd(vhd, path);
    const parent = info.parentPath === undefined ? undefined : volumes.vdiUuidFromDevicePath(info.parentPath);
    if (parent === undefined) throw new Error(`the merged VDI ${vdi} has no parent in this SR: relink impossible`);
    const children: string[] = [];
    for (const other of volumes.list()) {
      if (other === uuid || other.startsWith('DELETED_')) continue;
      const otherPath = await volumes.localDevicePath(other, ctx.node, ctx.env.root).catch(() => undefined);
      const parentPath = otherPath === undefined ? undefined : (await queryVhd(vhd, otherPath).catch(() => undefined))?.parentPath;
      if (parentPath !== undefined && volumes.vdiUuidFromDevicePath(parentPath) === uuid) children.push(other);
    }
    await relinkChildren(ctx, volumes, children, parent, xapiVdis);
  }
  await journal.remove('relink', vdi);
  faultPoint(ctx.env.faults, GC_POINTS.relink.afterUnjournal);
  await deleteVdi(ctx, volumes, vdi, xapiVdis.get(vdi)?.ref);
}

/** Bytes of `sectors`. */
export function sectorsToBytes(sectors: number): number {
  return sectors * SECTOR_SIZE;
}
