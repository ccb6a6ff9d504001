// The client against the simulator, endpoint by endpoint, over real HTTP (contract checked by simTest).
import { retCodeCode, retCodeType, RC, drbdUsableSizeKib, LinstorApiError, LinstorNotFoundError } from '../../../lib/linstor/index.js';
import { addNodes, addSr, simTest, THIN_POOL } from '../../sim/linstor/sim-env.js';

simTest('controller version passes the REST API level check', async (t, { client }) => {
  const version = await client.controller.version();
  t.is(version.rest_api_version, '1.28.0');
});

simTest('nodes: create, list, get, modify, delete, and their net interfaces', async (t, { client }) => {
  const rcs = await client.nodes.create({ name: 'host1', type: 'Combined', net_interfaces: [{ name: 'default', address: '10.0.0.1' }] });
  t.is(retCodeCode(rcs[0]!.ret_code), RC.CREATED);
  await addNodes(client, ['host2']);
  t.deepEqual((await client.nodes.list()).map((n) => n.name), ['host1', 'host2']);
  t.deepEqual((await client.nodes.list({ nodes: ['HOST2'] })).map((n) => n.name), ['host2']);
  const node = await client.nodes.get('HOST1');
  t.is(node.type, 'COMBINED');
  t.is(node.connection_status, 'ONLINE');
  t.deepEqual(node.net_interfaces?.[0]?.satellite_port, 3366);
  t.is(node.net_interfaces?.[0]?.satellite_encryption_type, 'PLAIN');
  t.is(node.props, undefined, 'empty maps are omitted');
  await client.nodes.modify('host1', { override_props: { PrefNic: 'nic2', 'Aux/rack': 'r1' } });
  t.deepEqual((await client.nodes.list({ props: ['PrefNic=nic2'] })).map((n) => n.name), ['host1']);
  await client.nodes.createNetInterface('host1', { name: 'nic2', address: '10.1.0.1' });
  await t.throwsAsync(client.nodes.createNetInterface('host1', { name: 'nic2', address: '10.1.0.1' }), {
    instanceOf: LinstorApiError,
    message: /already exists/,
  });
  await client.nodes.modifyNetInterface('host1', 'nic2', { name: 'nic2', address: '10.2.0.1' });
  t.deepEqual(
    (await client.nodes.listNetInterfaces('host1')).map((n) => `${n.name}=${n.address}`),
    ['default=10.0.0.1', 'nic2=10.2.0.1'],
  );
  await client.nodes.deleteNetInterface('host1', 'nic2');
  t.is((await client.nodes.listNetInterfaces('host1')).length, 1);
  await client.nodes.delete('host2');
  await t.throwsAsync(client.nodes.get('host2'), { instanceOf: LinstorNotFoundError });
  const missing = await client.nodes.delete('host2');
  t.is(retCodeType(missing[0]!.ret_code), 'warning');
});

simTest('storage pools: create (LVM_THIN, LVM), view with capacity, get, modify, delete; a missing VG fails with 990', async (t, { client }) => {
  await addNodes(client, ['h1', 'h2']);
  await client.storagePools.create('h1', { storage_pool_name: THIN_POOL, provider_kind: 'LVM_THIN', props: { 'StorDriver/StorPoolName': 'linstor_group/thin_device' } });
  await client.storagePools.create('h1', { storage_pool_name: 'xcp-sr-linstor_group', provider_kind: 'LVM', props: { 'StorDriver/LvmVg': 'linstor_group' } });
  const error = await t.throwsAsync(
    client.storagePools.create('h2', { storage_pool_name: 'sp-other', provider_kind: 'LVM', props: { 'StorDriver/StorPoolName': 'other_vg' } }),
    { instanceOf: LinstorApiError },
  );
  t.true(error.hasCode(RC.FAIL_STOR_POOL_CONFIGURATION_ERROR));
  t.regex(error.errors[0]!.message, /Volume group 'other_vg' not found$/);
  await client.storagePools.delete('h2', 'sp-other');
  const view = await client.storagePools.view({ storagePools: [THIN_POOL] });
  t.is(view.length, 1);
  t.is(view[0]!.node_name, 'h1');
  t.is(view[0]!.total_capacity, 100 * 1024 * 1024);
  t.is(view[0]!.free_capacity, 100 * 1024 * 1024);
  t.is(view[0]!.static_traits?.['Provisioning'], 'Thin');
  const onNode = await client.storagePools.listOnNode('h1');
  t.deepEqual(onNode.map((p) => p.storage_pool_name).sort(), ['DfltDisklessStorPool', THIN_POOL, 'xcp-sr-linstor_group'].sort());
  t.is((await client.storagePools.get('h1', 'xcp-sr-linstor_group')).provider_kind, 'LVM');
  await client.storagePools.modify('h1', THIN_POOL, { override_props: { 'Aux/x': 'y' } });
  t.is((await client.storagePools.get('h1', THIN_POOL)).props?.['Aux/x'], 'y');
  await client.storagePools.delete('h1', 'xcp-sr-linstor_group');
  await t.throwsAsync(client.storagePools.get('h1', 'xcp-sr-linstor_group'), { instanceOf: LinstorNotFoundError });
});

