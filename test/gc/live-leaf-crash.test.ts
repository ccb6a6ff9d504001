/**
 * Live leaf-coalesce killed at each step with the VM running on a slave, then the collector run again:
 * the VM is never left paused, it reads the same bytes, its writes land, and the chain ends as one
 * layer under the leaf's uuid with no journal entry and no OLD_ volume left.
 */
import test from 'ava';
import { LEAF_POINTS } from '../../gc/fault-points.js';
import { asVdiUuid } from '../../lib/volume/index.js';
import { buildChain, parents, type Layer } from '../../sim/fixtures/chain.js';
import { createdSr } from '../../sim/fixtures/sr-create.js';
import { openVolumes } from '../../sim/fixtures/volumes.js';
import { runGc } from '../../sim/fixtures/collector.js';
import { guest, runningOnSlave } from './live-helpers.js';

const POINTS = LEAF_POINTS;
const uuid = (n: number, i: number) => `99999999-9999-4999-9${String(n).padStart(3, '0')}-${String(i).padStart(12, '0')}`;

function chain(n: number): Layer[] {
  return [
    { uuid: uuid(n, 1), label: 'base copy', hidden: true, writes: [{ offset: 0, length: 3 << 20, fill: 0x31 }] },
    { uuid: uuid(n, 2), label: 'disk', parent: uuid(n, 1), writes: [{ offset: (2 << 20) + 512, length: 1 << 20, fill: 0x50 + n }] },
  ];
}

test('live leaf-coalesce killed at each step, then run again: never left paused, same bytes, one layer, nothing left behind', async (t) => {
  t.timeout(20 * 60_000);
  const fx = await createdSr(t);
  const kv = `xcp-sr-${fx.groupName.replace('/', '_')}`;
  for (const [n, point] of POINTS.entries()) {
    const [base, leaf] = [uuid(n, 1), uuid(n, 2)];
    await buildChain(fx, chain(n));
    const { vm, leafRef } = await runningOnSlave(fx, leaf);
    const io = guest(fx, leaf);
    await io.write(6 << 20, Buffer.alloc(4096, 0x66));
    const before = await io.read(8 << 20);

    const killed = await runGc(fx, [], { LINSTOR_SR_FAULTS: `${point}:kill` });
    t.is(killed.signal, 'SIGKILL', `${point}: not reached\n${killed.stdout}\n${killed.stderr}`);
    const r = await runGc(fx, []);
    t.is(r.exitCode, 0, `${point}: ${r.stderr}\n${r.log}`);
    t.false('paused' in (await fx.xapi.vdi.getSmConfig(leafRef)), `${point}: left paused`);
    t.true((await io.read(8 << 20)).equals(before), `${point}: the guest reads other bytes`);
    const p = await parents(fx);
    t.false(p.has(base), `${point}: the parent's uuid is still there`);
    t.true(p.has(leaf) && p.get(leaf) === undefined, `${point}: not one layer`);
    t.is((await (await openVolumes(fx)).getMetadata(asVdiUuid(leaf))).name_label, 'disk', point);
    const left = Object.keys(await fx.linstor.keyValueStore.props(kv)).filter((k) => k.includes('journal/') || k.includes('OLD_'));
    t.deepEqual(left, [], `${point}: left behind`);
    await io.write(7 << 20, Buffer.alloc(512, 0x77));
    const after = await io.read(8 << 20);
    t.true(after.subarray(0, 7 << 20).equals(before.subarray(0, 7 << 20)) && after[7 << 20] === 0x77, `${point}: a write after recovery`);
    await fx.xapi.call('VM.hard_shutdown', vm);
    t.log(`${point}: ok (${/recovered: [^\n]*/.exec(r.stdout)?.[0] ?? 'nothing to recover'})`);
  }
});
