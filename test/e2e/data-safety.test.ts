/**
 * The commit point of vdi_snapshot and vdi_clone, with a guest that keeps writing: a verb killed after the
 * commit is finished by the recovery (never undone), one killed before it is undone, and either way the
 * guest ends unpaused and every write acknowledged after the kill and after the recovery reads back —
 * on the host it runs on and on another one after a restart. Recovery never runs without the SR lock,
 * and a scan never forgets a VDI that a running VM has plugged.
 */
import test from 'ava';
import { randomBytes } from 'node:crypto';
import { execa } from 'execa';
import { CLONE_POINTS } from '../../driver/clone/points.js';
import { SmLocks } from '../../lib/host/sm-lock.js';
import { setHostPower } from '../../sim/pool/failover.js';
import { assertSameBytes } from '../lib/vhd/helpers.js';
import { inconsistencies, xapiView } from './snapshot-helpers.js';
import { kvOf } from '../../sim/fixtures/kv.js';
import type { SrFixture } from '../../sim/fixtures/sr.js';
import { createdSr, newVdi, readVdi, runVerb, writeVdi } from './vdi-io.js';
import { INFLATE_POINTS } from '../../lib/thin/thin.js';

const MIB = 1024 * 1024;

let shared: Promise<SrFixture> | undefined;
const teardowns: (() => Promise<void>)[] = [];
test.after.always(async () => {
  for (const fn of teardowns.reverse()) await fn();
});
/** One SR for the whole file (the tests run one after the other, each on VDIs of its own). */
function sr(): Promise<SrFixture> {
  shared ??= createdSr({ teardown: (fn) => teardowns.push(fn) }, 3);
  return shared;
}

function journalKeys(kv: Record<string, string>): string[] {
  return Object.keys(kv).filter((k) => k.startsWith('xcp/sr/journal/'));
}

/** tap-ctl list on `host` (every tapdisk there; the test VMs use one each). */
async function tapList(f: SrFixture, host: string): Promise<string> {
  return (await execa('tap-ctl', ['list'], { env: { PATH: f.pool.pathFor(host) } })).stdout;
}

/** Kills `verb` at `point` while a VM writes to a VDI on host2, then recovers with sr_scan. */
async function killedSnapshot(f: SrFixture, point: string) {
  const a = await newVdi(f, 32 * MIB);
  const vm = await f.startVmWith(a.ref, 'host2');
  const before = randomBytes(2 * MIB + 77);
  await writeVdi(f, 'host2', a.uuid, 3 * MIB + 5, before);
  const known = new Set((await xapiView(f)).keys());
  f.pool.xapi.armFault('host1', 'vdi_snapshot', `${point}:kill`);
  const outcome = await f.xapi.vdi.snapshot(a.ref).then(
    () => 'succeeded',
    (error: unknown) => String(error),
  );
  return { a, vm, before, known, outcome };
}

test.serial('killed after its unpause: the chain is not undone, the guest writes on, and the unanswered snapshot is dropped', async (t) => {
  t.timeout(10 * 60_000);
  const f = await sr();
  const { a, vm, before, known, outcome } = await killedSnapshot(f, CLONE_POINTS.afterUnpause);
  t.not(outcome, 'succeeded', 'the verb was killed');
  t.deepEqual(journalKeys(await kvOf(f)), [`xcp/sr/journal/unreturned/${[...(await xapiView(f))].find(([u, v]) => !known.has(u) && v.managed)?.[0] ?? '?'}`], 'committed, not answered');
  // The guest was told these bytes are written: they live in the new leaf from now on.
  const after = randomBytes(1 * MIB + 3);
  await writeVdi(f, 'host2', a.uuid, 8 * MIB + 11, after);
  await f.xapi.sr.scan(f.srRef);
  const later = randomBytes(64 * 1024);
  await writeVdi(f, 'host2', a.uuid, 12 * MIB, later);
  assertSameBytes(t, await readVdi(f, 'host2', a.uuid, 8 * MIB + 11, after.length), after, 'write after the kill, read on host2');
  assertSameBytes(t, await readVdi(f, 'host2', a.uuid, 12 * MIB, later.length), later, 'write after the scan, read on host2');
  const view = await xapiView(f);
  t.deepEqual([...view].filter(([uuid, v]) => !known.has(uuid) && v.managed), [], 'xapi reported a failure: no snapshot VDI stays');
  t.is(view.get(a.uuid)?.parent !== undefined, true, 'the chain stays: the VDI is a child of the base copy');
  t.deepEqual(journalKeys(await kvOf(f)), []);
  await f.xapi.call('VM.hard_shutdown', vm);
  const vm3 = await f.startVmWith(a.ref, 'host3');
  assertSameBytes(t, await readVdi(f, 'host3', a.uuid, 3 * MIB + 5, before.length), before, 'the data from before the snapshot, read on host3 after a restart');
  assertSameBytes(t, await readVdi(f, 'host3', a.uuid, 8 * MIB + 11, after.length), after, 'write after the kill, read on host3');
  assertSameBytes(t, await readVdi(f, 'host3', a.uuid, 12 * MIB, later.length), later, 'write after the scan, read on host3');
  await f.xapi.call('VM.hard_shutdown', vm3);
  t.deepEqual(await inconsistencies(f), []);
});

