// The simulator's LINSTOR rules: names, existence, autoplace, capacity, states, resize (linstor-rest.md §7.1).
import { LinstorApiError, LinstorHttp, LinstorNotFoundError, RC, retCodeCode, retCodeType } from '../../../lib/linstor/index.js';
import { addNodes, addSr, simTest, THICK_POOL, THIN_POOL } from './sim-env.js';

simTest('an invalid resource name is error 202 with HTTP 500, not 400', async (t, { client }) => {
  const error = await t.throwsAsync(client.resourceDefinitions.create({ resource_definition: { name: '1-bad' } }), { instanceOf: LinstorApiError });
  t.is(error.status, 500);
  t.is(error.retCodes[0]!.ret_code, -4611686018406940470n);
  const node = await t.throwsAsync(client.nodes.create({ name: 'bad_name', type: 'Combined', net_interfaces: [{ name: 'default', address: '1.2.3.4' }] }), { instanceOf: LinstorApiError });
  t.true(node.hasCode(RC.FAIL_INVLD_NODE_NAME));
});

simTest('names are case-insensitive: a second create in another case already exists, display case is kept', async (t, { client }) => {
  await client.resourceDefinitions.create({ resource_definition: { name: 'Res1' } });
  const error = await t.throwsAsync(client.resourceDefinitions.create({ resource_definition: { name: 'res1' } }), { instanceOf: LinstorApiError });
  t.true(error.hasCode(RC.FAIL_EXISTS_RSC_DFN));
  t.is((await client.resourceDefinitions.get('RES1')).name, 'Res1');
  await addNodes(client, ['n1']);
  const again = await t.throwsAsync(client.nodes.create({ name: 'N1', type: 'Satellite', net_interfaces: [{ name: 'default', address: '1.1.1.1' }] }), { instanceOf: LinstorApiError });
  t.is(again.retCodes[0]!.ret_code, -4611686018406678028n);
  t.is(again.retCodes[0]!.cause, "A node with the specified name 'N1' already exists.");
});

simTest('operations on missing objects answer 404 with the object\'s not-found code', async (t, { client }) => {
  const rsc = await t.throwsAsync(client.resources.createOn('nope', 'n1'), { instanceOf: LinstorNotFoundError });
  t.is(rsc.retCodes[0]!.ret_code, -4611686018407202515n, 'ERROR|CRT|RSC|301');
  const spawn = await t.throwsAsync(client.resourceGroups.spawn('no-group', { resource_definition_name: 'r1', volume_sizes: [4096] }), { instanceOf: LinstorNotFoundError });
  t.true(spawn.hasCode(RC.FAIL_NOT_FOUND_RSC_GRP));
  const kvs = await t.throwsAsync(client.volumeDefinitions.get('nope', 0), { instanceOf: LinstorNotFoundError });
  t.true(kvs.hasCode(RC.FAIL_NOT_FOUND_RSC_DFN));
  const pool = await t.throwsAsync(client.storagePools.create('ghost', { storage_pool_name: 'sp1', provider_kind: 'LVM' }), { instanceOf: LinstorNotFoundError });
  t.true(pool.hasCode(RC.FAIL_NOT_FOUND_NODE));
});

