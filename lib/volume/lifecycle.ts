/**
 * Creating and destroying volumes, with the KV lifecycle states (spec/sm-linstor.md §3.2, §3.4, §3.5):
 *
 *   create:  not-exists=2 + volume-name ─▶ spawn (RD, peer slots 3, placed on `redundancy` nodes)
 *            ─▶ not-exists=0 (now, or later through markPersistent)
 *   destroy: not-exists=1 ─▶ DELETE RD ─▶ clear xcp/volume/<uuid>
 *
 * A crash leaves state 2 or 1, which the next repair (master-exclusive) removes; a slave still accepts
 * state 2 because the master may be creating it.
 */
import { hasRetCode, isNotFound, RC } from '../linstor/index.js';
import { scaled, type VolumeContext } from './context.js';
import { VolumeCreateError, VolumeDestroyError, VolumeError, VolumeExistsError, VolumeInUseError, VolumeNotFoundError } from './errors.js';
import { FIELD_METADATA, FIELD_NOT_EXISTS, FIELD_VOLUME_NAME, pythonJsonDumps, VOLUME_STATE, volumeKey, volumeNamespace, volumeRecords, type VdiMetadata } from './kv-layout.js';
import { asResourceName, newVolumeResourceName, type ResourceName, type VdiUuid } from './naming.js';
import { volumeSizeKib } from './sizes.js';
import { groupRedundancy, invalidateResources, resourcesByName, srResourceDefinitions } from './views.js';

/** Options of {@link createVolume}. */
export type CreateVolumeOptions = {
  /** Mark EXISTS at once (default). The SR driver passes false and calls markPersistent at the very end. */
  readonly persistent?: boolean;
  /** Use this resource name (HA statefile, redo log) instead of a fresh `xcp-volume-<uuid4>`. */
  readonly resourceName?: ResourceName;
  /** Spawn from the HA group `xcp-ha-*` (created on demand). */
  readonly highAvailability?: boolean;
  /**
   * The volume is already recorded CREATING under a fresh resource name, by the KV transaction that
   * reserved it (a rename's `reserve`): spawn its definition under that name, without a KV write.
   */
  readonly reserved?: boolean;
};

/** The resource name of a usable volume, or {@link VolumeNotFoundError}. */
export function requireVolume(ctx: VolumeContext, uuid: VdiUuid): ResourceName {
  const name = ctx.volumes.get(uuid);
  if (name === undefined) throw new VolumeNotFoundError(uuid);
  return name;
}

/** Creates the volume of `uuid` with at least `sizeBytes` usable; returns its resource name. */
export async function createVolume(ctx: VolumeContext, uuid: VdiUuid, sizeBytes: number, options: CreateVolumeOptions = {}): Promise<ResourceName> {
  if (ctx.volumes.has(uuid)) throw new VolumeExistsError(uuid);
  // The SR group first (read once): a missing SR changes nothing.
  const redundancy = await groupRedundancy(ctx);
  const record = volumeRecords(await ctx.kv.props()).get(uuid);
  let name: ResourceName;
  if (options.reserved === true) {
    if (record?.state !== VOLUME_STATE.CREATING || record.volumeName === undefined) throw new VolumeError(`VDI ${uuid} has no reserved volume to create`);
    name = asResourceName(record.volumeName);
  } else {
    name = options.resourceName ?? newVolumeResourceName(ctx.uuid4);
    if ((await srResourceDefinitions(ctx)).has(name)) throw new VolumeExistsError(uuid, `cannot use resource ${name}: it exists`);
    if (record?.state !== undefined) throw new VolumeExistsError(uuid, 'has a stale KV state (repair pending)');
    await ctx.kv.modify({ set: { [volumeKey(uuid, FIELD_NOT_EXISTS)]: VOLUME_STATE.CREATING, [volumeKey(uuid, FIELD_VOLUME_NAME)]: name } });
  }
  try {
    await createResource(ctx, name, sizeBytes, redundancy, options.highAvailability ?? false);
  } catch (error) {
    await forgetAfterFailedCreate(ctx, uuid, name);
    if (hasRetCode(error, RC.FAIL_EXISTS_RSC_DFN) || hasRetCode(error, RC.FAIL_EXISTS_RSC)) throw new VolumeExistsError(uuid, `resource ${name} exists`, { cause: error });
    throw new VolumeCreateError(uuid, { cause: error });
  }
  if (options.persistent ?? true) await ctx.kv.modify({ set: { [volumeKey(uuid, FIELD_NOT_EXISTS)]: VOLUME_STATE.EXISTS } });
  ctx.volumes.set(uuid, name);
  ctx.log.info('volume created', { vdi: uuid, resource: name, sizeBytes });
  return name;
}

