import test from 'ava';
import { srFixture } from '../../sim/fixtures/sr.js';
import { GC_POINTS } from '../../gc/fault-points.js';
import { asVdiUuid } from '../../lib/volume/index.js';
import { contentOf } from './helpers.js';
import { buildChain, parents, type Layer } from '../../sim/fixtures/chain.js';
import { createdSr } from '../../sim/fixtures/sr-create.js';
import { openVolumes } from '../../sim/fixtures/volumes.js';
import { runGc } from '../../sim/fixtures/collector.js';

const BASE = '11111111-1111-4111-8111-000000000001';
const MID = '11111111-1111-4111-8111-000000000002';
const LEAF = '11111111-1111-4111-8111-000000000003';
const SNAP = '11111111-1111-4111-8111-000000000004';
const GARBAGE = '11111111-1111-4111-8111-000000000005';

/** base ← mid (hidden) ← {leaf, snap}; base hidden; plus a hidden leaf. Writes overlap across layers. */
const CHAIN: Layer[] = [
  { uuid: BASE, label: 'base copy', hidden: true, writes: [{ offset: 0, length: 3 << 20, fill: 0x11 }, { offset: 9 << 20, length: 4096, fill: 0x12 }] },
  { uuid: MID, label: 'base copy', parent: BASE, hidden: true, writes: [{ offset: 1 << 20, length: 5 << 20, fill: 0x21 }, { offset: (9 << 20) + 512, length: 1024, fill: 0x22 }] },
  { uuid: LEAF, label: 'disk', parent: MID, writes: [{ offset: (2 << 20) + 512, length: 700_000, fill: 0x31 }] },
  { uuid: SNAP, label: 'disk snap', parent: MID, writes: [] },
  { uuid: GARBAGE, label: 'old snapshot', hidden: true, writes: [{ offset: 0, length: 4096, fill: 0x55 }] },
];

test('status and dry-run report the trees and the plan, and change nothing', async (t) => {
  const fx = await srFixture(t, { hosts: 2 });
  await buildChain(fx, CHAIN);
  const status = await runGc(fx, ['--status']);
  t.is(status.exitCode, 0, status.stderr);
  t.regex(status.stdout, new RegExp(`^${BASE} {2}"base copy" {2}hidden`, 'm'));
  t.regex(status.stdout, new RegExp(`└─ ${MID} `));
  t.regex(status.stdout, new RegExp(`delete ${GARBAGE} \\(hidden leaf\\)`));
  t.regex(status.stdout, new RegExp(`coalesce ${MID} into ${BASE}, relink ${LEAF}, ${SNAP}`));
  const dry = await runGc(fx, ['--dry-run']);
  t.is(dry.exitCode, 0, dry.stderr);
  t.regex(dry.stdout, /dry run: nothing was changed/);
  t.is((await openVolumes(fx)).list().length, 5);
});

test('a run deletes the garbage, coalesces the hidden middle layer and relinks its children; every visible byte is unchanged', async (t) => {
  const fx = await srFixture(t, { hosts: 2 });
  await buildChain(fx, CHAIN);
  const before = { leaf: await contentOf(fx, LEAF), snap: await contentOf(fx, SNAP) };
  const r = await runGc(fx, []);
  t.is(r.exitCode, 0, `${r.stderr}\n${r.log}`);
  t.regex(r.stdout, new RegExp(`done: delete ${GARBAGE}`));
  t.regex(r.stdout, /bytes merged in \d+ ms/);
  // Off a terminal the merge reports plain progress lines, from the start to 100%, with its throughput.
  t.regex(r.stdout, new RegExp(`coalesce ${MID} into ${BASE}, relink [^\\n]*: 0% `));
  t.regex(r.stdout, new RegExp(`coalesce ${MID} into ${BASE}, relink [^\\n]*: 100% [\\d.]+/[\\d.]+ MiB at [\\d.]+ MiB/s`));
  const p = await parents(fx);
  t.deepEqual([...p.keys()].sort(), [BASE, LEAF, SNAP].sort());
  t.is(p.get(LEAF), BASE);
  t.is(p.get(SNAP), BASE);
  t.true((await contentOf(fx, LEAF)).equals(before.leaf));
  t.true((await contentOf(fx, SNAP)).equals(before.snap));
  const journal = Object.keys(await fx.linstor.keyValueStore.props(`xcp-sr-${fx.groupName.replace('/', '_')}`)).filter((k) => k.includes('journal'));
  t.deepEqual(journal, []);
  t.deepEqual(fx.pool.xapi.db.refsWhere('task', (r) => r['name_label'] === 'Garbage Collection'), [], 'the run destroys its XAPI task');
  // Nothing left to do: a second run is a no-op.
  const again = await runGc(fx, ['--once']);
  t.is(again.exitCode, 0);
  t.notRegex(again.stdout, /done:/);
});