simTest('autoplace honours place_count and the storage pool, and fails with 996 when too few nodes qualify', async (t, { client }) => {
  await addSr(client, ['h1', 'h2', 'h3'], 2);
  await client.resourceGroups.spawn(THIN_POOL, { resource_definition_name: 'v1', volume_sizes: [4096], definitions_only: true });
  const error = await t.throwsAsync(client.resources.autoplace('v1', { select_filter: { place_count: 4 } }), { instanceOf: LinstorApiError });
  t.is(error.status, 500);
  t.is(error.retCodes[0]!.ret_code, -4611686018407201820n);
  t.is(error.retCodes[0]!.message, 'Not enough available nodes');
  t.regex(error.retCodes[0]!.details ?? '', /^Not enough nodes fulfilling the following auto-place criteria:/);
  t.deepEqual(await client.resources.list('v1'), [], 'a refused autoplace places nothing');
  const wrongPool = await t.throwsAsync(client.resources.autoplace('v1', { select_filter: { place_count: 1, storage_pool: 'nonexistent' } }), { instanceOf: LinstorApiError });
  t.true(wrongPool.hasCode(RC.FAIL_NOT_ENOUGH_NODES));
  await client.resources.autoplace('v1', { select_filter: { place_count: 3 } });
  const placed = await client.resources.view({ resources: ['v1'] });
  t.is(placed.length, 3);
  t.true(placed.every((r) => r.volumes?.[0]?.storage_pool_name === THIN_POOL));
  const warn = await client.resources.autoplace('v1', { select_filter: { place_count: 3 } });
  t.is(retCodeType(warn[0]!.ret_code), 'warning');
  t.is(retCodeCode(warn[0]!.ret_code), RC.WARN_RSC_ALREADY_DEPLOYED);
});

simTest('diskless_on_remaining puts diskless resources on the other nodes; without it nothing else is placed', async (t, { client }) => {
  await addSr(client, ['h1', 'h2', 'h3', 'h4'], 2);
  for (const name of ['a1', 'a2']) await client.resourceGroups.spawn(THIN_POOL, { resource_definition_name: name, volume_sizes: [4096], definitions_only: true });
  await client.resources.autoplace('a1', { select_filter: { place_count: 2, diskless_on_remaining: false } });
  t.is((await client.resources.list('a1')).length, 2);
  await client.resources.autoplace('a2', { select_filter: { place_count: 2 }, diskless_on_remaining: true });
  const all = await client.resources.list('a2');
  t.is(all.length, 4);
  t.is(all.filter((r) => r.flags?.includes('DISKLESS')).length, 2);
});

simTest('capacity: thick volumes use their size, over-capacity placement is refused, diskless nodes have no pool', async (t, { client }) => {
  await addNodes(client, ['h1', 'h2', 'h3']);
  for (const node of ['h1', 'h2']) {
    await client.storagePools.create(node, { storage_pool_name: THICK_POOL, provider_kind: 'LVM', props: { 'StorDriver/StorPoolName': 'linstor_group' } });
  }
  await t.throwsAsync(client.storagePools.create('h3', { storage_pool_name: THICK_POOL, provider_kind: 'LVM', props: { 'StorDriver/StorPoolName': 'linstor_group' } }), {
    message: /Volume group 'linstor_group' not found/,
  });
  await client.resourceGroups.create({ name: THICK_POOL, select_filter: { place_count: 2, storage_pool: THICK_POOL } });
  await client.resourceGroups.createVolumeGroup(THICK_POOL);
  await client.resourceGroups.spawn(THICK_POOL, { resource_definition_name: 'big', volume_sizes: [600 * 1024], definitions_only: true });
  await client.resources.autoplace('big');
  const pools = await client.storagePools.view({ storagePools: [THICK_POOL], nodes: ['h1'] });
  t.is(pools[0]!.total_capacity, 1024 * 1024);
  t.is(pools[0]!.free_capacity, 1024 * 1024 - 604 * 1024, '600 MiB + DRBD metadata, rounded to 4 MiB extents');
  await client.resourceGroups.spawn(THICK_POOL, { resource_definition_name: 'toobig', volume_sizes: [500 * 1024], definitions_only: true });
  const error = await t.throwsAsync(client.resources.autoplace('toobig'), { instanceOf: LinstorApiError });
  t.true(error.hasCode(RC.FAIL_NOT_ENOUGH_NODES));
  const max = await client.resourceGroups.queryMaxVolumeSize(THICK_POOL);
  t.true((max.candidates?.[0]?.max_volume_size_kib ?? Infinity) < 420 * 1024);
  const grow = await t.throwsAsync(client.volumeDefinitions.resize('big', 0, 1100 * 1024), { instanceOf: LinstorApiError });
  t.true(grow.hasCode(RC.FAIL_NOT_ENOUGH_FREE_SPACE));
}, { diskSizeGiB: 1, disklessNodes: ['h3'] });