test.serial('failing after its commit: the guest is unpaused, the verb reports the failure and leaves no snapshot VDI', async (t) => {
  t.timeout(10 * 60_000);
  const f = await sr();
  const a = await newVdi(f, 16 * MIB);
  const vm = await f.startVmWith(a.ref, 'host2');
  const known = new Set((await xapiView(f)).keys());
  f.pool.xapi.armFault('host1', 'vdi_snapshot', `${CLONE_POINTS.afterUnpause}:throw`);
  await t.throwsAsync(f.xapi.vdi.snapshot(a.ref));
  t.deepEqual([...(await xapiView(f))].filter(([uuid, v]) => !known.has(uuid) && v.managed), [], 'no snapshot VDI, before any recovery');
  t.deepEqual(journalKeys(await kvOf(f)), []);
  t.is((await f.xapi.vdi.getSmConfig(a.ref))['paused'], undefined);
  const data = randomBytes(MIB);
  await writeVdi(f, 'host2', a.uuid, MIB, data);
  assertSameBytes(t, await readVdi(f, 'host2', a.uuid, MIB, data.length), data);
  await f.xapi.call('VM.hard_shutdown', vm);
  t.deepEqual(await inconsistencies(f), []);
});

test.serial('killed at the commit, before the unpause: sr_scan finishes it (unpaused, chain kept, unanswered result dropped)', async (t) => {
  t.timeout(10 * 60_000);
  const f = await sr();
  const { a, vm, known, outcome } = await killedSnapshot(f, CLONE_POINTS.afterCommit);
  t.not(outcome, 'succeeded');
  t.is((await f.xapi.vdi.getSmConfig(a.ref))['paused'], 'true', 'the guest is still paused');
  t.deepEqual(journalKeys(await kvOf(f)).map((k) => k.split('/')[3]), ['unreturned'], 'committed: only the unanswered result is recorded');
  await f.xapi.sr.scan(f.srRef);
  t.is((await f.xapi.vdi.getSmConfig(a.ref))['paused'], undefined, 'unpaused by the scan');
  t.notRegex(await tapList(f, 'host2'), /state=0x20/, 'no tapdisk left paused');
  const after = randomBytes(MIB + 9);
  await writeVdi(f, 'host2', a.uuid, 6 * MIB, after);
  assertSameBytes(t, await readVdi(f, 'host2', a.uuid, 6 * MIB, after.length), after);
  t.deepEqual([...(await xapiView(f))].filter(([uuid, v]) => !known.has(uuid) && v.managed), [], 'the unanswered snapshot is dropped');
  t.deepEqual(journalKeys(await kvOf(f)), []);
  await f.xapi.call('VM.hard_shutdown', vm);
  const vm3 = await f.startVmWith(a.ref, 'host3');
  assertSameBytes(t, await readVdi(f, 'host3', a.uuid, 6 * MIB, after.length), after, 'read on another host after a restart');
  await f.xapi.call('VM.hard_shutdown', vm3);
  t.deepEqual(await inconsistencies(f), []);
});

