// The volume manager against the LINSTOR simulator over HTTP: lifecycle, rename, metadata, sizes,
// placement and capacity, with the raw KV asserted against what the Python driver writes and reads.
import test from 'ava';
import { LinstorApiError, LinstorNetworkError, RC, makeRetCode } from '../../../lib/linstor/index.js';
import {
  asResourceName,
  asVdiUuid,
  VolumeCreateError,
  VolumeExistsError,
  VolumeGroupNotFoundError,
  VolumeInUseError,
  VolumeNotFoundError,
  VolumeResizeError,
  type ResourceName,
} from '../../../lib/volume/index.js';
import { startVolumeEnv } from './volume-env.js';

const A = asVdiUuid('a0000000-0000-4000-8000-000000000001');
const B = asVdiUuid('b0000000-0000-4000-8000-000000000002');
const GiB = 1024 ** 3;

test('create spawns from the SR group with the SR redundancy and writes the Python keys; destroy clears them', async (t) => {
  const env = await startVolumeEnv(t);
  const volumes = await env.open({ uuid4: () => '11111111-2222-4333-8444-555555555555' });
  t.is(await volumes.redundancy(), 2);
  const rd = await volumes.create(A, GiB + 1);
  t.is(rd, 'xcp-volume-11111111-2222-4333-8444-555555555555' as ResourceName);
  t.deepEqual(await env.rawKv(), { [`xcp/volume/${A}/not-exists`]: '0', [`xcp/volume/${A}/volume-name`]: rd });
  const rdState = env.sim.state().resourceDefinitions[rd.toUpperCase()];
  t.is(rdState?.group, 'xcp-sr-linstor_group_thin_device');
  t.is(rdState?.peerSlots, 3);
  t.is(Object.keys(rdState?.resources ?? {}).length, 2, 'placed on redundancy nodes, no diskless elsewhere');
  t.is(rdState?.vds[0]?.sizeKib, 1024 * 1024 + 1, '512-rounded bytes, then KiB rounded up');
  t.deepEqual(volumes.list(), [A]);
  t.is(volumes.devicePath(A), `/dev/drbd/by-res/${rd}/0`);
  t.is(volumes.vdiUuidFromDevicePath(`../${rd}/0`), A);
  const sizes = await volumes.sizes(A);
  t.is(sizes?.usableBytes, (1024 * 1024 + 1) * 1024);
  t.is(sizes?.diskfulNodes.length, 2);
  await t.throwsAsync(volumes.create(A, GiB), { instanceOf: VolumeExistsError });

  await volumes.destroy(A);
  t.deepEqual(await env.rawKv(), {});
  t.is(env.sim.state().resourceDefinitions[rd.toUpperCase()], undefined);
  await t.throwsAsync(volumes.destroy(A), { instanceOf: VolumeNotFoundError });
  t.deepEqual((await env.open()).list(), []);
  t.deepEqual(env.sim.violations, [], 'every request matched the LINSTOR OpenAPI contract');
});

test('a volume created non-persistent stays CREATING until markPersistent; slaves see it, repair removes it', async (t) => {
  const env = await startVolumeEnv(t);
  const volumes = await env.open();
  await volumes.create(A, GiB, { persistent: false });
  t.is((await env.rawKv())[`xcp/volume/${A}/not-exists`], '2');
  t.deepEqual((await env.open()).list(), [A], 'without repair CREATING is usable');
  await volumes.markPersistent(A);
  t.is((await env.rawKv())[`xcp/volume/${A}/not-exists`], '0');
});