simTest('in_use blocks deletes (997); so does removing the last disk under diskless peers', async (t, { client, sim }) => {
  await addSr(client, ['h1', 'h2', 'h3'], 1);
  await client.resourceGroups.spawn(THIN_POOL, { resource_definition_name: 'u1', volume_sizes: [4096], definitions_only: true });
  await client.resources.autoplace('u1', { select_filter: { place_count: 1 } });
  const [diskful] = await client.resources.list('u1');
  const other = ['h1', 'h2', 'h3'].find((n) => n !== diskful!.node_name)!;
  await client.resources.makeAvailable('u1', other);
  t.true(await sim.setResourceState('u1', other, { inUse: true }));
  const view = await client.resources.view({ resources: ['u1'], nodes: [other] });
  t.is(view[0]!.state?.in_use, true);
  const rd = await t.throwsAsync(client.resourceDefinitions.delete('u1'), { instanceOf: LinstorApiError });
  t.true(rd.hasCode(RC.FAIL_IN_USE));
  t.is(rd.retCodes[0]!.message, `Resource 'u1' on node '${other}' is still in use.`);
  await t.throwsAsync(client.resources.delete('u1', other), { message: /is still in use/ });
  const last = await t.throwsAsync(client.resources.delete('u1', diskful!.node_name), { instanceOf: LinstorApiError });
  t.regex(last.message, /Last resource of 'u1' with disk still has diskless resources attached/);
  const node = await t.throwsAsync(client.nodes.delete(other), { instanceOf: LinstorApiError });
  t.true(node.hasCode(RC.FAIL_NODE_HAS_USED_RSC));
  await sim.setResourceState('u1', other, { inUse: false });
  await client.resourceDefinitions.delete('u1');
  t.deepEqual(await client.resourceDefinitions.list(), []);
});

simTest('resize: grow only, 974 while a peer is not UpToDate, warning on the same size', async (t, { client, sim }) => {
  await addSr(client, ['h1', 'h2'], 2);
  await client.resourceGroups.spawn(THIN_POOL, { resource_definition_name: 'z1', volume_sizes: [8192], definitions_only: true });
  await client.resources.autoplace('z1');
  const shrink = await t.throwsAsync(client.volumeDefinitions.resize('z1', 0, 4096), { instanceOf: LinstorApiError });
  t.true(shrink.hasCode(RC.FAIL_INVLD_VLM_SIZE));
  const same = await client.volumeDefinitions.resize('z1', 0, 8192);
  t.true(same.some((r) => retCodeCode(r.ret_code) === RC.WARN_VLMDFN_RESIZE_SAME_SIZE));
  await sim.setResourceState('z1', 'h2', { diskState: 'Inconsistent' });
  const syncing = await t.throwsAsync(client.volumeDefinitions.resize('z1', 0, 16384), { instanceOf: LinstorApiError });
  t.true(syncing.hasCode(RC.FAIL_NOT_ALL_UPTODATE));
  t.regex(syncing.message, /non-UpToDate DRBD device/);
  await sim.setResourceState('z1', 'h2', { diskState: 'UpToDate' });
  await client.volumeDefinitions.resize('z1', 0, 16384);
  t.is((await client.volumeDefinitions.get('z1', 0)).size_kib, 16384);
  const bad = await t.throwsAsync(client.volumeDefinitions.resize('z1', 0, 2 ** 40 + 1), { instanceOf: LinstorApiError });
  t.true(bad.hasCode(RC.FAIL_INVLD_VLM_SIZE));
});

