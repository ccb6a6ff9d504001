import test from 'ava';
import { createSr, THIN } from '../../sim/fixtures/sr-create.js';
import { linstorOf } from '../../sim/fixtures/linstor.js';
import { startFixture } from '../../sim/fixtures/pool-session.js';
import { callPlugin } from '../../sim/fixtures/plugin.js';

const group = THIN['group-name'];

test('node interfaces: create from a PIF, list, prefer, modify, destroy — and clear refusals', async (t) => {
  t.timeout(10 * 60_000);
  const f = await startFixture(t, 2);
  await createSr(f, THIN);
  const db = f.pool.xapi.db;
  const host2 = f.pool.xapi.host('host2').ref;
  const pifs = db.refsWhere('PIF', (r) => r['host'] === host2);
  const storage = pifs.find((p) => db.str('PIF', p, 'device') === 'eth1')!;
  const management = pifs.find((p) => db.str('PIF', p, 'device') === 'eth0')!;
  const storageIp = db.str('PIF', storage, 'IP');
  const call = (fn: string, args: Record<string, string>) => callPlugin(f.pool, 'host1', fn, { groupName: group, ...args });

  t.is(await call('createNodeInterface', { hostname: 'host2', name: 'storage', pifUuid: db.str('PIF', storage, 'uuid') }), 'True');
  const list = JSON.parse(await call('listNodeInterfaces', { hostname: 'host2' })) as Record<string, { address: string; active: boolean }>;
  t.deepEqual(Object.keys(list).sort(), ['default', 'storage']);
  t.is(list['storage']!.address, storageIp);
  t.is(list['default']!.address, f.pool.spec.hosts[1]!.address);

  t.is(await call('getNodePreferredInterface', { hostname: 'host2' }), 'default');
  t.is(await call('setNodePreferredInterface', { hostname: 'host2', name: 'storage' }), 'True');
  t.is(await call('getNodePreferredInterface', { hostname: 'host2' }), 'storage');
  const linstor = linstorOf(f.pool);
  t.is((await linstor.nodes.get('host2')).props?.['PrefNic'], 'storage', 'PrefNic is the node property LINSTOR reads');

  // modify: an existing name is updated in place (FAIL_EXISTS_NET_IF → PUT), a new one is created.
  t.is(await call('modifyNodeInterface', { hostname: 'host2', name: 'storage', pifUuid: db.str('PIF', management, 'uuid') }), 'True');
  t.is((await linstor.nodes.listNetInterfaces('host2')).find((n) => n.name === 'storage')?.address, f.pool.spec.hosts[1]!.address);
  t.is(await call('modifyNodeInterface', { hostname: 'host2', name: 'backup', pifUuid: db.str('PIF', storage, 'uuid') }), 'True');
  t.is((await linstor.nodes.listNetInterfaces('host2')).length, 3);

  t.is(await call('destroyNodeInterface', { hostname: 'host2', name: 'backup' }), 'True');
  t.deepEqual(Object.keys(JSON.parse(await call('listNodeInterfaces', { hostname: 'host2' }))).sort(), ['default', 'storage']);

  // Refusals: each a Failure -1 naming the problem, and nothing changed.
  await t.throwsAsync(call('destroyNodeInterface', { hostname: 'host2', name: 'default' }), { message: /-1.*Cannot destroy 'default' interface/ });
  await t.throwsAsync(call('destroyNodeInterface', { hostname: 'host2', name: 'nope' }), { message: /no interface 'nope' on node 'host2'/ });
  await t.throwsAsync(call('listNodeInterfaces', { hostname: 'host9' }), { message: /no LINSTOR node named 'host9'/ });
  await t.throwsAsync(call('getNodePreferredInterface', { hostname: 'host9' }), { message: /no LINSTOR node named 'host9'/ });
  await t.throwsAsync(call('setNodePreferredInterface', { hostname: 'host2', name: 'nope' }), { message: /no interface 'nope'/ });
  await t.throwsAsync(call('createNodeInterface', { hostname: 'host2', name: 'x', pifUuid: 'not-a-pif' }), { message: /-1/ });
  db.set('PIF', storage, { IP: '' });
  await t.throwsAsync(call('createNodeInterface', { hostname: 'host2', name: 'x', pifUuid: db.str('PIF', storage, 'uuid') }), { message: /has no IP address/ });
  db.set('PIF', storage, { IP: storageIp, currently_attached: false });
  await t.throwsAsync(call('createNodeInterface', { hostname: 'host2', name: 'x', pifUuid: db.str('PIF', storage, 'uuid') }), { message: /is not plugged/ });
  t.deepEqual(Object.keys(JSON.parse(await call('listNodeInterfaces', { hostname: 'host2' }))).sort(), ['default', 'storage'], 'nothing half-done');
  t.is(await call('getNodePreferredInterface', { hostname: 'host2' }), 'storage');
  await linstor.close();
});
