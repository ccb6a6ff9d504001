// Request economy (spec/sm-linstor.md §3.8): each view and the KV are read at most once per manager unless
// a mutation invalidated them, so the cost of reading N volumes does not depend on N.
import test from 'ava';
import { asVdiUuid, type VdiUuid, type VolumeManager } from '../../../lib/volume/index.js';
import { KV, startVolumeEnv, type VolumeEnv } from './volume-env.js';

const GiB = 1024 ** 3;
const uuidOf = (i: number): VdiUuid => asVdiUuid(`00000000-0000-4000-8000-${String(i).padStart(12, '0')}`);

/** `count` volumes: a few created through the manager, the rest spawned as definitions and recorded in one KV write. */
async function seedVolumes(env: VolumeEnv, count: number): Promise<void> {
  const manager = await env.open();
  for (let i = 0; i < 3; i += 1) await manager.create(uuidOf(i), GiB);
  const props: Record<string, string> = {};
  for (let i = 3; i < count; i += 1) {
    const rd = `xcp-volume-seeded-${i}`;
    await env.client.resourceGroups.spawn(KV, { resource_definition_name: rd, volume_sizes: [GiB / 1024], definitions_only: true });
    props[`/xcp/volume/${uuidOf(i)}/not-exists`] = '0';
    props[`/xcp/volume/${uuidOf(i)}/volume-name`] = rd;
    props[`/xcp/volume/${uuidOf(i)}/metadata`] = `{"name_label": "disk ${i}", "type": "user", "vdi_type": "vhd"}`;
  }
  if (count > 3) await env.client.keyValueStore.modify(KV, { override_props: props });
}

/** What a scan-like read of every volume costs, in requests. */
async function scanCost(env: VolumeEnv): Promise<{ requests: number; volumes: VolumeManager }> {
  const before = env.requests();
  const volumes = await env.open({ repair: true });
  const uuids = volumes.list();
  await volumes.allMetadata();
  await volumes.allSizes();
  for (const uuid of uuids) {
    await volumes.getMetadata(uuid);
    await volumes.sizes(uuid);
    volumes.devicePath(uuid);
  }
  await volumes.ensureNotLocked(uuids);
  await volumes.poolStats();
  await volumes.srMetadata();
  return { requests: env.requests() - before, volumes };
}

test('reading 500 volumes costs the same constant number of requests as reading 10', async (t) => {
  const small = await startVolumeEnv(t);
  await seedVolumes(small, 10);
  const large = await startVolumeEnv(t);
  await seedVolumes(large, 500);
  const ten = await scanCost(small);
  const fiveHundred = await scanCost(large);
  t.is(ten.volumes.list().length, 10);
  t.is(fiveHundred.volumes.list().length, 500);
  t.log(`requests: ${ten.requests} for 10 volumes, ${fiveHundred.requests} for 500`);
  // resource group + KV + resource definitions + resource view + storage pools
  t.is(ten.requests, 5);
  t.is(fiveHundred.requests, ten.requests);
});

test('read after write: a write costs its PUT only and later reads see it without a new GET', async (t) => {
  const env = await startVolumeEnv(t);
  const volumes = await env.open();
  const a = uuidOf(1);
  await volumes.create(a, GiB);
  let before = env.requests();
  await volumes.setMetadata(a, { name_label: 'one' });
  t.is((await volumes.getMetadata(a)).name_label, 'one');
  await volumes.updateMetadata(a, { name_label: 'two' });
  t.is((await volumes.getMetadata(a)).name_label, 'two');
  await volumes.lock(a);
  await volumes.unlock(a);
  t.is(env.requests() - before, 4, 'four PUTs, no GET');
  // A resize invalidates the resource view: the next size read asks LINSTOR once, then is cached again.
  await volumes.sizes(a);
  await volumes.resize(a, 2 * GiB);
  before = env.requests();
  t.is((await volumes.sizes(a))?.usableBytes, 2 * GiB);
  await volumes.sizes(a);
  t.is(env.requests() - before, 1);
  t.true(volumes.cacheStats().hits > 0);
});

test('concurrent readers share one request; a failed read is not cached', async (t) => {
  const env = await startVolumeEnv(t);
  const volumes = await env.open();
  await volumes.create(uuidOf(1), GiB);
  volumes.invalidateResources();
  let before = env.requests();
  await Promise.all([volumes.sizes(uuidOf(1)), volumes.sizes(uuidOf(1)), volumes.usageStates(uuidOf(1))]);
  t.is(env.requests() - before, 1);
  volumes.invalidateResources();
  env.sim.controls.addFault({ method: 'GET', path: '/v1/view/resources', status: 500 });
  await t.throwsAsync(volumes.sizes(uuidOf(1)));
  before = env.requests();
  t.is((await volumes.sizes(uuidOf(1)))?.usableBytes, GiB);
  t.is(env.requests() - before, 1);
});