test.serial('killed before the commit: sr_scan undoes it and unpauses; writes after the recovery survive', async (t) => {
  t.timeout(10 * 60_000);
  const f = await sr();
  const { a, vm, before, known, outcome } = await killedSnapshot(f, CLONE_POINTS.beforeCommit);
  t.not(outcome, 'succeeded');
  t.is((await f.xapi.vdi.getSmConfig(a.ref))['paused'], 'true');
  await f.xapi.sr.scan(f.srRef);
  t.is((await f.xapi.vdi.getSmConfig(a.ref))['paused'], undefined, 'unpaused by the recovery');
  t.deepEqual([...(await xapiView(f)).keys()].filter((u) => !known.has(u)), [], 'no VDI left by the failed snapshot');
  const after = randomBytes(MIB + 1);
  await writeVdi(f, 'host2', a.uuid, 7 * MIB, after);
  await f.xapi.call('VM.hard_shutdown', vm);
  const vm3 = await f.startVmWith(a.ref, 'host3');
  assertSameBytes(t, await readVdi(f, 'host3', a.uuid, 3 * MIB + 5, before.length), before);
  assertSameBytes(t, await readVdi(f, 'host3', a.uuid, 7 * MIB, after.length), after);
  await f.xapi.call('VM.hard_shutdown', vm3);
  t.deepEqual(await inconsistencies(f), []);
});

test.serial('a verb on another VDI waits for the SR lock of a running snapshot and never touches its journal entry', async (t) => {
  t.timeout(10 * 60_000);
  const f = await sr();
  const a = await newVdi(f, 16 * MIB);
  const b = await newVdi(f, 16 * MIB);
  // A snapshot of A in flight on the master: it holds the SR lock and has written its entry.
  const root = f.pool.runtime.host('host1').spec.root;
  const locks = new SmLocks({ root });
  t.teardown(() => locks.close());
  const held = await locks.acquire(f.srUuid, 'sr');
  const key = `/xcp/sr/journal/clone/${a.uuid}`;
  const kvName = `xcp-sr-${f.groupName.replace('/', '_')}`;
  await f.linstor.keyValueStore.modify(kvName, { override_props: { [key]: '00000000-0000-4000-8000-00000000000b_None' } });
  let resized = false;
  const resize = f.xapi.vdi.resize(b.ref, 32 * MIB).then(() => (resized = true));
  await new Promise((resolve) => setTimeout(resolve, 4_000));
  t.false(resized, 'vdi_resize waits for the SR lock');
  t.truthy((await kvOf(f))[key.slice(1)], 'the running snapshot\'s entry is untouched');
  // The snapshot commits (its entry goes) and releases the lock: the resize proceeds.
  await f.linstor.keyValueStore.modify(kvName, { delete_props: [key] });
  await held.release();
  await resize;
  t.is(Number(await f.xapi.vdi.get(b.ref, 'virtual_size')), 32 * MIB);
  t.true((await xapiView(f)).has(a.uuid));
  await f.xapi.vdi.destroy(a.ref);
  await f.xapi.vdi.destroy(b.ref);
});

test.serial('the master\'s own vdi_activate waits for a collector step\'s SR lock, then opens the disk under the volume lock', async (t) => {
  t.timeout(10 * 60_000);
  const f = await sr();
  const a = await newVdi(f, 16 * MIB);
  const b = await newVdi(f, 16 * MIB);
  const lockKey = async (uuid: string) => (await kvOf(f))[`xcp/volume/${uuid}/readonly-timestamp`];
  await runVerb(f, 'host1', 'vdi_attach', a.ref, ['true']);
  // The collector decides under the SR lock that the leaf is unused, then merges and swaps it within that
  // hold: an activation must not open the leaf in between.
  const locks = new SmLocks({ root: f.pool.runtime.host('host1').spec.root });
  t.teardown(() => locks.close());
  const held = await locks.acquire(f.srUuid, 'sr');
  let activated = false;
  const activation = runVerb(f, 'host1', 'vdi_activate', a.ref, ['true']).then(() => (activated = true));
  await new Promise((resolve) => setTimeout(resolve, 4_000));
  t.false(activated, 'the activation waits for the collector\'s step');
  t.notRegex(await tapList(f, 'host1'), new RegExp(a.uuid), 'no tapdisk opened meanwhile');
  await held.release();
  await activation;
  t.regex(await tapList(f, 'host1'), /./);
  await runVerb(f, 'host1', 'vdi_deactivate', a.ref);
  await runVerb(f, 'host1', 'vdi_detach', a.ref);
  // Killed inside its device work (the first activation of a thin disk inflates it): the volume lock
  // it held is still there (it expires by itself).
  await runVerb(f, 'host1', 'vdi_attach', b.ref, ['true']);
  f.pool.xapi.armFault('host1', 'vdi_activate', `${INFLATE_POINTS.afterJournal}:kill`);
  await t.throwsAsync(runVerb(f, 'host1', 'vdi_activate', b.ref, ['true']));
  t.truthy(await lockKey(b.uuid), 'the activation held the volume lock while it inflated the disk');
  // A scan repairs the interrupted inflate once the lock has expired; the disk then activates.
  await f.xapi.call('SR.scan', f.srRef);
  await runVerb(f, 'host1', 'vdi_activate', b.ref, ['true']);
  await runVerb(f, 'host1', 'vdi_deactivate', b.ref);
  await runVerb(f, 'host1', 'vdi_detach', b.ref);
  for (const vdi of [a, b]) await f.xapi.vdi.destroy(vdi.ref);
});