simTest('resource groups: create, list, get, modify, volume group, spawn, query-max-volume-size, delete', async (t, { client }) => {
  const rg = await addSr(client, ['h1', 'h2', 'h3'], 2);
  t.is((await client.resourceGroups.list({ resourceGroups: [rg] }))[0]?.select_filter?.place_count, 2);
  await client.resourceGroups.modify(rg, { select_filter: { place_count: 3 }, override_props: { 'Aux/a': 'b' } });
  const group = await client.resourceGroups.get(rg);
  t.is(group.select_filter?.place_count, 3);
  t.is(group.select_filter?.storage_pool, THIN_POOL, 'modify merges the filter');
  const spawned = await client.resourceGroups.spawn(rg, { resource_definition_name: 'xcp-volume-a', volume_sizes: [1024 * 1024], definitions_only: true });
  t.true(spawned.some((r) => retCodeCode(r.ret_code) === RC.INFO_NO_RSC_SPAWNED));
  const max = await client.resourceGroups.queryMaxVolumeSize(rg);
  t.is(max.candidates?.[0]?.storage_pool, THIN_POOL);
  t.is(max.candidates?.[0]?.node_names?.length, 3);
  t.true((max.candidates?.[0]?.max_volume_size_kib ?? 0) >= 100 * 1024 * 1024);
  const busy = await t.throwsAsync(client.resourceGroups.delete(rg), { instanceOf: LinstorApiError });
  t.regex(busy.message, /existing resource definitions/);
  await client.resourceDefinitions.delete('xcp-volume-a');
  await client.resourceGroups.delete(rg);
  await t.throwsAsync(client.resourceGroups.get(rg), { instanceOf: LinstorNotFoundError });
});

simTest('resource and volume definitions: create, list, get, props, peer slots, resize, delete', async (t, { client }) => {
  await client.resourceDefinitions.create({ resource_definition: { name: 'r1', props: { 'Aux/k': 'v' } } });
  await client.volumeDefinitions.create('r1', { volume_definition: { size_kib: 4096 } });
  t.is((await client.resourceDefinitions.get('R1')).resource_group_name, 'DfltRscGrp');
  await client.resourceDefinitions.setDrbdPeerSlots('r1', 3);
  const set = await client.resourceDefinitions.setProps('r1', { 'DrbdOptions/auto-quorum': 'disabled', 'DrbdOptions/Resource/quorum': 'majority' });
  t.true(set.some((r) => retCodeType(r.ret_code) === 'warning' && retCodeCode(r.ret_code) === RC.WARN_DEPRECATED));
  const [rd] = await client.resourceDefinitions.list({ resourceDefinitions: ['r1'], withVolumeDefinitions: true });
  t.is(rd?.props?.['DrbdOptions/Resource/quorum'], 'majority');
  t.is(rd?.layer_data?.[0]?.data?.['peer_slots'], 3);
  t.is(rd?.volume_definitions?.[0]?.size_kib, 4096);
  t.is((rd?.volume_definitions?.[0]?.layer_data?.[0]?.data as { minor_number?: number })?.minor_number, 1000);
  t.is((await client.resourceDefinitions.get('r1')).volume_definitions, undefined);
  await client.volumeDefinitions.resize('r1', 0, 8192);
  t.is((await client.volumeDefinitions.get('r1', 0)).size_kib, 8192);
  await client.volumeDefinitions.create('r1', { volume_definition: { volume_number: 1, size_kib: 4096 } });
  t.deepEqual((await client.volumeDefinitions.list('r1')).map((v) => v.volume_number), [0, 1]);
  await client.volumeDefinitions.delete('r1', 1);
  await t.throwsAsync(client.volumeDefinitions.get('r1', 1), { instanceOf: LinstorNotFoundError });
  await client.resourceDefinitions.delete('r1');
  t.deepEqual(await client.resourceDefinitions.list(), []);
});

