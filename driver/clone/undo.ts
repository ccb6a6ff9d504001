/**
 * Undoing a snapshot or clone (spec/sm-linstor.md §5 `_handle_interrupted_clone`, `_undo_clone`): the
 * policy is always to roll back, whether the verb failed (undone at once, before the fault) or was killed
 * (undone by the next sr_scan, sr_attach or master VDI command, from the `clone/<vdi>` entry).
 *
 *   base absent:  the verb stopped before (or the undo after) the rename — only the XAPI side is tidied
 *   base present: base unhidden and writable again ─▶ leaves destroyed (or moved aside to `DELETED_…`)
 *                 ─▶ base renamed back to the VDI uuid ─▶ XAPI: records of the base and snapshot forgotten,
 *                 the VDI's `vhd-parent` restored, its tapdisks unpaused (or `paused` cleared)
 *   entry removed last, so a crash during the undo is undone again by the next command.
 *
 * Every step checks what is there first: running it twice is harmless.
 */
import { tapUnpauseRetried } from '../../lib/blktap/pause.js';
import { faultPoint } from '../../lib/host/faults.js';
import { parseCloneEntry, type CloneEntry } from '../../lib/journal/index.js';
import { queryVhd, setHidden } from '../../lib/vhd/index.js';
import { asVdiUuid, deletedVdiUuid, type VdiUuid } from '../../lib/volume/index.js';
import { setVhdParent, vdiSmConfig } from '../../lib/xapi/index.js';
import { vdiRefOf, type CloneDeps } from './deps.js';
import { CLONE_POINTS } from './points.js';

/** Destroys a leaf the undo no longer wants; one that resists is renamed aside so its uuid is free. */
export async function dropLeaf(d: CloneDeps, uuid: VdiUuid): Promise<void> {
  if (!d.volumes.has(uuid)) return;
  try {
    await d.volumes.destroy(uuid);
  } catch (error) {
    d.log.warn('undo clone: cannot destroy a leaf, renaming it aside', { vdi: uuid, error });
    // The GC purges DELETED_ volumes; the uuid is needed back by the base.
    await d.volumes.rename(uuid, deletedVdiUuid(uuid), { force: true });
  }
}

/** Base back to the VDI uuid: visible, writable, its old name; leaves gone. */
async function restoreVolumes(d: CloneDeps, vdi: VdiUuid, entry: CloneEntry): Promise<void> {
  const base = asVdiUuid(entry.baseUuid);
  const basePath = await d.volumes.localDevicePath(base, d.node, d.root);
  const metadata = await d.volumes.getMetadata(base);
  if (metadata['vdi_type'] !== 'aio') {
    if ((await queryVhd({ root: d.root }, basePath)).hidden) await setHidden({ root: d.root }, basePath, false);
  }
  const ref = await vdiRefOf(d.xapi, vdi);
  const names = ref !== undefined ? await d.xapi.vdi.getRecord(ref) : undefined;
  await d.volumes.updateMetadata(base, {
    read_only: false,
    ...(metadata['vdi_type'] === 'aio' ? { hidden: false } : {}),
    ...(names ? { name_label: names.name_label, name_description: names.name_description } : {}),
  });
  if (entry.snapUuid !== undefined) await dropLeaf(d, asVdiUuid(entry.snapUuid));
  await dropLeaf(d, vdi);
  faultPoint(d.faults, CLONE_POINTS.undoAfterLeaves);
  await d.volumes.rename(base, vdi);
  faultPoint(d.faults, CLONE_POINTS.undoAfterRename);
}

/** XAPI as before the verb: no record for the base or snapshot, the VDI's own parent, not paused. */
async function restoreXapi(d: CloneDeps, vdi: VdiUuid, entry: CloneEntry, unpause: boolean): Promise<void> {
  for (const gone of [entry.snapUuid, entry.baseUuid]) {
    if (gone === undefined || d.volumes.has(asVdiUuid(gone))) continue;
    const ref = await vdiRefOf(d.xapi, gone);
    if (ref !== undefined) await d.xapi.vdi.dbForget(ref);
  }
  const ref = await vdiRefOf(d.xapi, vdi);
  if (ref === undefined || !d.volumes.has(vdi)) return;
  const smConfig = await d.xapi.vdi.getSmConfig(ref);
  if ((await d.volumes.getMetadata(vdi))['vdi_type'] !== 'aio') {
    const info = await queryVhd({ root: d.root }, await d.volumes.localDevicePath(vdi, d.node, d.root));
    const parent = info.parentPath === undefined ? undefined : d.volumes.vdiUuidFromDevicePath(info.parentPath);
    await setVhdParent(d.xapi.vdi, ref, parent, smConfig);
  }
  if (!unpause || smConfig['paused'] === undefined) return;
  const config = vdiSmConfig(d.xapi.vdi, ref);
  // tapdisks paused by the killed verb reopen the VDI on its (restored) resource; `paused` goes with them.
  // A host that does not unpause keeps the mark: clearing it would hide a frozen tapdisk from every
  // later recovery (sr_scan unpauses a mark no journal entry owns).
  if (!(await tapUnpauseRetried(config, d.hostCall, d.srUuid, vdi, { attempts: 3, delayMs: 500, log: d.log }))) d.log.error('undo clone: a host did not unpause; the mark stays for the next sr_scan', { vdi });
}

export type UndoOptions = {
  /** False when the failing verb itself unpauses afterwards (its `finally`). */
  readonly unpause?: boolean;
  /** True when the failing verb removes the entry itself, once it has unpaused. */
  readonly keepEntry?: boolean;
};

/**
 * Undoes the clone recorded for `vdi` and removes its journal entry. Throws (entry kept, so the next
 * command tries again) when a step fails, or when neither the VDI nor its base exists any more.
 */
export async function undoClone(d: CloneDeps, vdi: VdiUuid, entry: CloneEntry, options: UndoOptions = {}): Promise<void> {
  const base = asVdiUuid(entry.baseUuid);
  if (d.volumes.has(base)) await restoreVolumes(d, vdi, entry);
  else if (!d.volumes.has(vdi)) throw new Error(`base copy ${base} of VDI ${vdi} not present: cannot undo the clone`);
  // No base: stopped before the rename, after an unused base was dropped (the leaf over the grandparent
  // holds the same data), or after this undo's own rename. A snapshot leaf left behind must not be introduced.
  else if (entry.snapUuid !== undefined) await dropLeaf(d, asVdiUuid(entry.snapUuid));
  await restoreXapi(d, vdi, entry, options.unpause ?? true);
  if (!options.keepEntry) await d.journal.remove('clone', vdi);
  d.log.info('clone undone', { vdi, base, snapshot: entry.snapUuid });
}

/** Every interrupted clone of the SR undone (master, under the SR lock); failures logged, entries kept. */
export async function undoInterruptedClones(d: CloneDeps): Promise<number> {
  let undone = 0;
  for (const [id, value] of await d.journal.getAll('clone')) {
    try {
      await undoClone(d, asVdiUuid(id), parseCloneEntry(value));
      undone += 1;
    } catch (error) {
      d.log.error('cannot undo an interrupted clone; introduction stays blocked until it is', { vdi: id, value, error });
    }
  }
  return undone;
}
