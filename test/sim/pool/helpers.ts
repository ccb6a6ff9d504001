import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createLinstorClient, type LinstorApi } from '../../../lib/linstor/index.js';
import { tool } from '../../../sim/fixtures/host-tool.js';
import { startPool, type SimPool } from '../../../sim/pool/pool.js';

/** A pool in a fresh temporary folder; closed by the test's teardown. */
export async function tmpPool(t: { teardown(fn: () => Promise<void>): void }, hosts = 3, extra: { diskless?: string[]; ha?: boolean } = {}): Promise<SimPool> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'pool-'));
  const pool = await startPool({ dir, hosts, diskSizeGiB: 10, ...extra });
  t.teardown(() => pool.close());
  return pool;
}

/** Starts the controller on `host` (systemctl), and returns a client for it. */
export async function controllerOn(pool: SimPool, host: string): Promise<LinstorApi> {
  const r = await tool(pool, host, 'systemctl', ['start', 'linstor-controller']);
  if (r.exitCode !== 0) throw new Error(r.stderr);
  return createLinstorClient({ controllers: [pool.runtime.controller.url()!] });
}

/** Nodes, thin storage pools, and one resource `rd` of `sizeKib` on `diskful` nodes (+ diskless on `diskless`). */
export async function seedResource(api: LinstorApi, pool: SimPool, rd: string, diskful: string[], diskless: string[] = [], sizeKib = 8192): Promise<void> {
  for (const h of pool.spec.hosts) {
    await api.nodes.create({ name: h.name, type: 'Combined', net_interfaces: [{ name: 'default', address: h.address }] }).catch(() => undefined);
    if (!h.diskless) {
      await api.storagePools
        .create(h.name, { storage_pool_name: 'xcp-sr-linstor_group_thin_device', provider_kind: 'LVM_THIN', props: { 'StorDriver/LvmVg': 'linstor_group', 'StorDriver/ThinPool': 'thin_device' } })
        .catch(() => undefined);
    }
  }
  await api.resourceDefinitions.create({ resource_definition: { name: rd } });
  await api.volumeDefinitions.create(rd, { volume_definition: { size_kib: sizeKib } });
  for (const n of diskful) await api.resources.createOn(rd, n, { resource: { props: { StorPoolName: 'xcp-sr-linstor_group_thin_device' } } });
  for (const n of diskless) await api.resources.createOn(rd, n, { resource: { flags: ['DRBD_DISKLESS'] } });
}