simTest('resources: multi-node create, create on a node, list, get, modify, view, make-available, delete on several nodes', async (t, { client }) => {
  await addSr(client, ['h1', 'h2', 'h3'], 2);
  await client.resourceGroups.spawn(THIN_POOL, { resource_definition_name: 'db', volume_sizes: [1024 * 1024], definitions_only: true });
  const created = await client.resources.create('db', [
    { resource: { node_name: 'h1', props: { StorPoolName: THIN_POOL } } },
    { resource: { node_name: 'h2', props: { StorPoolName: THIN_POOL } } },
    { resource: { node_name: 'h3', flags: ['DISKLESS'] } },
  ]);
  t.true(created.every((r) => retCodeType(r.ret_code) === 'success'));
  const again = await client.resources.createOn('db', 'h1', { resource: { props: { StorPoolName: THIN_POOL } } });
  t.is(retCodeCode(again[0]!.ret_code), RC.INFO_RSC_ALREADY_EXISTS);
  t.deepEqual((await client.resources.list('db')).map((r) => r.node_name), ['h1', 'h2', 'h3']);
  t.deepEqual((await client.resources.get('db', 'h3')).flags, ['DISKLESS', 'DRBD_DISKLESS']);
  await client.resources.modify('db', 'h1', { override_props: { 'Aux/x': '1' } });
  const view = await client.resources.view({ resources: ['db'], nodes: ['h1', 'h3'] });
  t.deepEqual(view.map((r) => r.node_name), ['h1', 'h3']);
  const v0 = view[0]!.volumes![0]!;
  t.is(v0.device_path, '/dev/drbd1000');
  t.is(drbdUsableSizeKib(v0), 1024 * 1024);
  t.is(v0.state?.disk_state, 'UpToDate');
  t.is(view[1]!.volumes![0]!.state?.disk_state, 'Diskless');
  t.is(view[0]!.state?.in_use, false);
  await client.nodes.create({ name: 'h4', type: 'Combined', net_interfaces: [{ name: 'default', address: '127.0.0.4' }] });
  const made = await client.resources.makeAvailable('db', 'h4');
  t.true(made.some((r) => /Created resource/.test(r.message)));
  const already = await client.resources.makeAvailable('db', 'h4', { diskful: false });
  t.is(already[0]!.ret_code, 0n);
  await client.resources.deleteOn('db', ['h3', 'h4']);
  t.deepEqual((await client.resources.list('db')).map((r) => r.node_name), ['h1', 'h2']);
  await t.throwsAsync(client.resources.get('db', 'h4'), { instanceOf: LinstorNotFoundError });
});

simTest('autoplace places the requested number of diskful replicas and reports the nodes', async (t, { client }) => {
  await addSr(client, ['h1', 'h2', 'h3'], 2);
  await client.resourceGroups.spawn(THIN_POOL, { resource_definition_name: 'xcp-volume-b', volume_sizes: [2048], definitions_only: true });
  const rcs = await client.resources.autoplace('xcp-volume-b', { select_filter: { place_count: 2, diskless_on_remaining: false } });
  const summary = rcs.find((r) => /successfully autoplaced on 2 nodes/.test(r.message));
  t.truthy(summary?.obj_refs?.['Node/1']);
  const diskful = (await client.resources.view({ resources: ['xcp-volume-b'] })).filter((r) => !r.flags?.includes('DISKLESS'));
  t.is(diskful.length, 2);
});

simTest('key-value store: implicit create, props, list, delete', async (t, { client }) => {
  const rcs = await client.keyValueStore.modify('xcp-sr-g', { override_props: { '/xcp/sr/metadata': '{"name_label":"sr"}', '/xcp/volume/u1/not-exists': '0' } });
  t.is(rcs[0]!.ret_code, 34603011n);
  t.deepEqual(await client.keyValueStore.props('XCP-SR-G'), { 'xcp/sr/metadata': '{"name_label":"sr"}', 'xcp/volume/u1/not-exists': '0' });
  t.deepEqual((await client.keyValueStore.list()).map((k) => k.name), ['xcp-sr-g']);
  t.deepEqual(await client.keyValueStore.props('other'), {});
  await client.keyValueStore.delete('xcp-sr-g');
  t.deepEqual(await client.keyValueStore.list(), []);
  const none = await client.keyValueStore.delete('xcp-sr-g');
  t.is(retCodeCode(none[0]!.ret_code), RC.WARN_NOT_FOUND);
});
