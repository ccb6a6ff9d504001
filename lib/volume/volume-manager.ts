/**
 * The VDI ↔ LINSTOR volume manager of one SR (spec/sm-linstor.md §3): what the driver, plugin and GC call.
 * It holds the cached views and the volume set for one process; every operation lives in its own module
 * and this class only orders the checks (existence, volume lock) the way the Python driver does.
 *
 * ```ts
 * const volumes = await VolumeManager.open({ linstor, groupName: 'linstor_group/thin_device', logger, repair: isMasterExclusive });
 * const rd = await volumes.create(vdiUuid, sizeBytes, { persistent: false });
 * await volumes.setMetadata(vdiUuid, { name_label: 'disk', type: 'user', vdi_type: 'vhd', … });
 * await volumes.markPersistent(vdiUuid);
 * ```
 */
import type { ResourceDefinition } from '../linstor/index.js';
import type { ViewCacheStats } from './cache.js';
import { createContext, type VolumeContext, type VolumeManagerOptions } from './context.js';
import type { SrKvStore } from './kv-store.js';
import { makeAllAvailable, makeAvailable, removeIfDiskless, upToDateDiskfulNodes, usageStates } from './devices.js';
import type { SrMetadata, VdiMetadata } from './kv-layout.js';
import { createVolume, destroyVolume, markAllPersistent, markPersistent, requireVolume, type CreateVolumeOptions } from './lifecycle.js';
import { localDevicePath, prepareLocalDevice, verifyLocalDevices } from './local-device.js';
import { ensureNotLocked, lockVolume, unlockVolume, type LockWaitOptions } from './lock.js';
import { allVolumeMetadata, getSrMetadata, getSrUuid, getVolumeMetadata, setSrMetadata, setSrUuid, setVolumeMetadata, updateVolumeMetadata } from './metadata.js';
import { devicePath, resourceNameFromDevicePath, srNames, type ResourceName, type SrNames, type VdiUuid } from './naming.js';
import { allocatedVolumesBytes, maxVolumeSizeBytes, poolStats, type PoolStats } from './pool-stats.js';
import { renameVolume } from './rename.js';
import { loadVolumes } from './repair.js';
import { resizeVolume } from './resize.js';
import { volumeSizes, type VolumeSizes } from './sizes.js';
import { groupRedundancy, invalidateResources, resourcesByName, srResourceDefinitions } from './views.js';


/** One SR's volumes. Build it with {@link VolumeManager.open}; one instance per verb (or per GC pass). */
export class VolumeManager {
  readonly #ctx: VolumeContext;

  private constructor(ctx: VolumeContext) {
    this.#ctx = ctx;
  }

  /**
   * Reads the SR resource group (redundancy; unless `groupAtOpen` is false) and the KV, builds the volume
   * set, and repairs when `options.repair` is set. Costs two requests without repair (plus one
   * resource-definition list with it). Throws `VolumeGroupNotFoundError` when the SR does not exist.
   * Pending renames are finished by a repair, and read as finished (or not begun) without one.
   */
  static async open(options: VolumeManagerOptions): Promise<VolumeManager> {
    const ctx = createContext(options, srNames(options.groupName));
    await Promise.all([options.groupAtOpen === false ? undefined : groupRedundancy(ctx), ctx.kv.props()]);
    await loadVolumes(ctx, options.repair ?? false);
    return new VolumeManager(ctx);
  }

