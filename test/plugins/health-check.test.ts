import test from 'ava';
import { setHostPower } from '../../sim/pool/failover.js';
import { tool } from '../../sim/fixtures/host-tool.js';
import { seedVolume } from '../e2e/sr-helpers.js';
import { createSr, THICK, THIN } from '../../sim/fixtures/sr-create.js';
import { startFixture } from '../../sim/fixtures/pool-session.js';
import { callPlugin } from '../../sim/fixtures/plugin.js';

type Report = {
  'controller-uri': string;
  nodes: Record<string, string>;
  'storage-pools': Record<string, { name: string; 'free-size': number; capacity: number }[]>;
  resources: Record<string, { uuid: string; nodes: Record<string, { diskful: boolean; 'in-use': boolean; volumes: { 'disk-state': string; 'usable-size': number }[] }> }>;
  errors: ({ code: number } & Record<string, unknown>)[];
};

const VDI = '11111111-2222-4333-8444-555555555555';

test('healthCheck: a healthy SR, then a degraded replica and an offline node, then no controller', async (t) => {
  t.timeout(10 * 60_000);
  const f = await startFixture(t, 3);
  await createSr(f, THIN);
  await seedVolume(f.pool, THIN['group-name'], VDI, 64 << 20, { type: 'user', vdi_type: 'aio', name_label: 'disk' });
  const check = async (host = 'host1') => JSON.parse(await callPlugin(f.pool, host, 'healthCheck', { groupName: THIN['group-name'] })) as Report;

  const healthy = await check();
  t.deepEqual(healthy.errors, []);
  const controllerHost = f.pool.runtime.controller.runningOn!;
  t.is(healthy['controller-uri'], `linstor://${f.pool.spec.hosts.find((h) => h.name === controllerHost)!.address}`, 'an address, never localhost');
  t.deepEqual(healthy.nodes, { host1: 'ONLINE', host2: 'ONLINE', host3: 'ONLINE' });
  const pools = healthy['storage-pools']['host1']!;
  t.is(pools[0]!.name, 'xcp-sr-linstor_group_thin_device');
  t.is(pools[0]!.capacity, 10 * 2 ** 30, 'bytes');
  t.true(pools[0]!['free-size'] > 0 && pools[0]!['free-size'] <= pools[0]!.capacity);
  const [rd, volume] = Object.entries(healthy.resources).find(([, r]) => r.uuid === VDI)!;
  t.regex(rd, /^xcp-volume-/);
  const diskful = Object.entries(volume.nodes).filter(([, n]) => n.diskful).map(([name]) => name).sort();
  t.is(diskful.length, 2, 'redundancy 2');
  t.true(Object.values(volume.nodes).every((n) => n.volumes[0]!['disk-state'] === 'UpToDate' && n.volumes[0]!['usable-size'] >= 64 << 20));
  t.truthy(healthy.resources['xcp-persistent-database'], 'the database is reported too');

  // One replica Inconsistent; a host without the controller powered off.
  const sim = f.pool.runtime.controller.sim!;
  await sim.setResourceState(rd, diskful[0]!, { diskState: 'Inconsistent' });
  const down = ['host2', 'host3'].find((h) => h !== controllerHost)!;
  await setHostPower(f.pool.runtime, f.pool.xapi, down, false);
  const degraded = await check();
  t.is(degraded.nodes[down], 'OFFLINE');
  // The entries carry the Python plugin's field names.
  t.deepEqual(degraded.errors.find((e) => e.code === 0x1020000), { code: 0x1020000, name: down, status: 'OFFLINE' }, 'NODE_NOT_ONLINE (warning)');
  if (diskful[0] !== down) {
    t.deepEqual(degraded.errors.find((e) => e.code === 0x2040001), { code: 0x2040001, node: diskful[0], resource: rd, number: 0, state: 'Inconsistent' }, 'VOLUME_INVALID_STATE (error)');
  }
  const unknown = degraded.errors.find((e) => e.code === 0x1040000 && e['node'] === down);
  t.deepEqual(unknown, { code: 0x1040000, node: down, resource: unknown?.['resource'], number: 0 }, 'the offline node\'s replicas are in an unknown state (no state field)');
  await setHostPower(f.pool.runtime, f.pool.xapi, down, true);

  // No controller anywhere: the report says so instead of failing.
  for (const h of ['host1', 'host2', 'host3']) await tool(f.pool, h, 'systemctl', ['stop', 'drbd-reactor']);
  t.is(f.pool.runtime.controller.runningOn, undefined);
  const unreachable = await check();
  t.is(unreachable.errors.length, 1);
  t.is(unreachable.errors[0]!.code, 0x2010001, 'GENERIC_LINSTOR_UNREACHABLE');
  t.regex(String(unreachable.errors[0]!['message']), /no LINSTOR controller found/);
  t.deepEqual(unreachable.nodes, {});
});

test('healthCheck: a nearly full storage pool is STORAGE_POOL_LOW_FREE_SIZE with the pool name and the threshold, as the Python plugin reports it', async (t) => {
  t.timeout(5 * 60_000);
  const f = await startFixture(t, 2);
  await createSr(f, THICK);
  await seedVolume(f.pool, THICK['group-name'], VDI, 8.9 * 2 ** 30, { type: 'user', vdi_type: 'aio', name_label: 'big' });
  const report = JSON.parse(await callPlugin(f.pool, 'host1', 'healthCheck', { groupName: THICK['group-name'] })) as Report;
  const low = report.errors.filter((e) => e.code === 0x1030002);
  t.is(low.length, 2, JSON.stringify(report.errors));
  for (const e of low) t.deepEqual(e, { code: 0x1030002, name: 'xcp-sr-linstor_group', threshold: 10 });
});