test('killed after destroying a garbage volume, before forgetting its record: the next scan forgets it, nothing else changes', async (t) => {
  const fx = await createdSr(t, 2);
  await buildChain(fx, [CHAIN[4]!]);
  const db = fx.pool.xapi.db;
  const row = db.create('VDI', { SR: fx.srRef, location: GARBAGE, name_label: 'old snapshot', managed: false, sm_config: { vdi_type: 'vhd' } }, GARBAGE);
  const killed = await runGc(fx, [], { LINSTOR_SR_FAULTS: `${GC_POINTS.delete.afterDestroy}:kill` });
  t.is(killed.signal, 'SIGKILL', killed.stderr);
  t.regex(killed.stderr, /injected kill at gc:delete:after-destroy/);
  t.false((await openVolumes(fx)).has(asVdiUuid(GARBAGE)), 'the volume is gone');
  t.true(db.has('VDI', row), 'its record is not forgotten yet');
  await fx.xapi.call('SR.scan', fx.srRef);
  t.false(db.has('VDI', row), 'the scan forgot it');
  const again = await runGc(fx, ['--once']);
  t.is(again.exitCode, 0, again.stderr);
});

test('sm switches: SR other-config gc=false stops the collector; VDI other-config leaf-coalesce=false keeps the leaf apart', async (t) => {
  const fx = await srFixture(t, { hosts: 2 });
  const base = '99999999-9999-4999-8999-000000000001';
  const leaf = '99999999-9999-4999-8999-000000000002';
  await buildChain(fx, [
    { uuid: base, label: 'base copy', hidden: true, writes: [{ offset: 0, length: 4096, fill: 1 }] },
    { uuid: leaf, label: 'disk', parent: base },
    { uuid: GARBAGE, label: 'old', hidden: true },
  ]);
  await fx.xapi.call('SR.add_to_other_config', fx.srRef, 'gc', 'false');
  const off = await runGc(fx, []);
  t.is(off.exitCode, 0);
  t.regex(off.stdout, /disabled on SR .* \(other-config:gc=false\)/);
  t.is((await openVolumes(fx)).list().length, 3);
  await fx.xapi.call('SR.remove_from_other_config', fx.srRef, 'gc');
  fx.pool.xapi.db.create('VDI', { SR: fx.srRef, name_label: 'disk', managed: true, other_config: { 'leaf-coalesce': 'false' }, sm_config: { 'vhd-parent': base } }, leaf);
  const on = await runGc(fx, []);
  t.is(on.exitCode, 0, on.stderr);
  t.regex(on.stdout, new RegExp(`done: delete ${GARBAGE}`));
  t.deepEqual([...(await parents(fx)).entries()].sort(), [[base, undefined], [leaf, base]]);
});

test('the collector refuses to run where it must not: SR unplugged here, or not the pool master; a bad command line is a usage error', async (t) => {
  const fx = await srFixture(t, { hosts: 2 });
  const usage = await runGc(fx, ['--bogus']);
  t.is(usage.exitCode, 2);
  t.regex(usage.stderr, /unknown argument "--bogus"\nusage: linstor-gc --sr <uuid>/);
  const db = fx.pool.xapi.db;
  const [pbd] = db.refsWhere('PBD', (r) => r['SR'] === fx.srRef && r['host'] === fx.pool.xapi.host('host1').ref);
  db.set('PBD', pbd!, { currently_attached: false });
  const unplugged = await runGc(fx, []);
  t.is(unplugged.exitCode, 1);
  t.regex(unplugged.stderr, /is not plugged on this host/);
  db.set('PBD', pbd!, { currently_attached: true });
  db.set('pool', db.all('pool')[0]!, { master: fx.pool.xapi.host('host2').ref });
  const slave = await runGc(fx, []);
  t.is(slave.exitCode, 1);
  t.regex(slave.stderr, /runs on the pool master only/);
});