  /** The SR's LINSTOR names. */
  get names(): SrNames {
    return this.#ctx.names;
  }
  /** Replicas per volume (the SR resource group's place_count; read now when not read at open). */
  redundancy(): Promise<number> {
    return groupRedundancy(this.#ctx);
  }

  // ── the volume set ──
  /** Usable VDI uuids (EXISTS, and CREATING when opened without repair). */
  list(): VdiUuid[] {
    return [...this.#ctx.volumes.keys()];
  }
  /** True when `uuid` has a usable volume (`check_volume_exists`). */
  has(uuid: VdiUuid): boolean {
    return this.#ctx.volumes.has(uuid);
  }
  /** The resource definition of `uuid`; `VolumeNotFoundError` otherwise. */
  resourceName(uuid: VdiUuid): ResourceName {
    return requireVolume(this.#ctx, uuid);
  }
  /** Every usable VDI and its resource name. */
  volumeNames(): ReadonlyMap<VdiUuid, ResourceName> {
    return new Map(this.#ctx.volumes);
  }
  /** The dom0 device path `/dev/drbd/by-res/<rd>/0` of `uuid` (no check that it exists on this host). */
  devicePath(uuid: VdiUuid): string {
    return devicePath(requireVolume(this.#ctx, uuid));
  }
  /** The VDI whose device (or relative parent locator `../<rd>/0`) is `path`, from the KV names. */
  vdiUuidFromDevicePath(path: string): VdiUuid | undefined {
    const name = resourceNameFromDevicePath(path);
    if (name === undefined) return undefined;
    for (const [uuid, n] of this.#ctx.volumes) if (n === name) return uuid;
    return undefined;
  }
  /** The SR's resource definitions (incl. the database and HA volumes), with volume definitions. */
  resourceDefinitions(): Promise<ReadonlyMap<ResourceName, ResourceDefinition>> {
    return srResourceDefinitions(this.#ctx);
  }

  // ── lifecycle ──
  /** Creates the volume of a new VDI (CREATING, spawn, place, then EXISTS unless `persistent: false`). */
  create(uuid: VdiUuid, sizeBytes: number, options: CreateVolumeOptions = {}): Promise<ResourceName> {
    return createVolume(this.#ctx, uuid, sizeBytes, options);
  }
  /** Ends a create done with `persistent: false`; with `metadata`, writes it in the same KV request. */
  markPersistent(uuid: VdiUuid, metadata?: VdiMetadata): Promise<void> {
    return markPersistent(this.#ctx, uuid, metadata);
  }
  /** Ends several creates, each with its metadata, and replaces the metadata of `others`, in one KV request. */
  async markAllPersistent(volumes: ReadonlyMap<VdiUuid, VdiMetadata | undefined>, others: ReadonlyMap<VdiUuid, VdiMetadata> = new Map(), lockWait: LockWaitOptions = {}): Promise<void> {
    if (others.size > 0) await ensureNotLocked(this.#ctx, [...others.keys()], lockWait);
    await markAllPersistent(this.#ctx, volumes, others);
  }
  /** Destroys the volume of `uuid` once it is not locked. */
  async destroy(uuid: VdiUuid, lockWait: LockWaitOptions = {}): Promise<void> {
    requireVolume(this.#ctx, uuid);
    await ensureNotLocked(this.#ctx, [uuid], lockWait);
    await destroyVolume(this.#ctx, uuid);
  }
  /**
   * Moves the VDI uuid `from` to `to` (KV only, one transaction); `force` accepts an unusable source;
   * `reserve` records new volumes CREATING in the same transaction (created next with `reserved: true`).
   */
  async rename(from: VdiUuid, to: VdiUuid, options: { force?: boolean; reserve?: readonly VdiUuid[] } & LockWaitOptions = {}): Promise<void> {
    await ensureNotLocked(this.#ctx, [from], options);
    await renameVolume(this.#ctx, from, to, options.force ?? false, options.reserve ?? []);
  }
  /** Grows the volume of `uuid` to hold `sizeBytes`. */
  async resize(uuid: VdiUuid, sizeBytes: number, lockWait: LockWaitOptions = {}): Promise<void> {
    requireVolume(this.#ctx, uuid);
    await ensureNotLocked(this.#ctx, [uuid], lockWait);
    await resizeVolume(this.#ctx, uuid, sizeBytes);
  }

  // ── metadata ──
  /** The VDI metadata JSON of `uuid`. */
  getMetadata(uuid: VdiUuid): Promise<VdiMetadata> {
    return getVolumeMetadata(this.#ctx, uuid);
  }
  /** Metadata of every usable VDI from one KV read. */
  allMetadata(): Promise<Map<VdiUuid, VdiMetadata>> {
    return allVolumeMetadata(this.#ctx);
  }
  /** Replaces the metadata of `uuid` once it is not locked. */
  async setMetadata(uuid: VdiUuid, metadata: VdiMetadata, lockWait: LockWaitOptions = {}): Promise<void> {
    requireVolume(this.#ctx, uuid);
    await ensureNotLocked(this.#ctx, [uuid], lockWait);
    await setVolumeMetadata(this.#ctx, uuid, metadata);
  }
  /** Merges `changes` into the metadata of `uuid` once it is not locked; returns the result. */
  async updateMetadata(uuid: VdiUuid, changes: Partial<VdiMetadata>, lockWait: LockWaitOptions = {}): Promise<VdiMetadata> {
    requireVolume(this.#ctx, uuid);
    await ensureNotLocked(this.#ctx, [uuid], lockWait);
    return updateVolumeMetadata(this.#ctx, uuid, changes);
  }
  /** The SR name mirror `xcp/sr/metadata`. */
  srMetadata(): Promise<SrMetadata> {
    return getSrMetadata(this.#ctx);
  }
  setSrMetadata(metadata: SrMetadata): Promise<void> {
    return setSrMetadata(this.#ctx, metadata);
  }
  /** The SR uuid of `xcp/sr/uuid` (our addition), undefined when never written. */
  srUuid(): Promise<string | undefined> {
    return getSrUuid(this.#ctx);
  }
  setSrUuid(srUuid: string): Promise<void> {
    return setSrUuid(this.#ctx, srUuid);
  }

  // ── the volume lock ──
  /** Sets the lock of `uuid` (plugin `lockVdi` on the master, under its SR lock). */
  lock(uuid: VdiUuid): Promise<void> {
    requireVolume(this.#ctx, uuid);
    return lockVolume(this.#ctx, uuid);
  }
  unlock(uuid: VdiUuid): Promise<void> {
    return unlockVolume(this.#ctx, uuid);
  }
  /** Waits (bounded) until none of `uuids` is locked; `VolumeLockedError` on timeout. */
  ensureNotLocked(uuids: VdiUuid | readonly VdiUuid[], options: LockWaitOptions = {}): Promise<void> {
    return ensureNotLocked(this.#ctx, typeof uuids === 'string' ? [uuids] : uuids, options);
  }

  // ── sizes, placement, capacity ──
  /** Usable and allocated size and the diskful nodes of `uuid`, or undefined when LINSTOR reports none. */
  async sizes(uuid: VdiUuid): Promise<VolumeSizes | undefined> {
    const name = requireVolume(this.#ctx, uuid);
    const resources = (await resourcesByName(this.#ctx, name)).get(name) ?? [];
    return volumeSizes(resources, this.#ctx.names.storagePool);
  }
  /** Sizes of every usable volume from one resource view. */
  async allSizes(): Promise<Map<VdiUuid, VolumeSizes | undefined>> {
    const byName = await resourcesByName(this.#ctx);
    return new Map([...this.#ctx.volumes].map(([uuid, name]) => [uuid, volumeSizes(byName.get(name) ?? [], this.#ctx.names.storagePool)]));
  }
  /** `{node: in_use}` of `uuid`. */
  usageStates(uuid: VdiUuid): Promise<Map<string, boolean>> {
    return usageStates(this.#ctx, uuid);
  }
  /** Nodes with an UpToDate replica of `uuid`, and where it is open. */
  upToDateDiskfulNodes(uuid: VdiUuid): Promise<{ nodes: string[]; inUseOn: string | undefined }> {
    return upToDateDiskfulNodes(this.#ctx, uuid);
  }
  /** Ensures a resource of `uuid` on `node` (diskless on demand); true when one was created. */
  makeAvailable(uuid: VdiUuid, node: string): Promise<boolean> {
    return makeAvailable(this.#ctx, uuid, node);
  }
  /** Ensures resources of several volumes on `node`, checked against one view; returns those created. */
  makeAllAvailable(uuids: readonly VdiUuid[], node: string): Promise<VdiUuid[]> {
    return makeAllAvailable(this.#ctx, uuids, node);
  }
  /**
   * The device of `uuid` on `node` (this host), made available as a diskless when needed, once its by-res
   * link resolves to the device LINSTOR reports. `root` is the host root (`/` on dom0).
   */
  localDevicePath(uuid: VdiUuid, node: string, root = '/'): Promise<string> {
    return localDevicePath(this.#ctx, uuid, node, root);
  }
  /** {@link localDevicePath} without the final check: read it only to find more devices, then verify them all. */
  prepareLocalDevice(uuid: VdiUuid, node: string, root = '/'): Promise<string> {
    return prepareLocalDevice(this.#ctx, uuid, node, root);
  }
  /** Checks the by-res links of `uuids` on `node` against LINSTOR's devices (one view for all). */
  verifyLocalDevices(uuids: readonly VdiUuid[], node: string, root = '/'): Promise<void> {
    return verifyLocalDevices(this.#ctx, uuids, node, root);
  }
  /** Removes a plain diskless of `uuid` on `node` (never a tie-breaker or a replica). */
  removeIfDiskless(uuid: VdiUuid, node: string): Promise<boolean> {
    return removeIfDiskless(this.#ctx, uuid, node);
  }
  /** Physical size and utilisation of the SR pool. */
  poolStats(): Promise<PoolStats> {
    return poolStats(this.#ctx);
  }
  /** The largest volume that still fits (bytes). */
  maxVolumeSizeBytes(): Promise<number> {
    return maxVolumeSizeBytes(this.#ctx);
  }
  /** Space the SR's volumes take, each counted once (bytes). */
  allocatedVolumesBytes(): Promise<number> {
    return allocatedVolumesBytes(this.#ctx);
  }

  // ── caches ──
  /** The cached SR KV; it has the shape of `lib/journal`'s `JournalStore`, so the journal shares this read. */
  journalStore(): SrKvStore {
    return this.#ctx.kv;
  }
  /** Forget the resource views (after VHD writes that change allocations, `invalidate_resource_cache`). */
  invalidateResources(): void {
    invalidateResources(this.#ctx);
  }
  /** Cache hits and misses of this manager. */
  cacheStats(): ViewCacheStats {
    return this.#ctx.cache.stats();
  }
}
