import test from 'ava';
import { callPlugin } from '../../sim/fixtures/plugin.js';
import { seedVolume } from '../e2e/sr-helpers.js';
import { createSr, THIN } from '../../sim/fixtures/sr-create.js';
import { linstorOf } from '../../sim/fixtures/linstor.js';
import { startFixture } from '../../sim/fixtures/pool-session.js';

const VDI = '22222222-3333-4444-8555-666666666666';
const group = THIN['group-name'];

test('removeHost refuses to lose the last UpToDate replica or the controller, then removes; addHost brings the host back', async (t) => {
  t.timeout(10 * 60_000);
  const f = await startFixture(t, 3);
  const sr = await createSr(f, THIN);
  await seedVolume(f.pool, group, VDI, 32 << 20, { type: 'user', vdi_type: 'aio', name_label: 'data' });
  const linstor = linstorOf(f.pool);
  const controller = f.pool.runtime.controller.runningOn!;
  const replicas = (await linstor.resources.view()).filter((r) => r.name.startsWith('xcp-volume-') && !(r.flags ?? []).some((x) => x.includes('DISKLESS')));
  const leaving = replicas.map((r) => r.node_name).find((n) => n !== controller)!;
  const other = replicas.map((r) => r.node_name).find((n) => n !== leaving)!;
  const rd = replicas[0]!.name;
  const pbdOf = async (host: string) => Object.entries(await f.xapi.pbd.recordsOfSr(sr)).find(([, p]) => p.host === f.pool.xapi.host(host).ref);

  // The other replica is Outdated: the leaving host holds the last UpToDate copy.
  await f.pool.runtime.controller.sim!.setResourceState(rd, other, { diskState: 'Outdated' });
  await t.throwsAsync(callPlugin(f.pool, leaving, 'removeHost', { groupName: group }), {
    message: new RegExp(`-1.*Cannot remove host ${leaving}: it holds the last UpToDate replica of ${rd} \\(VDI ${VDI}\\)`),
  });
  t.true((await linstor.nodes.list()).some((n) => n.name === leaving), 'nothing done: the node stays');
  t.true((await pbdOf(leaving))?.[1].currently_attached, 'nothing done: the PBD stays plugged');
  await f.pool.runtime.controller.sim!.setResourceState(rd, other, { diskState: 'UpToDate' });

  await t.throwsAsync(callPlugin(f.pool, controller, 'removeHost', { groupName: group }), { message: /the LINSTOR controller runs on it/ });
  await t.throwsAsync(callPlugin(f.pool, leaving, 'removeHost', { groupName: 'no_such_vg' }), { message: /no LINSTOR SR with group-name 'no_such_vg'/ });

  t.is(await callPlugin(f.pool, leaving, 'removeHost', { groupName: group }), 'True');
  t.false((await linstor.nodes.list()).some((n) => n.name === leaving), 'node deleted');
  t.is(await pbdOf(leaving), undefined, 'PBD destroyed');
  const h = f.pool.runtime.host(leaving);
  t.false(h.unit('linstor-satellite').active);
  t.false(h.unit('drbd-reactor').enabled);
  t.is(h.firewallPorts.size, 0, 'ports closed');
  t.true((await linstor.resources.view()).some((r) => r.name === rd && r.node_name === other), 'the volume keeps its other replica');

  // addHost failing half-way (LINSTOR refuses the storage pool) undoes what it did.
  const controls = f.pool.runtime.controller.sim!.controls;
  controls.addFault({ method: 'POST', path: `/v1/nodes/${leaving}/storage-pools`, status: 500, message: 'disk on fire' });
  await t.throwsAsync(callPlugin(f.pool, leaving, 'addHost', { groupName: group }), { message: /-1.*disk on fire/ });
  t.false((await linstor.nodes.list()).some((n) => n.name === leaving), 'the node made by the failed call is gone');
  t.is(await pbdOf(leaving), undefined, 'no PBD');
  t.false(h.unit('linstor-satellite').active || h.unit('drbd-reactor').enabled, 'services stopped again');
  controls.clearFaults();

  // The other hosts' device-config says monitor-db-quorum: the new PBD must say the same (§9).
  for (const [ref, p] of Object.entries(await f.xapi.pbd.recordsOfSr(sr))) f.pool.xapi.db.set('PBD', ref, { device_config: { ...p.device_config, 'monitor-db-quorum': 'False' } });
  t.is(await callPlugin(f.pool, leaving, 'addHost', { groupName: group }), 'True');
  const node = (await linstor.nodes.list()).find((n) => n.name === leaving);
  t.is(node?.connection_status, 'ONLINE');
  t.is(node?.net_interfaces?.[0]?.address, f.pool.spec.hosts.find((x) => x.name === leaving)!.address);
  const pools = await linstor.storagePools.view({ nodes: [leaving] });
  t.true(pools.some((p) => p.storage_pool_name === 'xcp-sr-linstor_group_thin_device' && p.provider_kind === 'LVM_THIN'), 'the SR storage pool is made on the new node');
  const [, pbd] = (await pbdOf(leaving))!;
  t.deepEqual(pbd.device_config, { 'group-name': group, redundancy: '2', provisioning: 'thin', 'monitor-db-quorum': 'False' });
  t.true(pbd.currently_attached);
  t.true(h.unit('drbd-reactor').enabled && h.unit('linstor-satellite').active);

  t.is(await callPlugin(f.pool, leaving, 'addHost', { groupName: group }), 'True', 'again: nothing to do');
  t.is(Object.keys(await f.xapi.pbd.recordsOfSr(sr)).length, 3, 'no second PBD');
  await linstor.close();
});