/**
 * Marks a volume created with `persistent: false` as EXISTS: the last step of `vdi_create` and of each
 * new leaf of a snapshot. With `metadata`, the VDI metadata goes in the same KV request — one atomic
 * change: the volume is never EXISTS without it, and a crash before leaves a CREATING volume the repair
 * removes, with or without it, as before.
 */
export async function markPersistent(ctx: VolumeContext, uuid: VdiUuid, metadata?: VdiMetadata): Promise<void> {
  await markAllPersistent(ctx, new Map([[uuid, metadata]]));
}

/**
 * {@link markPersistent} for several volumes, and the metadata of `others` replaced, all in one KV
 * request: a snapshot's new leaves become EXISTS together with their base's new metadata.
 */
export async function markAllPersistent(ctx: VolumeContext, volumes: ReadonlyMap<VdiUuid, VdiMetadata | undefined>, others: ReadonlyMap<VdiUuid, VdiMetadata> = new Map()): Promise<void> {
  const set: Record<string, string> = {};
  for (const [uuid, metadata] of volumes) {
    requireVolume(ctx, uuid);
    set[volumeKey(uuid, FIELD_NOT_EXISTS)] = VOLUME_STATE.EXISTS;
    if (metadata !== undefined) set[volumeKey(uuid, FIELD_METADATA)] = pythonJsonDumps(metadata);
  }
  for (const [uuid, metadata] of others) {
    requireVolume(ctx, uuid);
    set[volumeKey(uuid, FIELD_METADATA)] = pythonJsonDumps(metadata);
  }
  await ctx.kv.modify({ set });
}

/** Spawn, peer slots, autoplace, retried like the Python `util.retry(maxretry=5, period=3)`. */
async function createResource(ctx: VolumeContext, name: ResourceName, sizeBytes: number, redundancy: number, ha: boolean): Promise<void> {
  const group = ha ? ctx.names.haResourceGroup : ctx.names.resourceGroup;
  for (let attempt = 1; ; attempt += 1) {
    invalidateResources(ctx);
    try {
      await spawn(ctx, group, name, sizeBytes, redundancy, ha);
      invalidateResources(ctx);
      return;
    } catch (error) {
      invalidateResources(ctx);
      if (hasRetCode(error, RC.FAIL_EXISTS_RSC_DFN) || hasRetCode(error, RC.FAIL_EXISTS_RSC) || attempt >= ctx.createAttempts) throw error;
      ctx.log.warn('volume creation failed, destroying the definition and retrying', { resource: name, attempt, error });
      await deleteDefinition(ctx, name).catch((cleanupError: unknown) => {
        // The retry's spawn will fail with EXISTS if this left the RD; that error is then reported.
        ctx.log.warn('cannot delete a half-created definition before retrying', { resource: name, error: cleanupError });
      });
      await ctx.sleep(scaled(ctx, 3000));
    }
  }
}

/**
 * One spawn that defines, sets the peer slots and places: what the Python driver does in three requests
 * (spawn `definitions_only`, `drbd_peer_slots` 3, autoplace). A placement that fails leaves the
 * definition, which createResource deletes before it retries, as after a failed autoplace.
 */
async function spawn(ctx: VolumeContext, group: string, name: ResourceName, sizeBytes: number, redundancy: number, ha: boolean): Promise<void> {
  const request = {
    resource_definition_name: name,
    volume_sizes: [volumeSizeKib(sizeBytes)],
    partial: false,
    peer_slots: 3,
    // The SR redundancy even for HA volumes (as Python); no diskless elsewhere: they come on demand.
    select_filter: { place_count: redundancy, diskless_on_remaining: false },
  };
  try {
    await ctx.linstor.resourceGroups.spawn(group, request);
  } catch (error) {
    if (!ha || !hasRetCode(error, RC.FAIL_NOT_FOUND_RSC_GRP)) throw error;
    // SRs created before 2024-03 have no HA group: create it lazily (place_count 3, same pool).
    ctx.log.info('creating the missing HA resource group', { group });
    await ctx.linstor.resourceGroups.create({ name: group, select_filter: { place_count: 3, storage_pool: ctx.names.storagePool, diskless_on_remaining: false } });
    await ctx.linstor.resourceGroups.createVolumeGroup(group);
    await ctx.linstor.resourceGroups.spawn(group, request);
  }
}

