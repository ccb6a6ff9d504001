/**
 * Storage pool capacity. Every node with a disk has one LVM volume group (`linstor_group`, holding
 * the thin pool `thin_device`) of `--disk-size`; all its pools share that disk. Thick volumes take
 * their full size plus DRBD metadata, rounded to the 4 MiB LVM extent; thin volumes take what their
 * backing file has allocated. The autoplacer lets thin pools be oversubscribed by LINSTOR's default
 * ratio.
 */
import type { SimContext } from './context.js';
import { MAX_OVERSUBSCRIPTION_RATIO, poolKey, type SimStoragePool } from './model.js';

const EXTENT_KIB = 4096;

/** Internal DRBD metadata of a volume: superblock and activity log plus one bitmap per peer slot. */
export function drbdMetadataKib(sizeKib: number, peerSlots: number): number {
  return 36 + Math.ceil((sizeKib * peerSlots) / 32768 / 4) * 4;
}

/** KiB a thick LV of a volume of `sizeKib` occupies. */
export function thickAllocatedKib(sizeKib: number, peerSlots: number): number {
  return Math.ceil((sizeKib + drbdMetadataKib(sizeKib, peerSlots)) / EXTENT_KIB) * EXTENT_KIB;
}

/** True for pools that hold data (not DISKLESS, not broken). */
export function isDataPool(pool: SimStoragePool): boolean {
  return pool.provider !== 'DISKLESS' && pool.configError === undefined;
}

/** Total and free KiB of a pool; undefined for DISKLESS or broken pools. */
export function poolCapacity(ctx: SimContext, pool: SimStoragePool): { totalKib: number; freeKib: number } | undefined {
  if (!isDataPool(pool)) return undefined;
  const node = ctx.store.state.nodes[pool.node.toUpperCase()];
  if (!node?.disk) return undefined;
  const used = usedOnNodeKib(ctx, pool.node);
  return { totalKib: node.disk.sizeKib, freeKib: Math.max(0, node.disk.sizeKib - used) };
}

/** KiB used on the node's disk by every diskful volume of every pool. */
export function usedOnNodeKib(ctx: SimContext, node: string): number {
  const { state } = ctx.store;
  let used = 0;
  for (const rd of Object.values(state.resourceDefinitions)) {
    const r = rd.resources[node.toUpperCase()];
    if (!r || r.flags.includes('DISKLESS')) continue;
    const pool = state.storagePools[poolKey(node, r.storagePool)];
    for (const vd of rd.vds) {
      used += pool?.provider === 'LVM_THIN' ? ctx.satellites.allocatedKib(rd.name, vd.number) : thickAllocatedKib(vd.sizeKib, rd.peerSlots);
    }
  }
  return used;
}

/** KiB a pool can accept for a new volume of `sizeKib` (thin pools: free × oversubscription ratio). */
export function placeableKib(ctx: SimContext, pool: SimStoragePool): number {
  const cap = poolCapacity(ctx, pool);
  if (!cap) return 0;
  return pool.provider === 'LVM_THIN' ? cap.freeKib * MAX_OVERSUBSCRIPTION_RATIO : cap.freeKib;
}

/** True when a volume of `sizeKib` (or a growth of that much) fits in the pool. */
export function fits(ctx: SimContext, pool: SimStoragePool, sizeKib: number, peerSlots: number): boolean {
  const need = pool.provider === 'LVM_THIN' ? sizeKib : thickAllocatedKib(sizeKib, peerSlots);
  return placeableKib(ctx, pool) >= need;
}

/** True when a volume in the pool can grow from `oldKib` to `newKib`. */
export function canGrow(ctx: SimContext, pool: SimStoragePool, oldKib: number, newKib: number, peerSlots: number): boolean {
  if (pool.provider === 'LVM_THIN') return placeableKib(ctx, pool) >= newKib - oldKib;
  const cap = poolCapacity(ctx, pool);
  return cap !== undefined && cap.freeKib >= thickAllocatedKib(newKib, peerSlots) - thickAllocatedKib(oldKib, peerSlots);
}
