/**
 * Size math between SMAPI/VHD bytes and LINSTOR KiB (spec/sm-linstor.md §3.7), and the per-volume sizes
 * read from the resource view. Units are in the names: LINSTOR speaks KiB, everything above bytes.
 */
import { drbdUsableSizeKib, type ResourceWithVolumes } from '../linstor/index.js';

/** Volumes are rounded to 512-byte sectors (LVM extent alignment is LINSTOR's business). */
export const BLOCK_SIZE = 512;

/** Up to a multiple of 512 bytes. */
export function roundUpVolumeSize(sizeBytes: number): number {
  return Math.ceil(sizeBytes / BLOCK_SIZE) * BLOCK_SIZE;
}

/** Down to a multiple of 512 bytes. */
export function roundDownVolumeSize(sizeBytes: number): number {
  return Math.floor(sizeBytes / BLOCK_SIZE) * BLOCK_SIZE;
}

/**
 * The `size_kib` to ask LINSTOR for `sizeBytes`: rounded up, never down (the Python resize floors,
 * which can lose up to 512 bytes of a VHD footer; §9).
 */
export function volumeSizeKib(sizeBytes: number): number {
  return Math.ceil(roundUpVolumeSize(sizeBytes) / 1024);
}

/** KiB as LINSTOR reports them, in bytes. */
export function kibToBytes(sizeKib: number): number {
  return sizeKib * 1024;
}

/** What the resource view says about one volume (`VolumeInfo` of the Python driver). */
export type VolumeSizes = {
  /** Largest allocation over the diskful replicas in the SR pool (thin: what is written). */
  readonly allocatedBytes: number;
  /** Smallest positive DRBD usable size over the replicas in the SR pool: what a VHD may fill. */
  readonly usableBytes: number;
  /** Nodes holding a replica (no DISKLESS flag). */
  readonly diskfulNodes: readonly string[];
};

/**
 * Sizes of volume 0 from its resources. Every replica is checked (the Python code checked only the last
 * one, §9); undefined when no replica in `storagePool` reports a positive usable size.
 */
export function volumeSizes(resources: readonly ResourceWithVolumes[], storagePool: string): VolumeSizes | undefined {
  let allocatedKib = 0;
  let usableKib = Number.POSITIVE_INFINITY;
  const diskfulNodes: string[] = [];
  for (const r of resources) {
    if (!(r.flags ?? []).includes('DISKLESS')) diskfulNodes.push(r.node_name);
    for (const v of r.volumes ?? []) {
      if ((v.volume_number ?? 0) !== 0 || (v.storage_pool_name ?? '').toUpperCase() !== storagePool.toUpperCase()) continue;
      allocatedKib = Math.max(allocatedKib, v.allocated_size_kib ?? 0);
      const usable = drbdUsableSizeKib(v) ?? 0;
      if (usable > 0) usableKib = Math.min(usableKib, usable);
    }
  }
  if (!Number.isFinite(usableKib)) return undefined;
  return { allocatedBytes: kibToBytes(allocatedKib), usableBytes: kibToBytes(usableKib), diskfulNodes: diskfulNodes.sort() };
}
