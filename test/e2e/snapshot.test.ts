/**
 * vdi_snapshot and vdi_clone end to end: XenAPI calls on the simulated pool, xapi executing the built
 * driver on the SR master; data checked through the tapdisk stand-in and through libvhdi (pyvhdi) as an
 * independent reader of the chains the driver wrote.
 */
import test from 'ava';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { assertSameBytes, ORACLES, pyvhdiRead } from '../lib/vhd/helpers.js';
import { contentHash } from './crash-matrix.js';
import { destroyVolume } from './sr-helpers.js';
import { chainFiles, depthOf, inconsistencies, readLeaf, seedChain, xapiView } from './snapshot-helpers.js';
import { kvOf } from '../../sim/fixtures/kv.js';
import { writeLeaf } from '../../sim/fixtures/write.js';
import { createdSr, newVdi, readVdi, runVerb, writeVdi } from './vdi-io.js';

const MIB = 1024 * 1024;
const EXHAUSTIVE = process.env['LINSTOR_SR_EXHAUSTIVE'] === '1';

test('double snapshot of a VDI active on a slave: paused and unpaused there, the snapshot keeps the old data (tapdisk and libvhdi), the leaf the new', async (t) => {
  t.timeout(15 * 60_000);
  const f = await createdSr(t, 3);
  const a = await newVdi(f, 64 * MIB);
  const vm = await f.startVmWith(a.ref, 'host2');
  const before = randomBytes(3 * MIB + 4321);
  await writeVdi(f, 'host2', a.uuid, 5 * MIB + 3, before);

  const snapRef = await f.xapi.vdi.snapshot(a.ref);
  const snap = await f.xapi.vdi.getRecord(snapRef);
  t.true(snap.is_a_snapshot);
  t.is(snap.snapshot_of, a.ref);
  t.is(snap.name_label, 'disk');
  const view = await xapiView(f);
  const base = [...view].find(([, v]) => !v.managed);
  t.truthy(base, 'a base copy, unmanaged');
  t.is(view.get(a.uuid)?.parent, base![0], 'the active VDI names the base as its parent');
  t.is(view.get(snap.uuid)?.parent, base![0]);
  t.is(view.size, 3);
  const sm = await f.xapi.vdi.getSmConfig(a.ref);
  t.is(sm['paused'], undefined, 'unpaused');
  t.truthy(Object.keys(sm).find((k) => k.startsWith('host_')), 'host_ key carried onto the new leaf');

  // The VM keeps writing: to the new leaf, on its new resource (unpause refreshed the path).
  const after = randomBytes(3 * MIB + 4321);
  await writeVdi(f, 'host2', a.uuid, 5 * MIB + 3, after);
  assertSameBytes(t, await readVdi(f, 'host2', a.uuid, 5 * MIB + 3, after.length), after, 'leaf');
  await f.xapi.call('VM.hard_shutdown', vm);

  if (ORACLES.pyvhdi) {
    const scratch = await mkdtemp(path.join(os.tmpdir(), 'snap-'));
    const snapData = await pyvhdiRead(await chainFiles(f, snap.uuid), scratch);
    assertSameBytes(t, snapData.subarray(5 * MIB + 3, 5 * MIB + 3 + before.length), before, 'snapshot through libvhdi');
    const leafData = await pyvhdiRead(await chainFiles(f, a.uuid), scratch);
    assertSameBytes(t, leafData.subarray(5 * MIB + 3, 5 * MIB + 3 + after.length), after, 'leaf through libvhdi');
  } else if (process.env['CI'] === 'true') t.fail('python3-libvhdi is not installed');
  const vm2 = await f.startVmWith(snapRef, 'host3');
  assertSameBytes(t, await readVdi(f, 'host3', snap.uuid, 5 * MIB + 3, before.length), before, 'snapshot through tapdisk');
  await f.xapi.call('VM.hard_shutdown', vm2);
  t.deepEqual(await inconsistencies(f), []);
  t.deepEqual(Object.keys(await kvOf(f)).filter((k) => k.includes('journal')), []);
});