test('markPersistent with metadata writes EXISTS and the metadata in one KV request', async (t) => {
  const env = await startVolumeEnv(t);
  const volumes = await env.open();
  await volumes.create(B, GiB, { persistent: false });
  const metadata = { name_label: 'leaf', name_description: '', is_a_snapshot: false, snapshot_of: '', snapshot_time: '', type: 'user', vdi_type: 'vhd', read_only: false, metadata_of_pool: '' };
  const before = env.sim.controls.counters().total;
  await volumes.markPersistent(B, metadata);
  t.is(env.sim.controls.counters().total - before, 1, 'one request');
  const kv = await env.rawKv();
  t.is(kv[`xcp/volume/${B}/not-exists`], '0');
  t.deepEqual(JSON.parse(kv[`xcp/volume/${B}/metadata`] ?? '{}'), metadata);
});

test('metadata: set replaces, update merges, both in the Python JSON format; SR metadata and uuid', async (t) => {
  const env = await startVolumeEnv(t);
  const volumes = await env.open();
  await volumes.create(A, GiB);
  await volumes.setMetadata(A, { name_label: 'disk', name_description: '', is_a_snapshot: false, snapshot_of: '', snapshot_time: '', type: 'user', vdi_type: 'vhd', read_only: false, metadata_of_pool: '' });
  t.is(
    (await env.rawKv())[`xcp/volume/${A}/metadata`],
    '{"name_label": "disk", "name_description": "", "is_a_snapshot": false, "snapshot_of": "", "snapshot_time": "", "type": "user", "vdi_type": "vhd", "read_only": false, "metadata_of_pool": ""}',
  );
  const merged = await volumes.updateMetadata(A, { read_only: true, hidden: true });
  t.is(merged.name_label, 'disk');
  t.true(merged.read_only);
  t.deepEqual(await volumes.getMetadata(A), merged, 'read after write');
  t.deepEqual((await (await env.open()).getMetadata(A)).hidden, true, 'a new manager reads it from LINSTOR');
  await volumes.setSrMetadata({ name_label: 'XOSTOR', name_description: 'pool storage' });
  await volumes.setSrUuid('sr-uuid-1');
  const raw = await env.rawKv();
  t.is(raw['xcp/sr/metadata'], '{"name_label": "XOSTOR", "name_description": "pool storage"}');
  t.is(raw['xcp/sr/uuid'], 'sr-uuid-1');
  const reopened = await env.open();
  t.deepEqual(await reopened.srMetadata(), { name_label: 'XOSTOR', name_description: 'pool storage' });
  t.is(await reopened.srUuid(), 'sr-uuid-1');
  await t.throwsAsync(volumes.getMetadata(B), { instanceOf: VolumeNotFoundError });
});

test('a KV left by the Python driver (leading / keys, its JSON) is read as is, and our writes keep its format', async (t) => {
  const env = await startVolumeEnv(t);
  const seeder = await env.open();
  const rd = await seeder.create(A, GiB);
  await env.client.keyValueStore.delete('xcp-sr-linstor_group_thin_device');
  await env.seedKv({
    'xcp/sr/metadata': '{"name_label": "XOSTOR", "name_description": ""}',
    [`xcp/volume/${A}/not-exists`]: '0',
    [`xcp/volume/${A}/volume-name`]: rd,
    [`xcp/volume/${A}/metadata`]: '{"name_label": "old disk", "name_description": "", "is_a_snapshot": false, "snapshot_of": null, "snapshot_time": "", "type": "user", "vdi_type": "vhd", "read_only": false, "metadata_of_pool": ""}',
  });
  const volumes = await env.open({ repair: true });
  t.deepEqual(volumes.list(), [A]);
  t.is(volumes.resourceName(A), rd);
  t.is((await volumes.getMetadata(A)).snapshot_of, null);
  t.is((await volumes.srMetadata()).name_label, 'XOSTOR');
  await volumes.updateMetadata(A, { name_label: 'new disk' });
  const raw = await env.rawKv();
  t.is(
    raw[`xcp/volume/${A}/metadata`],
    '{"name_label": "new disk", "name_description": "", "is_a_snapshot": false, "snapshot_of": null, "snapshot_time": "", "type": "user", "vdi_type": "vhd", "read_only": false, "metadata_of_pool": ""}',
  );
  t.deepEqual(Object.keys(raw).sort(), ['xcp/sr/metadata', `xcp/volume/${A}/metadata`, `xcp/volume/${A}/not-exists`, `xcp/volume/${A}/volume-name`]);
});

