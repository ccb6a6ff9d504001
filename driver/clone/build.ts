/**
 * The snapshot chain construction (spec/sm-linstor.md §4.4), for an active VHD VDI A already paused:
 *
 *   (journal clone/A = "<base>_<snap|None>" written, A paused) ─▶ one KV transaction: A renamed to the
 *   base (its resource, device and the locators pointing at it stay) and the new leaves recorded
 *   CREATING — A's uuid again, and (double) the snapshot's ─▶ their volumes, as large as the base
 *   ─▶ made available here ─▶ their VHD headers, children of the base's by-res path ─▶ one KV
 *   transaction: the leaves EXISTS with their metadata, the base named "base copy", read-only ─▶ base
 *   hidden ─▶ A's sm-config names its new parent ─▶ an unused base (both children skipped an empty
 *   base) dropped ─▶ snapshot, then base, introduced
 *
 * New leaves stay CREATING until their metadata is written, so a crash leaves only what the volume
 * repair removes; the verb (verb.ts) journals before and undoes any failure (undo.ts).
 */
import { randomUUID } from 'node:crypto';
import { faultPoint } from '../../lib/host/faults.js';
import type { CloneEntry } from '../../lib/journal/index.js';
import { MAX_PREALLOCATED_SIZE, queryVhd, setHidden, snapshotVhd } from '../../lib/vhd/index.js';
import { usableBytes } from '../../lib/thin/thin.js';
import { asVdiUuid, type VdiMetadata, type VdiUuid } from '../../lib/volume/index.js';
import type { Ref, VdiRecord } from '../../lib/xapi/index.js';
import type { CloneDeps } from './deps.js';
import { CLONE_POINTS } from './points.js';
import { introduceBase, introduceSnapshot, setActiveParent } from './xapi-records.js';

/** xapi's `driver_params:type`: `single` and `internal` keep no snapshot leaf; anything else is double. */
export type SnapshotKind = 'single' | 'double' | 'internal';

export type ChainRequest = {
  readonly vdi: VdiUuid;
  readonly vdiRef: Ref;
  readonly srRef: Ref;
  readonly kind: SnapshotKind;
  /** vdi_clone: the second leaf is a clone, not a snapshot of A. */
  readonly clone: boolean;
  /** A's XAPI record before the verb (names and type for the new records). */
  readonly record: VdiRecord;
  readonly now: Date;
  /** False: the second leaf gets no XAPI record (a revert adopts it under another VDI's uuid). */
  readonly introduceResult?: boolean;
};

export type ChainResult = {
  /** The VDI the verb returns: the snapshot (double, clone) or the base (single, internal). */
  readonly resultUuid: VdiUuid;
  readonly virtualSize: number;
};

type LeafPlan = { uuid: VdiUuid; metadata: VdiMetadata; points: readonly [string, string] };

/** sm's snapshot_time format (`20240101T12:00:00Z`). */
function smTime(date: Date): string {
  return date.toISOString().replace(/[-]/g, '').replace(/\.\d+Z$/, 'Z');
}

/** The reserved leaves' volumes, as large as the base, then their VHD children of it; returns each leaf's parent uuid. */
async function makeLeaves(d: CloneDeps, base: VdiUuid, basePath: string, noEmptyCheck: boolean, plans: readonly LeafPlan[]): Promise<(VdiUuid | undefined)[]> {
  const sizeBytes = await usableBytes(d.volumes, base);
  for (const plan of plans) {
    await d.volumes.create(plan.uuid, sizeBytes, { persistent: false, reserved: true });
    faultPoint(d.faults, plan.points[0]);
  }
  await d.volumes.makeAllAvailable(plans.map((p) => p.uuid), d.node);
  const parents: (VdiUuid | undefined)[] = [];
  for (const plan of plans) {
    const path = await d.volumes.localDevicePath(plan.uuid, d.node, d.root);
    const linked = await snapshotVhd({ root: d.root }, path, basePath, { maxSizeBytes: MAX_PREALLOCATED_SIZE, noEmptyCheck });
    faultPoint(d.faults, plan.points[1]);
    parents.push(d.volumes.vdiUuidFromDevicePath(linked));
  }
  return parents;
}