test('single, internal and clone: what each returns, clones independent of each other, the undo-free chain consistent', async (t) => {
  t.timeout(15 * 60_000);
  const f = await createdSr(t, 2);
  const a = await newVdi(f, 16 * MIB);
  const first = randomBytes(2 * MIB);
  await writeLeaf(f, a.uuid, MIB, first);

  const singleRef = await f.xapi.vdi.snapshot(a.ref, { type: 'single' });
  const single = await f.xapi.vdi.getRecord(singleRef);
  t.false(single.managed, 'a single snapshot is the base copy');
  t.is((await f.xapi.vdi.getSmConfig(a.ref))['vhd-parent'], single.uuid);
  t.is(await depthOf(f, a.uuid), 2);

  await writeLeaf(f, a.uuid, MIB, randomBytes(2 * MIB));
  const internalRef = await f.xapi.vdi.snapshot(a.ref, { type: 'internal' });
  t.false((await f.xapi.vdi.getRecord(internalRef)).managed);
  t.is(await depthOf(f, a.uuid), 3);

  const c1Ref = await f.xapi.vdi.clone(a.ref);
  const c2Ref = await f.xapi.vdi.clone(a.ref);
  const [c1, c2] = [await f.xapi.vdi.getRecord(c1Ref), await f.xapi.vdi.getRecord(c2Ref)];
  t.false(c1.is_a_snapshot);
  t.true(c1.managed && c2.managed);
  const current = await contentHash(f, a.uuid);
  t.is(await contentHash(f, c1.uuid), current, 'a clone holds the data of its source');
  await writeLeaf(f, c1.uuid, 0, Buffer.alloc(MIB, 1));
  await writeLeaf(f, c2.uuid, 0, Buffer.alloc(MIB, 2));
  t.is(await contentHash(f, a.uuid), current, 'writing the clones leaves the source alone');
  t.not(await contentHash(f, c1.uuid), await contentHash(f, c2.uuid), 'the clones are independent');
  t.deepEqual((await readLeaf(f, c2.uuid, 0, 4)), Buffer.alloc(4, 2));
  t.deepEqual(await inconsistencies(f), []);

  // The single snapshot (the first base) still holds the first data, whatever came after.
  if (ORACLES.pyvhdi) {
    const scratch = await mkdtemp(path.join(os.tmpdir(), 'snap-'));
    const data = await pyvhdiRead(await chainFiles(f, single.uuid), scratch);
    assertSameBytes(t, data.subarray(MIB, MIB + first.length), first, 'single snapshot through libvhdi');
  }
  await f.xapi.vdi.destroy(c1Ref);
  await f.xapi.vdi.destroy(c2Ref);
  t.deepEqual(await inconsistencies(f), []);
});

test('a chain of 29 snapshots works and the 30th is SnapshotChainTooLong, with nothing changed', async (t) => {
  t.timeout(30 * 60_000);
  const f = await createdSr(t, 2);
  let a: { ref: string; uuid: string };
  if (EXHAUSTIVE) {
    a = await newVdi(f, 4 * MIB);
    for (let i = 1; i <= 29; i += 1) {
      // A write between snapshots keeps every base (an empty one would be skipped, and the chain not grow).
      await writeLeaf(f, a.uuid, 0, Buffer.alloc(512, i));
      await f.xapi.vdi.snapshot(a.ref, { type: 'single' });
    }
  } else {
    // The first 28 levels seeded as 28 earlier snapshots would have left them (what the exhaustive run
    // builds through the driver), introduced by a scan; the 29th and 30th snapshots go through the driver.
    const uuid = randomUUID();
    await seedChain(f, uuid, 28);
    await f.xapi.sr.scan(f.srRef);
    a = { ref: await f.xapi.vdi.getByUuid(uuid), uuid };
    t.is(await depthOf(f, a.uuid), 29);
    await writeLeaf(f, a.uuid, 0, Buffer.alloc(512, 29));
    await f.xapi.vdi.snapshot(a.ref, { type: 'single' });
  }
  t.is(await depthOf(f, a.uuid), 30);
  await writeLeaf(f, a.uuid, 0, Buffer.alloc(512, 30));
  const before = await xapiView(f);
  const kv = await kvOf(f);
  await t.throwsAsync(f.xapi.vdi.snapshot(a.ref), { message: /SR_BACKEND_FAILURE_109|SnapshotChainTooLong|chain/ });
  t.deepEqual(await xapiView(f), before);
  t.deepEqual(await kvOf(f), kv);
  t.deepEqual(await readLeaf(f, a.uuid, 0, 4), Buffer.alloc(4, 30));
});