test.serial('sr_scan never forgets a VDI that a running VM has plugged, even when its volume is out of sight', async (t) => {
  t.timeout(10 * 60_000);
  const f = await sr();
  const a = await newVdi(f, 16 * MIB);
  const vm = await f.startVmWith(a.ref, 'host2');
  const kvName = `xcp-sr-${f.groupName.replace('/', '_')}`;
  const props = await f.linstor.keyValueStore.props(kvName);
  const own = Object.fromEntries(Object.entries(props).filter(([k]) => k.replace(/^\//, '').startsWith(`xcp/volume/${a.uuid}/`)));
  // Its KV keys vanish (an operator's mistake, a half-applied repair): the resource and the VM stay.
  await f.linstor.keyValueStore.modify(kvName, { delete_props: Object.keys(own) });
  await f.xapi.sr.scan(f.srRef);
  t.true((await xapiView(f)).has(a.uuid), 'still known to XAPI while plugged');
  await f.linstor.keyValueStore.modify(kvName, { override_props: own });
  await f.xapi.call('VM.hard_shutdown', vm);
  await f.xapi.sr.scan(f.srRef);
  t.true((await xapiView(f)).has(a.uuid));
  t.deepEqual(await inconsistencies(f), []);
});

test.serial('the controller vanishing mid-verb answers SRUnavailable (47), and the failed verb leaves no VDI behind', async (t) => {
  t.timeout(10 * 60_000);
  const f = await sr();
  const sim = f.pool.runtime.controller.sim;
  if (!sim) throw new Error('no LINSTOR simulator');
  const a = await newVdi(f, 16 * MIB);
  const known = new Set((await xapiView(f)).keys());
  const cases: [string, () => Promise<unknown>, number][] = [
    ['vdi_create', () => newVdi(f, 16 * MIB), 8],
    ['vdi_snapshot', () => f.xapi.vdi.snapshot(a.ref), 14],
  ];
  for (const [verb, run, nth] of cases) {
    sim.controls.refuseFromNth(nth);
    const error = await run().then(
      () => undefined,
      (e: unknown) => e as { code?: string; params?: readonly string[] },
    );
    sim.controls.clearFaults();
    sim.controls.resetCounters();
    await sim.acceptConnections();
    t.is(error?.code, 'SR_BACKEND_FAILURE_47', `${verb}: ${JSON.stringify(error?.params)}`);
    await f.xapi.sr.scan(f.srRef);
    t.deepEqual([...(await xapiView(f)).keys()].filter((u) => !known.has(u)), [], `${verb}: no new VDI after the recovery`);
  }
  t.deepEqual(await inconsistencies(f), []);
  await f.xapi.vdi.destroy(a.ref);
});

test.serial('a VM started on the master after a killed snapshot: the attach recovers it instead of asking for a scan', async (t) => {
  t.timeout(10 * 60_000);
  const f = await sr();
  const a = await newVdi(f, 16 * MIB);
  const data = randomBytes(MIB);
  const vm = await f.startVmWith(a.ref, 'host2');
  await writeVdi(f, 'host2', a.uuid, 2 * MIB, data);
  await f.xapi.call('VM.hard_shutdown', vm);
  const known = new Set((await xapiView(f)).keys());
  f.pool.xapi.armFault('host1', 'vdi_snapshot', `${CLONE_POINTS.afterSnapVhd}:kill`);
  await t.throwsAsync(f.xapi.vdi.snapshot(a.ref));
  t.true(journalKeys(await kvOf(f)).length > 0, 'the killed snapshot left its entry');
  const vm1 = await f.startVmWith(a.ref, 'host1');
  assertSameBytes(t, await readVdi(f, 'host1', a.uuid, 2 * MIB, data.length), data);
  t.deepEqual(journalKeys(await kvOf(f)), []);
  t.deepEqual([...(await xapiView(f)).keys()].filter((u) => !known.has(u)), [], 'undone: no VDI of the killed snapshot');
  await f.xapi.call('VM.hard_shutdown', vm1);
  t.deepEqual(await inconsistencies(f), []);
});

test.serial('an undo whose unpause fails on a host that is down keeps the mark; once the host is back a scan clears it', async (t) => {
  t.timeout(10 * 60_000);
  const f = await sr();
  const a = await newVdi(f, 16 * MIB);
  const vm = await f.startVmWith(a.ref, 'host2');
  f.pool.xapi.armFault('host1', 'vdi_snapshot', `${CLONE_POINTS.afterSnapVhd}:kill`);
  await t.throwsAsync(f.xapi.vdi.snapshot(a.ref));
  await setHostPower(f.pool.runtime, f.pool.xapi, 'host2', false);
  await f.xapi.sr.scan(f.srRef).catch(() => undefined);
  t.is((await f.xapi.vdi.getSmConfig(a.ref))['paused'], 'true', 'the guest on the unreachable host may still be frozen: the mark stays');
  // The power cycle ended the VM's tapdisk: there is nothing left to unpause there, and the mark goes.
  await setHostPower(f.pool.runtime, f.pool.xapi, 'host2', true);
  await f.xapi.sr.scan(f.srRef);
  t.is((await f.xapi.vdi.getSmConfig(a.ref))['paused'], undefined);
  t.notRegex(await tapList(f, 'host2'), /state=0x20/);
  await f.xapi.call('VM.hard_shutdown', vm).catch(() => undefined);
  const data = randomBytes(MIB);
  const vm3 = await f.startVmWith(a.ref, 'host3');
  await writeVdi(f, 'host3', a.uuid, MIB, data);
  assertSameBytes(t, await readVdi(f, 'host3', a.uuid, MIB, data.length), data);
  await f.xapi.call('VM.hard_shutdown', vm3);
  t.deepEqual(await inconsistencies(f), []);
});

test.serial('destroying a VDI whose snapshot was killed after the rename recovers it first: it does not come back', async (t) => {
  t.timeout(10 * 60_000);
  const f = await sr();
  const a = await newVdi(f, 16 * MIB);
  f.pool.xapi.armFault('host1', 'vdi_snapshot', `${CLONE_POINTS.afterRename}:kill`);
  await t.throwsAsync(f.xapi.vdi.snapshot(a.ref));
  await f.xapi.vdi.destroy(a.ref);
  await f.xapi.sr.scan(f.srRef);
  await f.xapi.sr.scan(f.srRef);
  t.false((await xapiView(f)).has(a.uuid), 'the destroyed VDI stays destroyed');
  t.false(Object.keys(await kvOf(f)).some((k) => k.includes(a.uuid)), 'and has no volume left');
  t.deepEqual(journalKeys(await kvOf(f)), []);
  t.deepEqual(await inconsistencies(f), []);
});

test.serial('a LINSTOR read failing after the VHD has grown: vdi_resize still succeeds and XAPI records the new size', async (t) => {
  t.timeout(10 * 60_000);
  const f = await sr();
  const sim = f.pool.runtime.controller.sim;
  if (!sim) throw new Error('no LINSTOR simulator');
  const count = () => sim.controls.counters().byRoute['GET /v1/view/resources'] ?? 0;
  const probe = await newVdi(f, 16 * MIB);
  const before = count();
  await f.xapi.vdi.resize(probe.ref, 20 * MIB);
  const views = count() - before;
  t.true(views > 0);
  const a = await newVdi(f, 16 * MIB);
  // The last resources view of the verb comes after the VHD resize (the new utilisation).
  sim.controls.addFault({ method: 'GET', path: '/v1/view/resources', nth: views, message: 'injected after the VHD resize' });
  await f.xapi.vdi.resize(a.ref, 24 * MIB);
  sim.controls.clearFaults();
  t.is(Number(await f.xapi.vdi.get(a.ref, 'virtual_size')), 24 * MIB, 'XAPI says what the disk is');
  const vm = await f.startVmWith(a.ref, 'host2');
  const data = randomBytes(64 * 1024);
  await writeVdi(f, 'host2', a.uuid, 24 * MIB - data.length, data);
  assertSameBytes(t, await readVdi(f, 'host2', a.uuid, 24 * MIB - data.length, data.length), data, 'the guest writes up to the new end');
  await f.xapi.call('VM.hard_shutdown', vm);
  await f.xapi.vdi.destroy(a.ref);
  await f.xapi.vdi.destroy(probe.ref);
});