test('rename moves the KV keys only; the resource keeps its name', async (t) => {
  const env = await startVolumeEnv(t);
  const volumes = await env.open();
  const rd = await volumes.create(A, GiB);
  await volumes.setMetadata(A, { name_label: 'x' });
  await volumes.rename(A, B);
  t.deepEqual(await env.rawKv(), { [`xcp/volume/${B}/not-exists`]: '0', [`xcp/volume/${B}/volume-name`]: rd, [`xcp/volume/${B}/metadata`]: '{"name_label": "x"}' });
  t.deepEqual(volumes.list(), [B]);
  t.truthy(env.sim.state().resourceDefinitions[rd.toUpperCase()]);
  await volumes.create(A, GiB);
  await t.throwsAsync(volumes.rename(A, B), { instanceOf: VolumeExistsError });
  await t.throwsAsync(volumes.rename(asVdiUuid('nope'), asVdiUuid('other')), { instanceOf: VolumeNotFoundError });
});

test('resize grows the volume definition (KiB rounded up) and the cached sizes follow', async (t) => {
  const env = await startVolumeEnv(t);
  const volumes = await env.open();
  await volumes.create(A, GiB);
  t.is((await volumes.sizes(A))?.usableBytes, GiB);
  await volumes.resize(A, 2 * GiB + 100);
  t.is((await volumes.sizes(A))?.usableBytes, 2 * GiB + 1024, 'read after write');
});

test('placement: make-available creates a diskless on demand; removal spares replicas', async (t) => {
  const env = await startVolumeEnv(t);
  const volumes = await env.open();
  const rd = await volumes.create(A, GiB);
  const diskful = (await volumes.sizes(A))?.diskfulNodes ?? [];
  const other = ['h1', 'h2', 'h3'].find((n) => !diskful.includes(n)) ?? '';
  t.false(await volumes.makeAvailable(A, diskful[0] ?? ''));
  t.true(await volumes.makeAvailable(A, other));
  t.is(Object.keys(env.sim.state().resourceDefinitions[rd.toUpperCase()]?.resources ?? {}).length, 3);
  t.false(await volumes.removeIfDiskless(A, diskful[0] ?? ''), 'a replica stays');
  t.true(await volumes.removeIfDiskless(A, other));
  t.is(Object.keys(env.sim.state().resourceDefinitions[rd.toUpperCase()]?.resources ?? {}).length, 2);
  const states = await volumes.usageStates(A);
  t.deepEqual([...states.values()], [false, false]);
  t.deepEqual((await volumes.upToDateDiskfulNodes(A)).nodes, [...diskful].sort());
  t.deepEqual(env.sim.violations, []);
});

test('the local device: a diskless made available on demand, its by-res link checked under the host root', async (t) => {
  const env = await startVolumeEnv(t);
  const volumes = await env.open();
  const rd = await volumes.create(A, GiB);
  const diskful = (await volumes.sizes(A))?.diskfulNodes ?? [];
  const other = ['h1', 'h2', 'h3'].find((n) => !diskful.includes(n)) ?? '';
  const path = await volumes.localDevicePath(A, other, `${env.dir}/hosts/${other}`);
  t.is(path, `/dev/drbd/by-res/${rd}/0`);
  t.true(env.sim.state().resourceDefinitions[rd.toUpperCase()]?.resources[other.toUpperCase()]?.flags.includes('DISKLESS'));
  t.is(await volumes.localDevicePath(A, diskful[0] ?? '', `${env.dir}/hosts/${diskful[0] ?? ''}`), path);
  await t.throwsAsync(volumes.localDevicePath(A, other, `${env.dir}/hosts/nowhere`), { message: /did not appear/ });
});

