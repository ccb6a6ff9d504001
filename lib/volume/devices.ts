/**
 * Where a volume lives: its resources per node, their DRBD states, on-demand diskless resources
 * (`make-available`, §3.5) and their removal on slave detach (never a tie-breaker, commit 8d6cfc70).
 * Waiting for the udev symlink under a host root belongs to the caller that opens the device.
 */
import type { ResourceWithVolumes } from '../linstor/index.js';
import type { VolumeContext } from './context.js';
import { requireVolume } from './lifecycle.js';
import type { VdiUuid } from './naming.js';
import { invalidateResources, markResourceStale, resourcesByName } from './views.js';

/** The resources of the volume of `uuid` (cached view). */
export async function volumeResources(ctx: VolumeContext, uuid: VdiUuid): Promise<readonly ResourceWithVolumes[]> {
  const name = requireVolume(ctx, uuid);
  return (await resourcesByName(ctx, name)).get(name) ?? [];
}

/** `{node: in_use}` (`get_usage_states`); offline nodes report no state and are left out. */
export async function usageStates(ctx: VolumeContext, uuid: VdiUuid): Promise<Map<string, boolean>> {
  const out = new Map<string, boolean>();
  for (const r of await volumeResources(ctx, uuid)) if (r.state?.in_use !== undefined) out.set(r.node_name, r.state.in_use);
  return out;
}

/** Nodes with an UpToDate replica, and the node where the volume is open (`find_up_to_date_diskful_nodes`). */
export async function upToDateDiskfulNodes(ctx: VolumeContext, uuid: VdiUuid): Promise<{ nodes: string[]; inUseOn: string | undefined }> {
  const nodes: string[] = [];
  let inUseOn: string | undefined;
  for (const r of await volumeResources(ctx, uuid)) {
    if (r.state?.in_use) inUseOn = r.node_name;
    if ((r.volumes ?? []).some((v) => v.state?.disk_state === 'UpToDate')) nodes.push(r.node_name);
  }
  return { nodes: nodes.sort(), inUseOn };
}

/**
 * Makes the device of `uuid` exist on `node`: a diskless resource unless one is already there (on-demand
 * diskless creation). Returns whether a resource was created.
 */
export async function makeAvailable(ctx: VolumeContext, uuid: VdiUuid, node: string): Promise<boolean> {
  return (await makeAllAvailable(ctx, [uuid], node)).length > 0;
}

/** {@link makeAvailable} for several volumes, checked against one resource view; returns those created. */
export async function makeAllAvailable(ctx: VolumeContext, uuids: readonly VdiUuid[], node: string): Promise<VdiUuid[]> {
  const missing: VdiUuid[] = [];
  for (const uuid of uuids) {
    requireVolume(ctx, uuid);
    if (!(await volumeResources(ctx, uuid)).some((r) => r.node_name.toUpperCase() === node.toUpperCase())) missing.push(uuid);
  }
  for (const uuid of missing) {
    const name = requireVolume(ctx, uuid);
    try {
      await ctx.linstor.resources.makeAvailable(name, node, { diskful: false });
    } finally {
      markResourceStale(ctx, name);
    }
    ctx.log.info('diskless resource made available', { vdi: uuid, resource: name, node });
  }
  return missing;
}

/**
 * Deletes the resource of `uuid` on `node` if it is a plain diskless (slave detach hygiene). A
 * tie-breaker or a replica is kept. Returns whether a resource was deleted.
 */
export async function removeIfDiskless(ctx: VolumeContext, uuid: VdiUuid, node: string): Promise<boolean> {
  const name = requireVolume(ctx, uuid);
  const resource = (await volumeResources(ctx, uuid)).find((r) => r.node_name.toUpperCase() === node.toUpperCase());
  const flags = resource?.flags ?? [];
  if (!resource || flags.includes('TIE_BREAKER') || !flags.includes('DISKLESS')) return false;
  try {
    await ctx.linstor.resources.delete(name, resource.node_name);
  } finally {
    invalidateResources(ctx);
  }
  ctx.log.info('diskless resource removed', { vdi: uuid, resource: name, node });
  return true;
}
