/**
 * Making XAPI's VDI list match LINSTOR (spec/sm-linstor.md §2.5, sm-changes-2026.md §5.3, smapi-protocol.md
 * §4.3): introduce the volumes XAPI does not know (location = VDI uuid) with the record the Python driver's
 * scan leaves, update the sizes of those it knows and give them the sm-config `image-format` sm's scan
 * backfills, and — for sr_scan only, after the database check — forget the VDIs LINSTOR no longer holds.
 * Idempotent, so xapi's "scan until the VDI refs stop changing" settles after one run. Every LINSTOR read
 * is one cached view, whatever the number of volumes; only new VHD volumes cost a device read each.
 *
 * An introduced VDI gets, from the KV metadata: name_label, name_description, type (default `user`),
 * read_only (also true for a VHD parent), is_a_snapshot, snapshot_time and snapshot_of (when that VDI is
 * in XAPI); from the volume: sm-config `vdi_type`, `image-format` and, for a VHD child, `vhd-parent`,
 * virtual_size (the VHD's, or the device's for RAW), physical_utilisation (allocated bytes) and
 * managed = not hidden. Hidden leaves (GC garbage) and volumes whose `vdi_type` is neither `vhd` nor
 * `aio` are left out.
 */
import { queryVhd } from '../../lib/vhd/index.js';
import { isDeletedVdiUuid, type VdiMetadata, type VdiUuid, type VolumeManager } from '../../lib/volume/index.js';
import { NULL_REF, VHD_PARENT, type Ref, type VdiRecord, type Xapi } from '../../lib/xapi/index.js';
import { imageFormatOfVdiType } from '../vdi/image-format.js';
import { pluggedSomewhere } from '../vdi/plugged.js';
import type { VdiType } from '../vdi/sizes.js';
import type { DriverContext } from '../context.js';

export type ReconcileOptions = {
  readonly xapi: Xapi;
  readonly srRef: Ref;
  /** This host's LINSTOR node (where new VHDs are read, diskless on demand). */
  readonly node: string;
  /** False while a `clone` journal entry exists (its volumes are not final). */
  readonly introduce: boolean;
  /** sr_scan: forget XAPI VDIs whose volume is gone. */
  readonly forget: boolean;
  /**
   * VDIs some journal entry names: one whose volume is missing is in the middle of a rename (a
   * leaf-coalesce killed between its two renames leaves the leaf as OLD_<uuid> until the collector
   * finishes it) and keeps its XAPI record.
   */
  readonly pending?: ReadonlySet<string>;
  /**
   * The SR's VDI records, when the caller already read them and nothing has changed XAPI since: one
   * fetch and one decode of every record serve the whole scan. Read here when absent.
   */
  readonly records?: Readonly<Record<Ref, VdiRecord>>;
};

/** `kept`: gone from LINSTOR but still plugged, so not forgotten. */
export type ReconcileReport = { introduced: string[]; forgotten: string[]; updated: string[]; kept: string[] };

/** The types every verb serves (driver/vdi/vdi-type.ts): a volume of another type is never introduced. */
function vdiTypeOfMetadata(metadata: VdiMetadata): VdiType | undefined {
  return metadata.vdi_type === 'vhd' || metadata.vdi_type === 'aio' ? metadata.vdi_type : undefined;
}

/** `20240101T12:00:00Z` (how sm stores snapshot_time) or RFC 3339 → Date; the epoch when unreadable. */
function snapshotTime(value: unknown): Date {
  const text = typeof value === 'string' ? value : '';
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2}:\d{2}:\d{2})Z$/.exec(text);
  const date = new Date(m ? `${m[1]}-${m[2]}-${m[3]}T${m[4]}Z` : text);
  return Number.isNaN(date.getTime()) ? new Date(0) : date;
}

export type Found = { uuid: VdiUuid; type: VdiType; metadata: VdiMetadata; virtualSize: number; allocated: number; hidden: boolean; parent: string | undefined };

/** Reads what a new volume needs for `db_introduce`; undefined (logged) when it cannot be used. */
export async function inspectVolume(ctx: DriverContext, volumes: VolumeManager, uuid: VdiUuid, metadata: VdiMetadata, usable: number, allocated: number, node: string): Promise<Found | undefined> {
  const type = vdiTypeOfMetadata(metadata);
  if (type === undefined) {
    ctx.log.warn(`VDI ${uuid}: no usable vdi_type in its metadata, not introduced`, { vdiType: metadata.vdi_type });
    return undefined;
  }
  if (type === 'aio') return { uuid, type, metadata, virtualSize: usable, allocated, hidden: metadata.hidden === true, parent: undefined };
  try {
    const path = await volumes.localDevicePath(uuid, node, ctx.env.root);
    const info = await queryVhd({ root: ctx.env.root, exec: ctx.exec }, path);
    const parent = info.parentPath !== undefined ? volumes.vdiUuidFromDevicePath(info.parentPath) : undefined;
    return { uuid, type, metadata, virtualSize: info.virtualSize, allocated, hidden: info.hidden, parent };
  } catch (error) {
    ctx.log.warn(`VDI ${uuid}: its VHD cannot be read, not introduced`, { error: String(error) });
    return undefined;
  }
}

/**
 * The XAPI record of a volume {@link inspectVolume} found, as the Python driver's scan writes it: a VHD
 * parent (`isParent`) is read-only, a hidden volume unmanaged. Its snapshot_of is for the caller to set.
 */
