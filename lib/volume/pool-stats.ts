/**
 * SR capacity from LINSTOR (spec/sm-linstor.md §3.7): the storage pool view for physical size and
 * utilisation, `query-max-volume-size` for the largest volume that still fits, and the allocation of
 * every volume counted once (not per replica).
 */
import type { VolumeContext } from './context.js';
import { kibToBytes, roundDownVolumeSize } from './sizes.js';
import { resourcesByName, srResourceDefinitions, srStoragePools } from './views.js';

/** Capacity of the SR pool over every node that has it. */
export type PoolStats = {
  /** Sum of `total_capacity` (bytes) over the pools that report it. */
  readonly physicalSizeBytes: number;
  /** Sum of `free_capacity` (bytes). */
  readonly physicalFreeBytes: number;
  /** `physicalSize - physicalFree`. */
  readonly physicalUtilisationBytes: number;
  /** Pools reporting capacity (diskless-only nodes have none). */
  readonly poolCount: number;
  /** The smallest pool (bytes), 0 without pools: with redundancy it bounds what the SR can hold. */
  readonly minPoolSizeBytes: number;
};

/** Statistics of the SR storage pool (one cached `GET /v1/view/storage-pools`). */
export async function poolStats(ctx: VolumeContext): Promise<PoolStats> {
  let total = 0;
  let free = 0;
  let count = 0;
  let min = Number.POSITIVE_INFINITY;
  for (const pool of await srStoragePools(ctx)) {
    if (pool.provider_kind === 'DISKLESS' || pool.total_capacity === undefined || pool.free_capacity === undefined) continue;
    count += 1;
    total += pool.total_capacity;
    free += pool.free_capacity;
    min = Math.min(min, pool.total_capacity);
  }
  return {
    physicalSizeBytes: kibToBytes(total),
    physicalFreeBytes: kibToBytes(free),
    physicalUtilisationBytes: kibToBytes(total - free),
    poolCount: count,
    minPoolSizeBytes: count === 0 ? 0 : kibToBytes(min),
  };
}

/** The largest volume LINSTOR can still place with the SR redundancy (bytes, 512-aligned; 0 when none). */
export async function maxVolumeSizeBytes(ctx: VolumeContext): Promise<number> {
  const sizes = await ctx.linstor.resourceGroups.queryMaxVolumeSize(ctx.names.resourceGroup);
  return roundDownVolumeSize(kibToBytes(sizes.candidates?.[0]?.max_volume_size_kib ?? 0));
}

/** Space the SR's volumes take: per definition the largest replica allocation, summed (bytes). */
export async function allocatedVolumesBytes(ctx: VolumeContext): Promise<number> {
  const [definitions, resources] = await Promise.all([srResourceDefinitions(ctx), resourcesByName(ctx)]);
  let totalKib = 0;
  for (const name of definitions.keys()) {
    const perVolume = new Map<number, number>();
    for (const r of resources.get(name) ?? []) {
      for (const v of r.volumes ?? []) {
        const n = v.volume_number ?? 0;
        perVolume.set(n, Math.max(perVolume.get(n) ?? 0, v.allocated_size_kib ?? 0));
      }
    }
    for (const kib of perVolume.values()) totalKib += kib;
  }
  return kibToBytes(totalKib);
}