test('capacity: pool statistics, max volume size and allocation', async (t) => {
  const env = await startVolumeEnv(t);
  const volumes = await env.open();
  const stats = await volumes.poolStats();
  t.is(stats.poolCount, 3);
  t.is(stats.physicalSizeBytes, 3 * 100 * GiB);
  t.is(stats.minPoolSizeBytes, 100 * GiB);
  t.is(stats.physicalUtilisationBytes, stats.physicalSizeBytes - stats.physicalFreeBytes);
  const max = await volumes.maxVolumeSizeBytes();
  t.true(max >= 100 * GiB && max % 512 === 0, 'thin pools may be oversubscribed');
  await volumes.create(A, GiB);
  t.true((await volumes.allocatedVolumesBytes()) >= 0);
});

test('HA volumes spawn from xcp-ha-*, created with place_count 3 when missing', async (t) => {
  const env = await startVolumeEnv(t);
  const volumes = await env.open();
  const rd = await volumes.create(A, GiB, { highAvailability: true, resourceName: 'xcp-persistent-ha-statefile' as ResourceName });
  t.is(rd, 'xcp-persistent-ha-statefile' as ResourceName);
  const group = await env.client.resourceGroups.get('xcp-ha-linstor_group_thin_device');
  t.is(group.select_filter?.place_count, 3);
  t.is(env.sim.state().resourceDefinitions['XCP-PERSISTENT-HA-STATEFILE']?.group, 'xcp-ha-linstor_group_thin_device');
  t.deepEqual(env.sim.violations, []);
});

test('a missing SR group is VolumeGroupNotFoundError', async (t) => {
  const env = await startVolumeEnv(t);
  await t.throwsAsync(env.open({ groupName: 'other_group' }), { instanceOf: VolumeGroupNotFoundError });
});

test('controller errors surface typed and change nothing', async (t) => {
  const env = await startVolumeEnv(t);
  const volumes = await env.open({ createAttempts: 2 });
  // Spawn fails on every attempt: VolumeCreateError, no RD, no keys.
  env.sim.controls.addFault({ method: 'POST', path: '/v1/resource-groups/{resource_group}/spawn', status: 500, count: 2 });
  const create = await t.throwsAsync(volumes.create(A, GiB), { instanceOf: VolumeCreateError });
  t.true(create.cause instanceof LinstorApiError);
  t.deepEqual(await env.rawKv(), {});
  t.deepEqual(Object.keys(env.sim.state().resourceDefinitions), []);
  t.deepEqual(volumes.list(), []);
  // One failed attempt is retried.
  env.sim.controls.addFault({ method: 'POST', path: '/v1/resource-definitions/{resource}/autoplace', status: 500 });
  const rd = await volumes.create(A, GiB);
  t.deepEqual(Object.keys(env.sim.state().resourceDefinitions), [rd.toUpperCase()]);
  // A metadata write refused: the stored value and the cached one are unchanged.
  await volumes.setMetadata(A, { name_label: 'before' });
  env.sim.controls.addFault({ method: 'PUT', path: '/v1/key-value-store/{instance}', status: 500 });
  await t.throwsAsync(volumes.setMetadata(A, { name_label: 'after' }), { instanceOf: LinstorApiError });
  t.is((await volumes.getMetadata(A)).name_label, 'before');
  // Deleting an open volume: VolumeInUseError, state unchanged.
  const node = Object.values(env.sim.state().resourceDefinitions[rd.toUpperCase()]?.resources ?? {})[0]?.node ?? '';
  await env.sim.setResourceState(rd, node, { inUse: true });
  volumes.invalidateResources();
  await t.throwsAsync(volumes.destroy(A), { instanceOf: VolumeInUseError, message: `Could not destroy volume \`${A}\` as it is currently in use` });
  t.is((await env.rawKv())[`xcp/volume/${A}/not-exists`], '0');
  t.deepEqual(volumes.list(), [A]);
  // LINSTOR itself refusing with FAIL_IN_USE restores EXISTS.
  await env.sim.setResourceState(rd, node, { inUse: false });
  volumes.invalidateResources();
  env.sim.controls.addFault({ method: 'DELETE', path: '/v1/resource-definitions/{resource}', status: 500, retCode: makeRetCode('error', RC.FAIL_IN_USE) });
  await t.throwsAsync(volumes.destroy(A), { instanceOf: VolumeInUseError, message: `Could not destroy volume \`${A}\` as it is currently in use` });
  t.is((await env.rawKv())[`xcp/volume/${A}/not-exists`], '0');
  t.deepEqual(volumes.list(), [A]);
  // Controller down: a network error, nothing changed once it is back.
  env.sim.refuseConnections();
  const down = await t.throwsAsync(volumes.resize(A, 2 * GiB), { instanceOf: VolumeResizeError });
  t.true(down.cause instanceof LinstorNetworkError);
  await env.sim.acceptConnections();
  t.is(env.sim.state().resourceDefinitions[rd.toUpperCase()]?.vds[0]?.sizeKib, 1024 * 1024);
});

