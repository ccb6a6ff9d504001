/**
 * Offline leaf-coalesce (sm's `_coalesceLeaf` with the `OLD_` rename protocol, spec/sm-linstor.md §4.5):
 * a visible leaf L that is its hidden parent P's only child, attached nowhere, is merged into P, and P
 * takes L's uuid (KV renames only: the resources and the parent locators never change). The whole
 * operation holds the SR lock, so no attach (exclusive, or a slave's lockVdi) can start meanwhile.
 *
 *   1. journal `leaf/<L>=<P>`
 *   2. unhide P; inflate P, grow its virtual size, merge L into it, deflate (coalesce.ts)
 *   3. rename L → OLD_<L>, then P → L; L's metadata onto the new L; XAPI `vhd-parent` of L = P's parent
 *   4. delete OLD_<L>
 *   5. drop the journal entry, forget P's XAPI record
 *
 * Recovery (sm's `_handleInterruptedCoalesceLeaf`): while P or OLD_<L> still exists, undo — rename back
 * (L → P if P's resource already took L's uuid, OLD_<L> → L), hide P again, `vhd-parent` = P; L's own
 * data was never changed, and P's extra data lies under L's. Once OLD_<L> is gone, finish: forget P.
 */
import { faultPoint } from '../lib/host/faults.js';
import type { Journal } from '../lib/journal/index.js';
import { queryVhd, setHidden } from '../lib/vhd/index.js';
import { asVdiUuid, type VdiUuid, type VolumeManager } from '../lib/volume/index.js';
import { isXapiError } from '../lib/xapi/index.js';
import { mergeIntoParent, type MergeResult, type UnderLock } from './coalesce.js';
import { deleteVdi } from './delete.js';
import type { XapiVdi } from './inventory.js';
import type { GcContext } from './sr-context.js';

/** The KV uuid a leaf takes while its parent takes its place. */
export function oldUuid(uuid: string): VdiUuid {
  return `OLD_${uuid}` as VdiUuid;
}

/** Why `leaf` must not be leaf-coalesced offline now (attached, open, in a VBD), or undefined. */
export async function busyReason(ctx: GcContext, record: XapiVdi | undefined): Promise<string | undefined> {
  if (record === undefined) return undefined;
  if (record.attachedOn.length > 0) return `attached on ${record.attachedOn.join(', ')}`;
  const vbds = (await ctx.xapi.vdi.getRecord(record.ref)).VBDs;
  for (const vbd of vbds) if (await ctx.xapi.vbd.get(vbd, 'currently_attached')) return `VBD ${vbd} is attached`;
  return undefined;
}

async function setVhdParentTag(ctx: GcContext, record: XapiVdi | undefined, parent: string | undefined): Promise<void> {
  if (record === undefined) return;
  try {
    await ctx.xapi.vdi.removeFromSmConfig(record.ref, 'vhd-parent');
    if (parent !== undefined) await ctx.xapi.vdi.addToSmConfig(record.ref, 'vhd-parent', parent);
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

/** The whole offline leaf-coalesce; the caller holds the SR lock (`volumes` was loaded under it). */
export async function leafCoalesce(ctx: GcContext, volumes: VolumeManager, journal: Journal, xapiVdis: ReadonlyMap<string, XapiVdi>, leaf: string, parent: string): Promise<MergeResult> {
  const vhd = { root: ctx.env.root };
  const L = asVdiUuid(leaf);
  const P = asVdiUuid(parent);
  const busy = await busyReason(ctx, xapiVdis.get(leaf));
  if (busy !== undefined) throw new Error(`${leaf} is ${busy}: live leaf-coalesce is not implemented`);
  await volumes.ensureNotLocked([L, P], { timeoutMs: 30_000 });
  const leafMeta = await volumes.getMetadata(L);
  const parentPath = await volumes.localDevicePath(P, ctx.node, ctx.env.root);
  const grandParentPath = (await queryVhd(vhd, parentPath)).parentPath;
  const grandParent = grandParentPath === undefined ? undefined : volumes.vdiUuidFromDevicePath(grandParentPath);
  await journal.create('leaf', leaf, parent);
  faultPoint(ctx.env.faults, 'gc:leaf:after-journal');
  await setHidden(vhd, parentPath, false);
  const locked: UnderLock = (fn) => fn(volumes, journal, new Map(xapiVdis));
  const result = await mergeIntoParent(ctx, locked, leaf, parent);
  faultPoint(ctx.env.faults, 'gc:leaf:after-merge');
  await volumes.rename(L, oldUuid(leaf), { timeoutMs: 30_000 });
  faultPoint(ctx.env.faults, 'gc:leaf:after-rename-leaf');
  await volumes.rename(P, L, { timeoutMs: 30_000 });
  faultPoint(ctx.env.faults, 'gc:leaf:after-rename-parent');
  await volumes.setMetadata(L, leafMeta);
  await setVhdParentTag(ctx, xapiVdis.get(leaf), grandParent);
  await deleteVdi(ctx, volumes, oldUuid(leaf), undefined);
  faultPoint(ctx.env.faults, 'gc:leaf:after-delete-old');
  await journal.remove('leaf', leaf);
  await forget(ctx, xapiVdis.get(parent));
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
  await journal.remove('leaf', leaf);
  return outcome;
}
