/**
 * Live leaf-coalesce with the VM running on a slave: the tapdisk there is paused for the final merge
 * and the OLD_ swap, and unpaused on the resource the leaf's uuid names afterwards. The guest reads the
 * same bytes before and after, its writes after the unpause land in the merged disk, and the chain is
 * one layer under the leaf's uuid. A refused pause changes nothing.
 */
import test from 'ava';
import { contentOf } from './helpers.js';
import { buildChain, parents, type Layer } from '../../sim/fixtures/chain.js';
import { createdSr } from '../../sim/fixtures/sr-create.js';
import { runGc } from '../../sim/fixtures/collector.js';
import { guest, runningOnSlave } from './live-helpers.js';

const uuid = (n: number, i: number) => `99999999-9999-4999-8${String(n).padStart(3, '0')}-${String(i).padStart(12, '0')}`;

function chain(n: number, leafWrite = 4096): Layer[] {
  return [
    { uuid: uuid(n, 1), label: 'base copy', hidden: true, writes: [{ offset: 0, length: 3 << 20, fill: 0x41 }] },
    { uuid: uuid(n, 2), label: 'disk', parent: uuid(n, 1), writes: [{ offset: 2 << 20, length: leafWrite, fill: 0x42 + n }] },
  ];
}

test('live leaf-coalesce on a slave: VM paused only around the merge, same bytes, writes after it land, one layer left', async (t) => {
  t.timeout(10 * 60_000);
  const fx = await createdSr(t);
  const [base, leaf] = [uuid(0, 1), uuid(0, 2)];
  await buildChain(fx, chain(0));
  const { vm, leafRef } = await runningOnSlave(fx, leaf);
  const io = guest(fx, leaf);
  await io.write(5 << 20, Buffer.alloc(8192, 0x5a));
  const before = await io.read(8 << 20);
  const baseRef = await fx.xapi.vdi.getByUuid(base);

  const r = await runGc(fx, []);
  t.is(r.exitCode, 0, `${r.stderr}\n${r.log}`);
  t.regex(r.stdout, new RegExp(`done: leaf-coalesce ${leaf} into ${base} \\(live, VM paused\\)`));
  t.regex(r.log, /live leaf-coalesce: pausing the VM/);
  const p = await parents(fx);
  t.false(p.has(base), 'the parent took the leaf uuid');
  t.true(p.has(leaf) && p.get(leaf) === undefined, 'one layer');
  t.false([...p.keys()].some((u) => u.includes('OLD_')), 'no OLD_ or DELETED_OLD_ volume left');

  const sm = await fx.xapi.vdi.getSmConfig(leafRef);
  t.false('paused' in sm, 'unpaused');
  t.false('vhd-parent' in sm);
  t.true(Object.keys(sm).some((k) => k.startsWith('host_')), 'still active on host2');
  await t.throwsAsync(fx.xapi.vdi.getUuid(baseRef), undefined, "the parent's XAPI record is forgotten");

  t.true((await io.read(8 << 20)).equals(before), 'the guest reads the same bytes');
  await io.write(7 << 20, Buffer.alloc(4096, 0x77));
  const after = Buffer.from(before);
  after.fill(0x77, 7 << 20, (7 << 20) + 4096);
  t.true((await io.read(8 << 20)).equals(after), 'a write after the unpause reads back');
  await fx.xapi.call('VM.hard_shutdown', vm);
  t.true((await contentOf(fx, leaf)).subarray(0, 8 << 20).equals(after), 'the merged disk holds every byte once the VM is off');
});

test('live leaf-coalesce refused by a tapdisk already paused: nothing changes, reported, the VM keeps its chain', async (t) => {
  t.timeout(10 * 60_000);
  const fx = await createdSr(t);
  const [base, leaf] = [uuid(1, 1), uuid(1, 2)];
  await buildChain(fx, chain(1));
  const { leafRef } = await runningOnSlave(fx, leaf);
  // Another operation holds the tapdisk paused (sm's pause is exclusive: failfast refuses).
  t.is(await fx.xapi.call('host.call_plugin', fx.pool.xapi.host('host2').ref, 'linstor-manager', 'pause', { sr_uuid: fx.srUuid, vdi_uuid: leaf, failfast: 'False' }), 'True');
  const r = await runGc(fx, []);
  t.is(r.exitCode, 0, `${r.stderr}\n${r.log}`);
  t.regex(r.stdout, new RegExp(`skipped: leaf-coalesce ${leaf} into ${base} failed: cannot pause ${leaf}`));
  t.is((await parents(fx)).get(leaf), base, 'the chain is untouched');
  t.false('paused' in (await fx.xapi.vdi.getSmConfig(leafRef)), 'the collector leaves no paused key of its own');
  t.is(await fx.xapi.call('host.call_plugin', fx.pool.xapi.host('host2').ref, 'linstor-manager', 'unpause', { sr_uuid: fx.srUuid, vdi_uuid: leaf, failfast: 'False' }), 'True');
  const again = await runGc(fx, []);
  t.is(again.exitCode, 0, again.stderr);
  t.regex(again.stdout, new RegExp(`done: leaf-coalesce ${leaf} into ${base} \\(live`));
});

test('a leaf too big for a short pause is snapshotted first: its data merges while the VM runs, then the small rest live', async (t) => {
  t.timeout(10 * 60_000);
  const fx = await createdSr(t);
  const [base, leaf] = [uuid(2, 1), uuid(2, 2)];
  const virtual = 64 << 20;
  await buildChain(fx, [
    { uuid: base, label: 'base copy', hidden: true, virtualBytes: virtual, volumeBytes: 80 << 20, writes: [{ offset: 0, length: 4 << 20, fill: 0x21 }] },
    // More than sm's 20 MiB live limit in the leaf itself.
    { uuid: leaf, label: 'disk', parent: base, volumeBytes: 80 << 20, writes: [{ offset: 8 << 20, length: 24 << 20, fill: 0x22 }] },
  ]);
  const { vm, leafRef } = await runningOnSlave(fx, leaf);
  const io = guest(fx, leaf);
  const before = await io.read(virtual);

  const r = await runGc(fx, []);
  t.is(r.exitCode, 0, `${r.stderr}\n${r.log}`);
  const snap = new RegExp(`done: snapshot (\\S+) of ${leaf}`).exec(r.stdout)?.[1];
  t.truthy(snap, r.stdout);
  t.regex(r.stdout, new RegExp(`done: coalesce ${snap} into ${base}`), 'the snapshot layer merged without a pause');
  t.regex(r.stdout, new RegExp(`done: leaf-coalesce ${leaf} into ${base} \\(live, VM paused\\)`));
  const p = await parents(fx);
  t.true(p.has(leaf) && p.get(leaf) === undefined, 'one layer');
  t.false(p.has(base) || p.has(snap ?? ''), 'the base and the snapshot layer are gone');
  t.false('paused' in (await fx.xapi.vdi.getSmConfig(leafRef)));
  t.true((await io.read(virtual)).equals(before), 'the guest reads the same bytes');
  await fx.xapi.call('VM.hard_shutdown', vm);
  t.true((await contentOf(fx, leaf)).equals(before));
});
