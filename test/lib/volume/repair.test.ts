// Repair at load (spec/sm-linstor.md §3.2, §3.5): stale states, half-done renames (ours and the Python
// driver's intermediate states, produced by hand as a crash would leave them), resourceless volumes,
// and the DELETED_ rename when a stale volume resists deletion.
import test from 'ava';
import { asVdiUuid } from '../../../lib/volume/index.js';
import { startVolumeEnv } from './volume-env.js';

const A = asVdiUuid('a0000000-0000-4000-8000-000000000001');
const B = asVdiUuid('b0000000-0000-4000-8000-000000000002');
const C = asVdiUuid('c0000000-0000-4000-8000-000000000003');
const GiB = 1024 ** 3;

test('stale CREATING and NOT_EXISTS volumes are ignored without repair and removed with it', async (t) => {
  const env = await startVolumeEnv(t);
  const volumes = await env.open();
  const creating = await volumes.create(A, GiB, { persistent: false });
  const dying = await volumes.create(B, GiB);
  await env.seedKv({ [`xcp/volume/${B}/not-exists`]: '1' });
  await volumes.create(C, GiB);
  t.deepEqual((await env.open()).list().sort(), [A, C], 'a slave keeps CREATING, ignores NOT_EXISTS');
  t.deepEqual(Object.keys(await env.rawKv()).length, 6, 'nothing removed without repair');

  const repaired = await env.open({ repair: true });
  t.deepEqual(repaired.list(), [C]);
  const rds = Object.keys(env.sim.state().resourceDefinitions);
  t.false(rds.includes(creating.toUpperCase()));
  t.false(rds.includes(dying.toUpperCase()));
  t.deepEqual(Object.keys(await env.rawKv()).sort(), [`xcp/volume/${C}/not-exists`, `xcp/volume/${C}/volume-name`]);
});

test('a rename interrupted after the marked copy: load without repair reads the source and writes nothing, repair discards the copy', async (t) => {
  const env = await startVolumeEnv(t);
  const volumes = await env.open();
  const rd = await volumes.create(A, GiB);
  await volumes.setMetadata(A, { name_label: 'a' });
  // The first step of the protocol, as a crash right after it leaves it.
  await env.seedKv({ [`xcp/volume/${B}/not-exists`]: '1', [`xcp/volume/${B}/updating-uuid-src`]: A, [`xcp/volume/${B}/volume-name`]: rd });
  const kvBefore = await env.rawKv();
  const reader = await env.open();
  t.deepEqual(reader.list(), [A], 'another verb (or a slave) reads the volume under its old uuid');
  t.is(reader.resourceName(A), rd);
  t.deepEqual(await env.rawKv(), kvBefore, 'a reader writes nothing');
  const repaired = await env.open({ repair: true });
  t.deepEqual(repaired.list(), [A]);
  t.is(repaired.resourceName(A), rd);
  t.deepEqual(Object.keys(await env.rawKv()).sort(), [`xcp/volume/${A}/metadata`, `xcp/volume/${A}/not-exists`, `xcp/volume/${A}/volume-name`]);
  t.truthy(env.sim.state().resourceDefinitions[rd.toUpperCase()], 'the resource is untouched');
});

test("a Python rename interrupted after not-exists=0 (source not yet cleared) is completed", async (t) => {
  const env = await startVolumeEnv(t);
  const volumes = await env.open();
  const rd = await volumes.create(A, GiB);
  await volumes.setMetadata(A, { name_label: 'a' });
  // Python steps 2–4 done: copy marked, copied, set to EXISTS; step 5 (clear source, pop marker) not done.
  await env.seedKv({
    [`xcp/volume/${B}/not-exists`]: '0',
    [`xcp/volume/${B}/updating-uuid-src`]: A,
    [`xcp/volume/${B}/volume-name`]: rd,
    [`xcp/volume/${B}/metadata`]: '{"name_label": "a"}',
  });
  const reader = await env.open();
  t.deepEqual(reader.list(), [B], 'without repair the committed rename reads as finished');
  t.is(reader.resourceName(B), rd);
  const repaired = await env.open({ repair: true });
  t.deepEqual(repaired.list(), [B]);
  t.is(repaired.resourceName(B), rd);
  t.deepEqual(await env.rawKv(), { [`xcp/volume/${B}/not-exists`]: '0', [`xcp/volume/${B}/volume-name`]: rd, [`xcp/volume/${B}/metadata`]: '{"name_label": "a"}' });
  t.is((await repaired.getMetadata(B)).name_label, 'a');
});