test('bad input: missing, hidden, pending journal, on a slave, controller down, no space — a clear fault and nothing changed', async (t) => {
  t.timeout(15 * 60_000);
  const f = await createdSr(t, 2);
  const a = await newVdi(f, 8 * MIB);
  await writeLeaf(f, a.uuid, 0, randomBytes(MIB));
  const baseRef = await f.xapi.vdi.snapshot(a.ref, { type: 'single' });
  const state = async () => ({ view: await xapiView(f), kv: await kvOf(f), rds: (await f.linstor.resourceDefinitions.list()).map((d) => d.name).sort() });
  let before = await state();

  await t.throwsAsync(f.xapi.vdi.snapshot(baseRef), { message: /SR_BACKEND_FAILURE_82|hidden/ });
  t.deepEqual(await state(), before, 'hidden: nothing changed');

  const kvName = `xcp-sr-${f.groupName.replace('/', '_')}`;
  await f.linstor.keyValueStore.modify(kvName, { override_props: { [`/xcp/sr/journal/leaf/${a.uuid}`]: 'x' } });
  before = await state();
  await t.throwsAsync(f.xapi.vdi.snapshot(a.ref), { message: /Interrupted operation|SR_BACKEND_FAILURE_46/ });
  t.deepEqual(await state(), before, 'pending journal: nothing changed');
  await f.linstor.keyValueStore.modify(kvName, { delete_props: [`/xcp/sr/journal/leaf/${a.uuid}`] });
  before = await state();

  await t.throwsAsync(runVerb(f, 'host2', 'vdi_snapshot', a.ref), { message: /LinstorMaster|5002|master/i });
  t.deepEqual(await state(), before, 'slave: nothing changed');

  const sim = f.pool.runtime.controller.sim!;
  sim.refuseConnections();
  await t.throwsAsync(f.xapi.vdi.snapshot(a.ref), { message: /SR_BACKEND_FAILURE_47/ });
  await sim.acceptConnections();
  t.deepEqual(await state(), before, 'controller down: nothing changed');

  sim.controls.addFault({ method: 'GET', path: '/v1/resource-groups/{resource_group}/query-max-volume-size', status: 200, rawBody: '{"candidates":[{"max_volume_size_kib":1024}]}', count: 10 });
  await t.throwsAsync(f.xapi.vdi.snapshot(a.ref), { message: /SR_BACKEND_FAILURE_44|SRNoSpace|do not fit/ });
  sim.controls.clearFaults();
  t.deepEqual(await state(), before, 'no space: nothing changed');

  const raw = await newVdi(f, 8 * MIB, { sm_config: { type: 'raw' } });
  before = await state();
  await t.throwsAsync(f.xapi.vdi.snapshot(raw.ref), { message: /UNIMPLEMENTED|SR_BACKEND_FAILURE_38|RAW/ });
  t.deepEqual(await state(), before, 'RAW: nothing changed');

  // A killed snapshot: activation refuses the VDI until a scan undoes the clone.
  const content = await readLeaf(f, a.uuid, 0, MIB);
  f.pool.xapi.armFault('host1', 'vdi_snapshot', 'clone:after-leaves:kill');
  await t.throwsAsync(f.xapi.vdi.snapshot(a.ref));
  t.truthy((await kvOf(f))[`xcp/sr/journal/clone/${a.uuid}`], 'the clone entry is left');
  await t.throwsAsync(f.startVmWith(a.ref, 'host2'), { message: /Interrupted operation/ });
  await f.xapi.sr.scan(f.srRef);
  t.deepEqual(await inconsistencies(f), []);
  const vm = await f.startVmWith(a.ref, 'host2');
  assertSameBytes(t, await readVdi(f, 'host2', a.uuid, 0, MIB), content, 'content after the undo');
  await f.xapi.call('VM.hard_shutdown', vm);

  // A snapshot XAPI lost (DB restored from a backup): the scan introduces it as a snapshot of its VDI.
  const lost = await f.xapi.vdi.getUuid(await f.xapi.vdi.snapshot(a.ref));
  f.pool.xapi.db.destroy('VDI', await f.xapi.vdi.getByUuid(lost));
  await f.xapi.sr.scan(f.srRef);
  const found = await f.xapi.vdi.getRecord(await f.xapi.vdi.getByUuid(lost));
  t.true(found.is_a_snapshot, 'reintroduced as a snapshot');
  t.is(found.snapshot_of, a.ref, 'of its VDI');

  const gone = await newVdi(f, 8 * MIB);
  await destroyVolume(f.pool, f.groupName, gone.uuid);
  await t.throwsAsync(f.xapi.vdi.snapshot(gone.ref), { message: /SR_BACKEND_FAILURE_46|Could not load|VDIUnavailable/ });
  t.deepEqual(await inconsistencies(f), []);
});
