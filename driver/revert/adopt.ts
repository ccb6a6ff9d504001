/**
 * The second half of vdi_revert (docs/commit-points.md): the clone of the snapshot, a leaf with no XAPI
 * record, takes the place of the reverted VDI, which keeps its uuid and its XAPI record.
 *
 *   `revert/<T>` = <C> written (in place of the clone's `unreturned/<C>`) ─▶ C's metadata := T's
 *   ─▶ COMMIT: T's volume renamed DELETED_<T> ─▶ C renamed T ─▶ T's XAPI record: vhd-parent, sizes
 *   ─▶ DELETED_<T> destroyed (the GC purges it otherwise) ─▶ entry removed
 *
 * T is halted (nothing attached it, and its journal entry keeps anything from attaching it meanwhile),
 * so no guest write is at stake: before the commit a failure drops C and T is as it was; after it the
 * revert is finished, by the verb or by the next recovery under the SR lock. Every step checks what is
 * there first: running it twice is harmless.
 */
import { faultPoint } from '../../lib/host/faults.js';
import { REVERT } from '../../lib/journal/index.js';
import { queryVhd } from '../../lib/vhd/index.js';
import { asVdiUuid, deletedVdiUuid, type VdiUuid } from '../../lib/volume/index.js';
import { vdiRefOf, type CloneDeps } from '../clone/deps.js';
import { dropLeaf } from '../clone/undo.js';
import { setActiveParent } from '../clone/xapi-records.js';
import { REVERT_POINTS } from './points.js';


/** Reverted VDI `target` adopts leaf `result` (its `revert/` entry written): up to and past the commit. */
export async function commitRevert(d: CloneDeps, target: VdiUuid, result: VdiUuid): Promise<void> {
  faultPoint(d.faults, REVERT_POINTS.afterEntry);
  await d.volumes.setMetadata(result, await d.volumes.getMetadata(target));
  const aside = deletedVdiUuid(target);
  // A DELETED_ volume is garbage by its name: one left by an earlier revert must not block the rename.
  if (d.volumes.has(aside)) await dropLeaf(d, aside);
  faultPoint(d.faults, REVERT_POINTS.beforeCommit);
  await d.volumes.rename(target, aside);
  faultPoint(d.faults, REVERT_POINTS.afterCommit);
  await completeRevert(d, target, result);
}

/** Past the commit: C under T's uuid, T's XAPI record brought up to date, the old volume gone. */
export async function completeRevert(d: CloneDeps, target: VdiUuid, result: VdiUuid): Promise<void> {
  if (!d.volumes.has(target) && d.volumes.has(result)) {
    await d.volumes.rename(result, target);
    faultPoint(d.faults, REVERT_POINTS.afterRename);
  }
  if (!d.volumes.has(target)) throw new Error(`the revert of ${target} lost its volume: neither it nor ${result} exists`);
  await refreshXapiRecord(d, target);
  faultPoint(d.faults, REVERT_POINTS.afterXapi);
  const aside = deletedVdiUuid(target);
  if (d.volumes.has(aside)) {
    await d.volumes.destroy(aside).catch((error: unknown) => d.log.warn('cannot destroy the volume a revert replaced: the GC purges it', { vdi: target, volume: aside, error }));
  }
  d.volumes.invalidateResources();
  await d.journal.remove(REVERT, target);
}

/** Before the commit: C dropped, the entry removed; T never changed. */
export async function undoRevert(d: CloneDeps, target: VdiUuid, result: VdiUuid): Promise<void> {
  await dropLeaf(d, result);
  await d.journal.remove(REVERT, target);
}

/** T's XAPI record as its new VHD says: parent, virtual size, physical utilisation. */
async function refreshXapiRecord(d: CloneDeps, target: VdiUuid): Promise<void> {
  const ref = await vdiRefOf(d.xapi, target);
  if (ref === undefined) {
    d.log.warn('the reverted VDI has no XAPI record: the next sr_scan introduces it', { vdi: target });
    return;
  }
  const info = await queryVhd({ root: d.root }, await d.volumes.localDevicePath(target, d.node, d.root));
  const parent = info.parentPath === undefined ? undefined : d.volumes.vdiUuidFromDevicePath(info.parentPath);
  await setActiveParent(d.xapi, ref, parent);
  await d.xapi.vdi.setVirtualSize(ref, info.virtualSize);
  await d.xapi.vdi.setPhysicalUtilisation(ref, (await d.volumes.sizes(target))?.allocatedBytes ?? 0);
}

/** How a recovery left an interrupted revert. */
export type RevertOutcome = 'undone' | 'finished' | 'restored';

/** One `revert/<target>` entry: not committed (both volumes there) → undone; committed → finished. */
export async function recoverRevert(d: CloneDeps, target: VdiUuid, result: VdiUuid): Promise<RevertOutcome> {
  if (d.volumes.has(target) && d.volumes.has(result)) {
    await undoRevert(d, target, result);
    return 'undone';
  }
  if (!d.volumes.has(target) && !d.volumes.has(result) && d.volumes.has(deletedVdiUuid(target))) {
    // Never left by the steps above; a hand-made state is put back to the old data rather than lost.
    await d.volumes.rename(deletedVdiUuid(target), target);
    await d.journal.remove(REVERT, target);
    return 'restored';
  }
  await completeRevert(d, target, result);
  return 'finished';
}

const SAID: Readonly<Record<RevertOutcome, string>> = {
  undone: 'an interrupted revert was undone: the VDI is as before it',
  finished: 'an interrupted revert was finished: the VDI reads as its snapshot',
  restored: 'an interrupted revert had lost its new leaf: the VDI keeps its old data',
};

/** Every `revert/` entry of the SR (master, under the SR lock); failures logged, entries kept. */
export async function recoverReverts(d: CloneDeps): Promise<void> {
  for (const [id, value] of await d.journal.getAll(REVERT)) {
    const [target, result] = [asVdiUuid(id), asVdiUuid(value)];
    try {
      const outcome = await recoverRevert(d, target, result);
      (outcome === 'restored' ? d.log.error : d.log.warn).call(d.log, SAID[outcome], { vdi: target, leaf: result });
    } catch (error) {
      d.log.error('cannot recover an interrupted revert now; the next recovery tries again', { vdi: target, leaf: result, error });
    }
  }
}