test('a rename that reserves leaves: one KV request moves the source and records the leaves CREATING, the source uuid among them', async (t) => {
  const env = await startVolumeEnv(t);
  const volumes = await env.open();
  const C = asVdiUuid('c0000000-0000-4000-8000-000000000003');
  const rd = await volumes.create(A, GiB);
  await volumes.setMetadata(A, { name_label: 'a' });
  const before = env.sim.controls.counters().total;
  await volumes.rename(A, B, { reserve: [A, C] });
  t.is(env.sim.controls.counters().total - before, 1, 'one request');
  const kv = await env.rawKv();
  t.is(kv[`xcp/volume/${B}/volume-name`], rd);
  t.is(kv[`xcp/volume/${B}/not-exists`], '0');
  t.deepEqual(JSON.parse(kv[`xcp/volume/${B}/metadata`] ?? '{}'), { name_label: 'a' });
  for (const leaf of [A, C]) {
    t.is(kv[`xcp/volume/${leaf}/not-exists`], '2', `${leaf} CREATING`);
    t.regex(kv[`xcp/volume/${leaf}/volume-name`] ?? '', /^xcp-volume-[0-9a-f-]{36}$/);
  }
  t.not(kv[`xcp/volume/${A}/volume-name`], rd, 'the source uuid gets a fresh resource');
  t.is(kv[`xcp/volume/${A}/metadata`], undefined, 'the source uuid keeps no metadata of its own');

  const leaf = await volumes.create(A, GiB, { persistent: false, reserved: true });
  t.is(leaf, asResourceName(kv[`xcp/volume/${A}/volume-name`] ?? ""), 'spawned under the reserved name');
  t.truthy(env.sim.state().resourceDefinitions[leaf.toUpperCase()]);
  await t.throwsAsync(volumes.create(asVdiUuid('e0000000-0000-4000-8000-000000000005'), GiB, { reserved: true }), { message: /no reserved volume/ });
  // A crash now leaves what the repair removes: the leaves, spawned or not; the renamed source stays.
  t.deepEqual((await env.open({ repair: true })).list(), [B]);
  t.falsy(env.sim.state().resourceDefinitions[leaf.toUpperCase()]);
  t.truthy(env.sim.state().resourceDefinitions[rd.toUpperCase()]);
  t.deepEqual(env.sim.violations, []);
});

