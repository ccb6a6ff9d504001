/**
 * The LINSTOR views the manager reads, each through the view cache (at most one request per manager
 * until a mutation invalidates it).
 */
import type { ResourceDefinition, ResourceGroup, ResourceWithVolumes, StoragePool } from '../linstor/index.js';
import type { VolumeContext } from './context.js';
import { VolumeError, VolumeGroupNotFoundError } from './errors.js';
import type { ResourceName } from './naming.js';

/** The SR resource group (`GET /v1/resource-groups?resource_groups=xcp-sr-…`). */
export function srResourceGroup(ctx: VolumeContext): Promise<ResourceGroup> {
  return ctx.cache.get('resource-group', async () => {
    const groups = await ctx.linstor.resourceGroups.list({ resourceGroups: [ctx.names.resourceGroup] });
    const group = groups.find((g) => g.name.toUpperCase() === ctx.names.resourceGroup.toUpperCase());
    if (!group) throw new VolumeGroupNotFoundError(ctx.names.resourceGroup);
    return group;
  });
}

/** The SR's redundancy, its resource group's place_count (read once per manager). */
export async function groupRedundancy(ctx: VolumeContext): Promise<number> {
  if (ctx.redundancy > 0) return ctx.redundancy;
  const group = await srResourceGroup(ctx);
  const redundancy = group.select_filter?.place_count ?? 0;
  if (redundancy <= 0) throw new VolumeError(`resource group ${ctx.names.resourceGroup} has no place_count`);
  ctx.redundancy = redundancy;
  return redundancy;
}

/**
 * The resource definitions of this SR (group `xcp-sr-*` or `xcp-ha-*`) by name, with their volume
 * definitions. One `GET /v1/resource-definitions` for any number of volumes.
 */
export function srResourceDefinitions(ctx: VolumeContext): Promise<ReadonlyMap<ResourceName, ResourceDefinition>> {
  return ctx.cache.get('resource-definitions', async () => {
    const groups = new Set([ctx.names.resourceGroup.toUpperCase(), ctx.names.haResourceGroup.toUpperCase()]);
    const all = await ctx.linstor.resourceDefinitions.list({ withVolumeDefinitions: true });
    return new Map(all.filter((rd) => groups.has((rd.resource_group_name ?? '').toUpperCase())).map((rd) => [rd.name as ResourceName, rd]));
  });
}

/**
 * Every resource with volumes and states (`GET /v1/view/resources`), grouped by resource name. With
 * `of`, the caller reads only that resource's entries: a cached view still serves it unless that
 * resource changed since (see {@link markResourceStale}).
 */
export function resourcesByName(ctx: VolumeContext, of?: string): Promise<ReadonlyMap<string, readonly ResourceWithVolumes[]>> {
  if (ctx.staleResources.size > 0 && (of === undefined || ctx.staleResources.has(of))) {
    ctx.cache.invalidate('resources');
    ctx.staleResources.clear();
  }
  return ctx.cache.get('resources', async () => {
    const byName = new Map<string, ResourceWithVolumes[]>();
    for (const r of await ctx.linstor.resources.view()) {
      const list = byName.get(r.name) ?? [];
      list.push(r);
      byName.set(r.name, list);
    }
    return byName;
  });
}

/** The SR storage pool on every node (`GET /v1/view/storage-pools?storage_pools=xcp-sr-…`). */
export function srStoragePools(ctx: VolumeContext): Promise<readonly StoragePool[]> {
  return ctx.cache.get('storage-pools', () => ctx.linstor.storagePools.view({ storagePools: [ctx.names.storagePool] }));
}

/** After any change to resources or their sizes (create, destroy, resize, VHD writes). */
export function invalidateResources(ctx: VolumeContext): void {
  ctx.cache.invalidate('resources', 'resource-definitions', 'storage-pools');
  ctx.staleResources.clear();
}

/**
 * After a change to one resource's placement only (a diskless made available): the cached view still
 * describes every other resource, so walking a chain costs one view, not one per volume made available.
 */
export function markResourceStale(ctx: VolumeContext, name: string): void {
  ctx.staleResources.add(name);
}