/** Deletes a resource definition; a missing one is fine. `FAIL_IN_USE` surfaces as the LINSTOR error. */
export async function deleteDefinition(ctx: VolumeContext, name: ResourceName): Promise<void> {
  try {
    await ctx.linstor.resourceDefinitions.delete(name);
  } catch (error) {
    if (!isNotFound(error)) throw error;
  } finally {
    invalidateResources(ctx);
  }
}

/**
 * Deletes a definition that must go (failed create, repair), like the Python `_destroy_resource(force=True)`:
 * when LINSTOR refuses because it is in use, and no process holds it open on any host, the stuck Primary is
 * demoted and the delete retried (the Python code never retried: its demote always raised, §9).
 */
export async function forceDeleteDefinition(ctx: VolumeContext, name: ResourceName): Promise<void> {
  try {
    await deleteDefinition(ctx, name);
    return;
  } catch (error) {
    if (!hasRetCode(error, RC.FAIL_IN_USE) || ctx.drbd === undefined) throw error;
    const openers = await ctx.drbd.openers(name);
    if (openers.length > 0) throw new VolumeError(`resource ${name} is open: ${openers.join(', ')}`, { cause: error });
    const stuck = ((await resourcesByName(ctx)).get(name) ?? []).filter((r) => r.state?.in_use === true).map((r) => r.node_name);
    if (stuck.length === 0) throw error;
    for (const node of stuck) {
      ctx.log.warn('demoting a stuck DRBD Primary before deleting', { resource: name, node });
      await ctx.drbd.demote(name, node);
    }
  }
  await deleteDefinition(ctx, name);
}

async function forgetAfterFailedCreate(ctx: VolumeContext, uuid: VdiUuid, name: ResourceName): Promise<void> {
  try {
    await forceDeleteDefinition(ctx, name);
    await ctx.kv.modify({ deleteNamespaces: [volumeNamespace(uuid)] });
  } catch (error) {
    // What is left is state CREATING, which the next repair removes: the creation error matters more.
    ctx.log.warn('cannot clean up after a failed create; the next repair will', { vdi: uuid, resource: name, error });
  }
}

/**
 * Destroys the volume of `uuid`: NOT_EXISTS first, so that a failure (controller gone) leaves a state the
 * next repair finishes; then the definition, then every key of the namespace. A volume open somewhere
 * (DRBD Primary) is refused before anything changes, and a `FAIL_IN_USE` from LINSTOR restores EXISTS.
 */
export async function destroyVolume(ctx: VolumeContext, uuid: VdiUuid): Promise<void> {
  const name = requireVolume(ctx, uuid);
  const inUseOn = ((await resourcesByName(ctx)).get(name) ?? []).filter((r) => r.state?.in_use === true).map((r) => r.node_name);
  if (inUseOn.length > 0) throw new VolumeInUseError(uuid);
  await ctx.kv.modify({ set: { [volumeKey(uuid, FIELD_NOT_EXISTS)]: VOLUME_STATE.NOT_EXISTS } });
  ctx.volumes.delete(uuid);
  try {
    await deleteDefinition(ctx, name);
  } catch (error) {
    if (!hasRetCode(error, RC.FAIL_IN_USE)) throw new VolumeDestroyError(uuid, { cause: error });
    // LINSTOR refused and changed nothing: put the volume back as it was.
    await ctx.kv.modify({ set: { [volumeKey(uuid, FIELD_NOT_EXISTS)]: VOLUME_STATE.EXISTS } });
    ctx.volumes.set(uuid, name);
    throw new VolumeInUseError(uuid, { cause: error });
  }
  try {
    await ctx.kv.modify({ deleteNamespaces: [volumeNamespace(uuid)] });
  } catch (error) {
    throw new VolumeDestroyError(uuid, { cause: error });
  }
  ctx.log.info('volume destroyed', { vdi: uuid, resource: name });
}