export async function introduceFound(xapi: Xapi, srRef: Ref, f: Found, isParent: boolean): Promise<Ref> {
  const m = f.metadata;
  const isSnapshot = m.is_a_snapshot === true;
  return xapi.vdi.dbIntroduce({
    uuid: f.uuid,
    name_label: String(m.name_label ?? ''),
    name_description: String(m.name_description ?? ''),
    SR: srRef,
    type: String(m.type ?? 'user') || 'user',
    sharable: false,
    read_only: m.read_only === true || isParent,
    other_config: {},
    location: f.uuid,
    xenstore_data: {},
    sm_config: { vdi_type: f.type, 'image-format': imageFormatOfVdiType(f.type), ...(f.parent ? { [VHD_PARENT]: f.parent } : {}) },
    managed: !f.hidden,
    virtual_size: f.virtualSize,
    physical_utilisation: f.allocated,
    metadata_of_pool: NULL_REF,
    is_a_snapshot: isSnapshot,
    snapshot_time: isSnapshot ? snapshotTime(m.snapshot_time) : new Date(0),
    snapshot_of: NULL_REF,
    cbt_enabled: false,
  });
}

/** Introduces, updates and (optionally) forgets VDIs so that XAPI's list is LINSTOR's. */
export async function reconcileVdis(ctx: DriverContext, volumes: VolumeManager, o: ReconcileOptions): Promise<ReconcileReport> {
  const report: ReconcileReport = { introduced: [], forgotten: [], updated: [], kept: [] };
  const [records, metadata, sizes] = await Promise.all([o.records ?? o.xapi.vdi.recordsOfSr(o.srRef), volumes.allMetadata(), volumes.allSizes()]);
  const byLocation = new Map<string, [Ref, VdiRecord]>(Object.entries(records).map(([ref, r]) => [r.location, [ref, r]]));
  const wanted = volumes.list().filter((u) => !u.startsWith('OLD_') && !isDeletedVdiUuid(u));
  const parents = new Set<string>(Object.values(records).map((r) => r.sm_config[VHD_PARENT] ?? '').filter((p) => p !== ''));
  const fresh: Found[] = [];
  for (const uuid of wanted) {
    const meta = metadata.get(uuid) ?? {};
    const size = sizes.get(uuid);
    const existing = byLocation.get(uuid);
    if (existing) {
      const [ref, record] = existing;
      let updated = false;
      if (size && String(size.allocatedBytes) !== String(record.physical_utilisation)) {
        await o.xapi.vdi.setPhysicalUtilisation(ref, size.allocatedBytes);
        updated = true;
      }
      // VDIs made before sm wrote `image-format`, and snapshots and clones (neither sm nor this driver
      // writes it there), get it from the metadata's type; without a type it stays absent, not guessed.
      const type = vdiTypeOfMetadata(meta);
      if (type !== undefined && record.sm_config['image-format'] === undefined) {
        await o.xapi.vdi.addToSmConfig(ref, 'image-format', imageFormatOfVdiType(type));
        updated = true;
      }
      if (updated) report.updated.push(uuid);
      continue;
    }
    if (!o.introduce || Object.keys(meta).length === 0 || size === undefined) continue;
    const found = await inspectVolume(ctx, volumes, uuid, meta, size.usableBytes, size.allocatedBytes, o.node);
    if (found) {
      fresh.push(found);
      if (found.parent) parents.add(found.parent);
    }
  }
  const snapshotsOf: [Ref, string][] = [];
  const refs = new Map<string, Ref>([...byLocation].map(([location, [ref]]) => [location, ref]));
  for (const f of fresh) {
    // Hidden leaves are GC garbage: never introduced. Hidden parents are introduced unmanaged.
    if (f.hidden && !parents.has(f.uuid)) continue;
    const ref = await introduceFound(o.xapi, o.srRef, f, parents.has(f.uuid));
    const m = f.metadata;
    const isSnapshot = m.is_a_snapshot === true;
    report.introduced.push(f.uuid);
    refs.set(f.uuid, ref);
    if (isSnapshot && typeof m.snapshot_of === 'string' && m.snapshot_of !== '') snapshotsOf.push([ref, m.snapshot_of]);
  }
  // Once every new VDI has a ref: a snapshot points at its VDI (`set_snapshot_of`), when XAPI knows it.
  for (const [ref, of] of snapshotsOf) {
    const target = refs.get(of);
    if (target) await o.xapi.vdi.set(ref, 'snapshot_of', target);
  }
  if (o.forget) {
    const present = new Set<string>(volumes.list());
    for (const [location, [ref, record]] of byLocation) {
      if (present.has(location)) continue;
      if (o.pending?.has(location) || present.has(`OLD_${location}`)) {
        ctx.log.warn(`VDI ${location} has no LINSTOR volume while an operation on it is unfinished: not forgotten, the collector finishes it`, { vdi: location });
        report.kept.push(location);
        continue;
      }
      // A VM that runs on it keeps its VBD: forgetting would leave the VBD dangling, and the volume
      // under it may only be out of sight for a moment. Reported, never forgotten while plugged.
      if (await pluggedSomewhere(o.xapi, record.VBDs)) {
        ctx.log.error(`VDI ${location} has no LINSTOR volume but a VBD of it is plugged: not forgotten`, { vdi: location });
        report.kept.push(location);
        continue;
      }
      await o.xapi.vdi.dbForget(ref);
      report.forgotten.push(location);
    }
  }
  return report;
}