simTest('spawn checks the volume size count against the volume groups (228)', async (t, { client }) => {
  await client.resourceGroups.create({ name: 'g1' });
  const error = await t.throwsAsync(client.resourceGroups.spawn('g1', { resource_definition_name: 'r1', volume_sizes: [4096] }), { instanceOf: LinstorApiError });
  t.true(error.hasCode(RC.FAIL_INVLD_VLM_SIZES));
  t.deepEqual(await client.resourceDefinitions.list(), []);
});

simTest('properties outside the whitelist are refused with 213; Aux/ keys always pass', async (t, { client }) => {
  await client.resourceDefinitions.create({ resource_definition: { name: 'p1' } });
  const error = await t.throwsAsync(client.resourceDefinitions.setProps('p1', { NotAKey: 'x' }), { instanceOf: LinstorApiError });
  t.true(error.hasCode(RC.FAIL_INVLD_PROP));
  t.is(error.retCodes[0]!.cause, "The key 'NotAKey' is not whitelisted.");
  await client.resourceDefinitions.setProps('p1', { 'Aux/anything/goes': 'x' });
  await client.resourceDefinitions.modify('p1', { delete_namespaces: ['Aux/anything'] });
  t.is((await client.resourceDefinitions.get('p1')).props, undefined);
});

simTest('a number or boolean property value is kept as its text; an object value is refused with 213', async (t, { client, sim }) => {
  await client.resourceDefinitions.create({ resource_definition: { name: 'p2' } });
  const http = new LinstorHttp({ controllers: [sim.url] });
  t.teardown(() => http.close());
  // The Python driver sends auto-promote-timeout as an integer.
  await http.request('PUT', '/v1/resource-definitions/p2', { body: { override_props: { 'DrbdOptions/Resource/auto-promote-timeout': 20, 'Aux/flag': true } } });
  t.deepEqual((await client.resourceDefinitions.get('p2')).props, { 'DrbdOptions/Resource/auto-promote-timeout': '20', 'Aux/flag': 'true' });
  await client.keyValueStore.modify('kv2', { override_props: { a: '1' } });
  await http.request('PUT', '/v1/key-value-store/kv2', { body: { override_props: { count: 3 } } });
  t.deepEqual(await client.keyValueStore.props('kv2'), { a: '1', count: '3' });
  t.deepEqual(sim.violations, [], 'number and boolean values conform to the overlaid contract');
  const error = await t.throwsAsync(http.request('PUT', '/v1/resource-definitions/p2', { body: { override_props: { 'Aux/x': { nested: 1 } } } }), { instanceOf: LinstorApiError });
  t.true(error.hasCode(RC.FAIL_INVLD_PROP));
  // Only the object value breaks the (overlaid) contract; it is the refusal under test.
  sim.violations.length = 0;
});

simTest('an offline node reports no resource state and is never placed on', async (t, { client, sim }) => {
  await addSr(client, ['h1', 'h2', 'h3'], 2);
  await client.resourceGroups.spawn(THIN_POOL, { resource_definition_name: 'o1', volume_sizes: [4096], definitions_only: true });
  await client.resources.createOn('o1', 'h3', { resource: { props: { StorPoolName: THIN_POOL } } });
  await sim.setNodeOnline('h3', false);
  t.is((await client.nodes.get('h3')).connection_status, 'OFFLINE');
  const [h3] = await client.resources.view({ resources: ['o1'], nodes: ['h3'] });
  t.is(h3!.state, undefined);
  t.is(h3!.volumes?.[0]?.state, undefined);
  await client.resourceGroups.spawn(THIN_POOL, { resource_definition_name: 'o2', volume_sizes: [4096], definitions_only: true });
  await t.throwsAsync(client.resources.autoplace('o2', { select_filter: { place_count: 3 } }), { instanceOf: LinstorApiError, message: /Not enough available nodes/ });
  await client.resources.autoplace('o2');
  t.deepEqual((await client.resources.list('o2')).map((r) => r.node_name).sort(), ['h1', 'h2']);
});