test('a rename refuses reserving a uuid twice, the destination, or one in use, and changes nothing', async (t) => {
  const env = await startVolumeEnv(t);
  const volumes = await env.open();
  const C = asVdiUuid('c0000000-0000-4000-8000-000000000003');
  await volumes.create(A, GiB);
  await volumes.create(C, GiB);
  const kv = await env.rawKv();
  await t.throwsAsync(volumes.rename(A, B, { reserve: [A, A] }), { message: /twice/ });
  await t.throwsAsync(volumes.rename(A, B, { reserve: [B] }), { message: /twice/ });
  await t.throwsAsync(volumes.rename(A, B, { reserve: [C] }), { instanceOf: VolumeExistsError });
  t.deepEqual(await env.rawKv(), kv);
});

test('markAllPersistent: the leaves EXISTS with their metadata and another volume renamed, in one KV request', async (t) => {
  const env = await startVolumeEnv(t);
  const volumes = await env.open();
  const C = asVdiUuid('c0000000-0000-4000-8000-000000000003');
  await volumes.create(A, GiB);
  await volumes.create(B, GiB, { persistent: false });
  await volumes.create(C, GiB, { persistent: false });
  const before = env.sim.controls.counters().total;
  await volumes.markAllPersistent(new Map([[B, { name_label: 'b' }], [C, undefined]]), new Map([[A, { name_label: 'base copy', read_only: true }]]));
  t.is(env.sim.controls.counters().total - before, 1, 'one request');
  const kv = await env.rawKv();
  t.is(kv[`xcp/volume/${B}/not-exists`], '0');
  t.is(kv[`xcp/volume/${C}/not-exists`], '0');
  t.deepEqual(JSON.parse(kv[`xcp/volume/${B}/metadata`] ?? '{}'), { name_label: 'b' });
  t.is(kv[`xcp/volume/${C}/metadata`], undefined);
  t.deepEqual(JSON.parse(kv[`xcp/volume/${A}/metadata`] ?? '{}'), { name_label: 'base copy', read_only: true });
});

test('makeAllAvailable checks every volume against one view and creates only the missing disklesses', async (t) => {
  const env = await startVolumeEnv(t);
  const volumes = await env.open();
  await volumes.create(A, GiB);
  await volumes.create(B, GiB);
  const onA = (await volumes.sizes(A))?.diskfulNodes ?? [];
  const onB = (await volumes.sizes(B))?.diskfulNodes ?? [];
  const node = ['h1', 'h2', 'h3'].find((n) => !onA.includes(n) || !onB.includes(n)) ?? '';
  const expected = [A, B].filter((u) => !(u === A ? onA : onB).includes(node));
  volumes.invalidateResources();
  const before = env.sim.controls.counters().total;
  t.deepEqual(await volumes.makeAllAvailable([A, B], node), expected);
  t.is(env.sim.controls.counters().total - before, 1 + expected.length, 'one view, then one make-available per missing resource');
  t.deepEqual(await volumes.makeAllAvailable([A, B], node), [], 'nothing left to create');
});

test('opened with groupAtOpen false, the manager reads only the KV; the group comes when a create needs it', async (t) => {
  const env = await startVolumeEnv(t);
  await (await env.open()).create(A, GiB);
  const before = env.sim.controls.counters().total;
  const lazy = await env.open({ groupAtOpen: false });
  t.is(env.sim.controls.counters().total - before, 1, 'the KV only');
  t.deepEqual(lazy.list(), [A]);
  const rd = await lazy.create(B, GiB);
  t.is(Object.keys(env.sim.state().resourceDefinitions[rd.toUpperCase()]?.resources ?? {}).length, 2, 'placed on the group redundancy');
  t.is(await lazy.redundancy(), 2);
  const missing = await env.open({ groupName: 'other_group', groupAtOpen: false });
  t.deepEqual(missing.list(), [], 'a missing SR has no volumes');
  await t.throwsAsync(missing.create(A, GiB), { instanceOf: VolumeGroupNotFoundError });
  t.deepEqual(Object.keys(env.sim.state().kvs).filter((k) => k.toLowerCase().includes('other_group')), [], 'nothing written for the missing SR');
});
