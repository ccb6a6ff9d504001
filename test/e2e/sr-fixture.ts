/**
 * A LINSTOR SR on a simulated pool, made the way sr_create leaves it (until the SR verbs land): the
 * controller started on host1, every host a node, the SR storage pool on each host with a disk, the
 * SR and HA resource groups with their volume groups, and XAPI's SR and plugged PBD records. VDI verbs
 * then run through XenAPI calls on the pool's TCP URL, executing the built driver as xapi does.
 */
import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createLinstorClient, type LinstorApi } from '../../lib/linstor/index.js';
import { srNames } from '../../lib/volume/index.js';
import { createXapi, type Xapi } from '../../lib/xapi/index.js';
import { startPool, type SimPool } from '../../sim/pool/pool.js';
import { tool } from '../sim/pool/helpers.js';

export type SrFixture = {
  readonly pool: SimPool;
  readonly xapi: Xapi;
  readonly linstor: LinstorApi;
  readonly srRef: string;
  readonly srUuid: string;
  readonly groupName: string;
  /** A halted VM with a VBD of `vdi`, started on `host`; returns the VM ref. */
  startVmWith(vdi: string, host: string, mode?: 'RW' | 'RO'): Promise<string>;
  /** Resource names → nodes (with a DISKLESS mark) as LINSTOR lists them now. */
  placement(): Promise<Map<string, string[]>>;
};

export type SrFixtureOptions = {
  hosts?: number;
  redundancy?: number;
  provisioning?: 'thin' | 'thick';
  diskGiB?: number;
  /** More device-config keys for every PBD (e.g. `preferred-image-formats`). */
  deviceConfig?: Record<string, string>;
  /** Hosts whose `linstor-manager` answers as the pre-2026 Python plugin (a mixed pool). */
  legacyPluginHosts?: string[];
};

export async function srFixture(t: { teardown(fn: () => Promise<void>): void }, options: SrFixtureOptions = {}): Promise<SrFixture> {
  const provisioning = options.provisioning ?? 'thin';
  const groupName = provisioning === 'thin' ? 'linstor_group/thin_device' : 'linstor_group';
  const redundancy = options.redundancy ?? 2;
  const dir = await mkdtemp(path.join(os.tmpdir(), 'vdi-'));
  const pool = await startPool({
    dir,
    hosts: options.hosts ?? 3,
    diskSizeGiB: options.diskGiB ?? 10,
    env: { LINSTOR_SR_TIME_SCALE: '0.01', LINSTOR_SR_GC: 'off' },
    ...(options.legacyPluginHosts ? { legacyPluginHosts: options.legacyPluginHosts } : {}),
  });
  t.teardown(() => pool.close());
  const started = await tool(pool, 'host1', 'systemctl', ['start', 'linstor-controller']);
  if (started.exitCode !== 0) throw new Error(started.stderr);
  const linstor = createLinstorClient({ controllers: [pool.runtime.controller.url()!] });
  const names = srNames(groupName);
  for (const h of pool.spec.hosts) {
    await linstor.nodes.create({ name: h.name, type: 'Combined', net_interfaces: [{ name: 'default', address: h.address }] });
    if (h.diskless) continue;
    await linstor.storagePools.create(h.name, {
      storage_pool_name: names.storagePool,
      provider_kind: provisioning === 'thin' ? 'LVM_THIN' : 'LVM',
      props: provisioning === 'thin' ? { 'StorDriver/LvmVg': 'linstor_group', 'StorDriver/ThinPool': 'thin_device' } : { 'StorDriver/LvmVg': 'linstor_group' },
    });
  }
  for (const [group, count] of [[names.resourceGroup, redundancy], [names.haResourceGroup, 3]] as const) {
    await linstor.resourceGroups.create({ name: group, select_filter: { place_count: count, storage_pool: names.storagePool, diskless_on_remaining: false } });
    await linstor.resourceGroups.createVolumeGroup(group);
  }
  const db = pool.xapi.db;
  const srRef = db.create('SR', { type: 'linstor', name_label: 'XOSTOR', shared: true, content_type: 'user', sm_config: {} });
  const deviceConfig = { ...options.deviceConfig, 'group-name': groupName, redundancy: String(redundancy), provisioning };
  for (const h of pool.xapi.hosts) db.create('PBD', { host: h.ref, SR: srRef, device_config: deviceConfig, currently_attached: true });
  const xapi = createXapi({ endpoint: { url: pool.xapiUrl! } });
  await xapi.client.loginWithPassword('root', '');
  t.teardown(async () => {
    await xapi.client.logout().catch(() => undefined);
  });
  return {
    pool,
    xapi,
    linstor,
    srRef,
    srUuid: db.str('SR', srRef, 'uuid'),
    groupName,
    async startVmWith(vdi, host, mode = 'RW') {
      const vm = await xapi.call<string>('VM.create', { name_label: `vm-${host}` });
      await xapi.call('VBD.create', { VM: vm, VDI: vdi, mode, type: 'Disk', userdevice: '0', bootable: false, empty: false, other_config: {} });
      await xapi.call('VM.start_on', vm, pool.xapi.host(host).ref, false, false);
      return vm;
    },
    async placement() {
      const out = new Map<string, string[]>();
      for (const r of await linstor.resources.view()) {
        const list = out.get(r.name) ?? [];
        list.push(`${r.node_name}${(r.flags ?? []).includes('DISKLESS') ? ':diskless' : ''}`);
        out.set(r.name, list.sort());
      }
      return out;
    },
  };
}
