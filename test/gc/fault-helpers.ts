/**
 * Helpers of the collector's fault tests (faults.test.ts): what a run leaves behind (journal keys,
 * LINSTOR definitions the KV no longer names, raw device bytes), a storage pool filled up to a chosen
 * free space, and the sequence of LINSTOR requests a run sends (to aim the controller's failure at one
 * step of a coalesce).
 */
import { createHash } from 'node:crypto';
import { open, readFile } from 'node:fs/promises';
import { hostPath } from '../../lib/host/env.js';
import { queryVhd } from '../../lib/vhd/index.js';
import { asVdiUuid, srNames } from '../../lib/volume/index.js';
import type { LinstorSim } from '../../sim/linstor/simulator.js';
import { openVolumes } from '../../sim/fixtures/volumes.js';
import type { SrOnPool } from '../../sim/fixtures/sr.js';

/** The collector's journal keys left in the SR's KV (`coalesce/`, `relink/`, `inflate/`, `leaf/`). */
export async function journalKeys(fx: SrOnPool): Promise<string[]> {
  const kv = srNames(fx.groupName).kv;
  return Object.keys(await fx.linstor.keyValueStore.props(kv)).filter((k) => k.includes('journal/'));
}

/** Resource definitions of the SR's volumes that the KV no longer names (space nothing will free). */
export async function leakedDefinitions(fx: SrOnPool): Promise<string[]> {
  const volumes = await openVolumes(fx);
  const named = new Set<string>(volumes.volumeNames().values());
  return [...(await volumes.resourceDefinitions()).keys()].filter((rd) => rd.startsWith('xcp-volume-') && !named.has(rd));
}

/** The VHD parent of each of `uuids` that still exists (undefined for a base); RAW volumes are left out. */
export async function parentsOf(fx: SrOnPool, uuids: readonly string[]): Promise<Map<string, string | undefined>> {
  const root = fx.pool.runtime.host('host1').spec.root;
  const volumes = await openVolumes(fx);
  const out = new Map<string, string | undefined>();
  for (const uuid of uuids.map(asVdiUuid)) {
    if (!volumes.has(uuid)) continue;
    const info = await queryVhd({ root }, volumes.devicePath(uuid));
    out.set(uuid, info.parentPath === undefined ? undefined : volumes.vdiUuidFromDevicePath(info.parentPath));
  }
  return out;
}

/** sha256 of the whole device of `uuid` on host1 (a volume whose chain cannot be read is compared raw). */
export async function rawHash(fx: SrOnPool, uuid: string): Promise<string> {
  const volumes = await openVolumes(fx);
  const device = hostPath(fx.pool.runtime.host('host1').spec.root, volumes.devicePath(asVdiUuid(uuid)));
  return createHash('sha256').update(await readFile(device)).digest('hex');
}

/** The smallest free space (bytes) among the SR's storage pools, as LINSTOR reports it. */
export async function poolFreeBytes(fx: SrOnPool): Promise<number> {
  const name = srNames(fx.groupName).storagePool;
  const pools = (await fx.linstor.storagePools.view()).filter((p) => p.storage_pool_name === name && p.free_capacity !== undefined);
  if (pools.length === 0) throw new Error(`no storage pool ${name} reports its free space`);
  return Math.min(...pools.map((p) => p.free_capacity ?? 0)) * 1024;
}

/**
 * Fills the SR's storage pools until `leaveBytes` are free: a RAW volume (which the collector never
 * reads or merges) whose device is written through, so that a thin pool counts it as allocated.
 */
export async function fillPool(fx: SrOnPool, uuid: string, leaveBytes: number): Promise<void> {
  const fill = (await poolFreeBytes(fx)) - leaveBytes;
  if (fill <= 0) throw new Error(`the pools have less than ${leaveBytes} bytes free already`);
  const volumes = await openVolumes(fx);
  const vdi = asVdiUuid(uuid);
  await volumes.create(vdi, fill);
  await volumes.setMetadata(vdi, { name_label: 'filler', name_description: '', type: 'user', vdi_type: 'aio', read_only: false, is_a_snapshot: false, snapshot_of: '', snapshot_time: '', metadata_of_pool: '' });
  const root = fx.pool.runtime.host('host1').spec.root;
  const device = await open(hostPath(root, await volumes.localDevicePath(vdi, 'host1', root)), 'r+');
  try {
    const chunk = Buffer.alloc(8 << 20, 0x5a);
    for (let at = 0; at < fill; at += chunk.length) await device.write(chunk, 0, Math.min(chunk.length, fill - at), at);
  } finally {
    await device.close();
  }
}

/** Records the `METHOD route` of every LINSTOR request the simulator counts until `stop()`. */
export function recordRequests(sim: LinstorSim): { readonly requests: string[]; stop(): void } {
  const requests: string[] = [];
  const controls = sim.controls;
  const count = controls.count.bind(controls);
  // The server calls controls.count once per LINSTOR request, in arrival order.
  controls.count = (method: string, route: string) => {
    requests.push(`${method} ${route}`);
    return count(method, route);
  };
  return {
    requests,
    stop: () => {
      controls.count = count;
    },
  };
}