/** Builds the chain of `entry` (its journal entry already written); the caller undoes a failure. */
export async function buildChain(d: CloneDeps, r: ChainRequest, entry: CloneEntry): Promise<ChainResult> {
  const base = asVdiUuid(entry.baseUuid);
  const snap = entry.snapUuid === undefined ? undefined : asVdiUuid(entry.snapUuid);
  const original = await d.volumes.getMetadata(r.vdi);
  await d.volumes.rename(r.vdi, base, { reserve: snap === undefined ? [r.vdi] : [r.vdi, snap] });
  faultPoint(d.faults, CLONE_POINTS.afterRename);
  const basePath = await d.volumes.localDevicePath(base, d.node, d.root);
  const baseInfo = await queryVhd({ root: d.root }, basePath);
  const common: VdiMetadata = {
    name_label: r.record.name_label,
    name_description: r.record.name_description,
    type: r.record.type,
    vdi_type: 'vhd',
    read_only: false,
    metadata_of_pool: '',
  };
  const plain: VdiMetadata = { ...common, is_a_snapshot: false, snapshot_of: '', snapshot_time: '' };
  const plans: LeafPlan[] = [{ uuid: r.vdi, metadata: plain, points: [CLONE_POINTS.afterLeafVolume, CLONE_POINTS.afterLeafVhd] }];
  if (snap !== undefined) {
    plans.push({
      uuid: snap,
      metadata: r.clone ? plain : { ...common, is_a_snapshot: true, snapshot_of: r.vdi, snapshot_time: smTime(r.now) },
      points: [CLONE_POINTS.afterSnapVolume, CLONE_POINTS.afterSnapVhd],
    });
  }
  // Single and internal snapshots return the base: it must stay the leaf's parent even when empty.
  const [leafParent, snapParent] = await makeLeaves(d, base, basePath, r.kind !== 'double', plans);
  await d.volumes.markAllPersistent(new Map(plans.map((p) => [p.uuid, p.metadata])), new Map([[base, { ...original, name_label: 'base copy', name_description: '', read_only: true }]]));
  faultPoint(d.faults, CLONE_POINTS.afterLeaves);
  await setHidden({ root: d.root }, basePath, true);
  faultPoint(d.faults, CLONE_POINTS.afterHideBase);
  await setActiveParent(d.xapi, r.vdiRef, leafParent);
  faultPoint(d.faults, CLONE_POINTS.afterSmConfig);
  const baseUsed = leafParent === base || (snapParent !== undefined && snapParent === base);
  if (!baseUsed) {
    try {
      await d.volumes.destroy(base);
    } catch (error) {
      // A hidden leaf nobody points at: never introduced, the GC removes it.
      d.log.warn('cannot drop the unused base copy', { vdi: r.vdi, base, error });
    }
  }
  faultPoint(d.faults, CLONE_POINTS.afterDropBase);
  // Utilisation from the view read when the leaves' devices were checked: one request less, and only
  // their VHD headers (a few KiB) written since, which the next sr_scan counts.
  const allocated = async (uuid: VdiUuid) => (await d.volumes.sizes(uuid))?.allocatedBytes ?? 0;
  const record = { srRef: r.srRef, nameLabel: r.record.name_label, nameDescription: r.record.name_description, xapiType: r.record.type, virtualSize: baseInfo.virtualSize };
  if (snap !== undefined && r.introduceResult !== false) {
    await introduceSnapshot(d.xapi, { ...record, uuid: snap, utilisation: await allocated(snap), parent: snapParent }, r.clone ? undefined : r.vdiRef, r.now);
    faultPoint(d.faults, CLONE_POINTS.afterIntroduceSnap);
  }
  if (baseUsed) {
    const parent = baseInfo.parentPath === undefined ? undefined : d.volumes.vdiUuidFromDevicePath(baseInfo.parentPath);
    await introduceBase(d.xapi, { ...record, uuid: base, utilisation: await allocated(base), parent });
    faultPoint(d.faults, CLONE_POINTS.afterIntroduceBase);
  }
  return { resultUuid: snap ?? base, virtualSize: baseInfo.virtualSize };
}

/** A fresh `clone/<vdi>` value: a base uuid, and a snapshot uuid for double snapshots and clones. */
export function newCloneEntry(kind: SnapshotKind): CloneEntry {
  return { baseUuid: randomUUID(), snapUuid: kind === 'double' ? randomUUID() : undefined };
}