test('a Python rename interrupted after clearing the source (marker still set) is completed', async (t) => {
  const env = await startVolumeEnv(t);
  const volumes = await env.open();
  const rd = await volumes.create(A, GiB);
  await env.client.keyValueStore.modify('xcp-sr-linstor_group_thin_device', { delete_namespaces: [`/xcp/volume/${A}`] });
  await env.seedKv({ [`xcp/volume/${B}/not-exists`]: '0', [`xcp/volume/${B}/updating-uuid-src`]: A, [`xcp/volume/${B}/volume-name`]: rd });
  const repaired = await env.open({ repair: true });
  t.deepEqual(repaired.list(), [B]);
  t.deepEqual(await env.rawKv(), { [`xcp/volume/${B}/not-exists`]: '0', [`xcp/volume/${B}/volume-name`]: rd });
});

test('volumes whose resource definition is gone, or whose name is empty, are destroyed by repair', async (t) => {
  const env = await startVolumeEnv(t);
  const volumes = await env.open();
  const rd = await volumes.create(A, GiB);
  await volumes.create(C, GiB);
  await env.client.resourceDefinitions.delete(rd);
  await env.seedKv({ [`xcp/volume/${B}/not-exists`]: '0', [`xcp/volume/${B}/volume-name`]: '' });
  t.deepEqual((await env.open()).list().sort(), [A, C], 'without repair the resourceless volume stays listed');
  const repaired = await env.open({ repair: true });
  t.deepEqual(repaired.list(), [C]);
  t.deepEqual(Object.keys(await env.rawKv()).sort(), [`xcp/volume/${C}/not-exists`, `xcp/volume/${C}/volume-name`]);
});

test('a stale volume whose deletion fails is renamed to DELETED_<uuid>', async (t) => {
  const env = await startVolumeEnv(t);
  const volumes = await env.open();
  const rd = await volumes.create(A, GiB);
  await env.seedKv({ [`xcp/volume/${A}/not-exists`]: '1' });
  env.sim.controls.addFault({ method: 'DELETE', path: '/v1/resource-definitions/{resource}', status: 500 });
  const repaired = await env.open({ repair: true });
  const deleted = asVdiUuid(`DELETED_${A}`);
  t.deepEqual(repaired.list(), [deleted]);
  t.deepEqual(await env.rawKv(), { [`xcp/volume/${deleted}/not-exists`]: '0', [`xcp/volume/${deleted}/volume-name`]: rd });
  t.truthy(env.sim.state().resourceDefinitions[rd.toUpperCase()]);
  t.regex(env.sink.text(), /renaming it aside/);
});

test('our own rename is one atomic write and leaves nothing pending; a refused one changes nothing', async (t) => {
  const env = await startVolumeEnv(t);
  const volumes = await env.open();
  await volumes.create(A, GiB);
  await volumes.setMetadata(A, { name_label: 'a' });
  const before = env.requests();
  await volumes.rename(A, B);
  t.is(env.requests() - before, 1);
  t.deepEqual((await env.open()).list(), [B]);
  t.deepEqual(await (await env.open()).getMetadata(B), { name_label: 'a' });
  const kvBefore = await env.rawKv();
  env.sim.controls.addFault({ method: 'PUT', path: '/v1/key-value-store/{instance}', nth: 1 });
  await t.throwsAsync(volumes.rename(B, C));
  t.deepEqual(volumes.list(), [B]);
  t.deepEqual(await env.rawKv(), kvBefore);
});

test('a stale volume stuck Primary is demoted through the injected host ops, then deleted; open ones are kept', async (t) => {
  const env = await startVolumeEnv(t);
  const volumes = await env.open();
  const rd = await volumes.create(A, GiB, { persistent: false });
  const node = Object.values(env.sim.state().resourceDefinitions[rd.toUpperCase()]?.resources ?? {})[0]?.node ?? '';
  await env.sim.setResourceState(rd, node, { inUse: true });
  const demoted: string[] = [];
  const repaired = await env.open({
    repair: true,
    drbd: {
      openers: async () => [],
      demote: async (resource, on) => {
        demoted.push(`${resource}@${on}`);
        await env.sim.setResourceState(resource, on, { inUse: false });
      },
    },
  });
  t.deepEqual(demoted, [`${rd}@${node}`]);
  t.deepEqual(repaired.list(), []);
  t.deepEqual(await env.rawKv(), {});
  t.is(env.sim.state().resourceDefinitions[rd.toUpperCase()], undefined);

  // A device some process holds open is never demoted: the volume is moved aside to DELETED_.
  const open = await volumes.create(B, GiB, { persistent: false });
  const onNode = Object.values(env.sim.state().resourceDefinitions[open.toUpperCase()]?.resources ?? {})[0]?.node ?? '';
  await env.sim.setResourceState(open, onNode, { inUse: true });
  const again = await env.open({ repair: true, drbd: { openers: async () => [`${onNode}: 4242 tapdisk`], demote: async () => t.fail('must not demote') } });
  t.deepEqual(again.list(), [asVdiUuid(`DELETED_${B}`)]);
  t.truthy(env.sim.state().resourceDefinitions[open.toUpperCase()]);
});
