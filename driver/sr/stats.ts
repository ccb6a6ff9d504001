/**
 * The SR sizes xapi shows (spec/sm-linstor.md §2.6): physical size = the smallest pool × pool count ÷
 * redundancy (what the SR can hold with every volume replicated), physical utilisation = the space the
 * volumes take, each counted once. sr_scan and sr_update write them; sr_update also the virtual allocation.
 */
import type { VolumeManager } from '../../lib/volume/index.js';
import type { Ref, Xapi } from '../../lib/xapi/index.js';

export type SrSizes = { readonly physicalSize: number; readonly physicalUtilisation: number };

/** Computes the SR sizes from the manager's (cached) pool and resource views. */
export async function srSizes(volumes: VolumeManager): Promise<SrSizes> {
  const [stats, allocated] = await Promise.all([volumes.poolStats(), volumes.allocatedVolumesBytes()]);
  const physicalSize = Math.floor((stats.minPoolSizeBytes * stats.poolCount) / Math.max(1, await volumes.redundancy()));
  return { physicalSize, physicalUtilisation: allocated };
}

/** Writes the physical size and utilisation of `sr` (SM-session calls). */
export async function updatePhysicalSize(xapi: Xapi, sr: Ref, volumes: VolumeManager): Promise<SrSizes> {
  const sizes = await srSizes(volumes);
  await xapi.sr.setPhysicalSize(sr, sizes.physicalSize);
  await xapi.sr.setPhysicalUtilisation(sr, sizes.physicalUtilisation);
  return sizes;
}

/** `_update_stats(delta)`: virtual allocation moved by `delta`, then the physical sizes. */
export async function updateStats(xapi: Xapi, sr: Ref, volumes: VolumeManager, delta = 0): Promise<void> {
  const current = BigInt(await xapi.sr.get(sr, 'virtual_allocation'));
  await xapi.sr.setVirtualAllocation(sr, current + BigInt(delta));
  await updatePhysicalSize(xapi, sr, volumes);
}
