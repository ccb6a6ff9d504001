/**
 * The collector killed at each step of a non-leaf coalesce (fault points, SIGKILL), then run again:
 * every visible VDI's content is unchanged byte for byte, the chain ends coalesced, no journal is left.
 */
import test from 'ava';
import { GC_POINTS } from '../../gc/fault-points.js';
import { INFLATE_POINTS } from '../../lib/thin/thin.js';
import { srFixture } from '../../sim/fixtures/sr.js';
import { contentOf } from './helpers.js';
import { buildChain, parents, type Layer } from '../../sim/fixtures/chain.js';
import { runGc } from '../../sim/fixtures/collector.js';

const { coalesce, relink } = GC_POINTS;
/** In the order a thin merge crosses them. */
const POINTS = [
  coalesce.afterJournal,
  INFLATE_POINTS.afterJournal,
  INFLATE_POINTS.afterResize,
  coalesce.afterInflate,
  coalesce.afterMerge,
  relink.afterJournal,
  coalesce.afterUnjournal,
  relink.afterChild,
  relink.afterUnjournal,
];

function uuid(n: number, i: number): string {
  return `22222222-2222-4222-8${String(n).padStart(3, '0')}-${String(i).padStart(12, '0')}`;
}

/** base (deflated in a small volume, so the merge inflates it) ← mid (hidden) ← {leaf, snap}. */
function chain(n: number): Layer[] {
  return [
    { uuid: uuid(n, 1), label: 'base copy', hidden: true, volumeBytes: 18 << 20, writes: [{ offset: 0, length: 3 << 20, fill: 0x11 + n }, { offset: 9 << 20, length: 4096, fill: 0x12 }] },
    { uuid: uuid(n, 2), label: 'base copy', parent: uuid(n, 1), hidden: true, writes: [{ offset: 1 << 20, length: 5 << 20, fill: 0x21 }, { offset: (9 << 20) + 512, length: 1024, fill: 0x22 + n }] },
    { uuid: uuid(n, 3), label: 'disk', parent: uuid(n, 2), writes: [{ offset: (2 << 20) + 512, length: 700_000, fill: 0x31 }] },
    { uuid: uuid(n, 4), label: 'disk snap', parent: uuid(n, 2), writes: [{ offset: 12 << 20, length: 8192, fill: 0x41 }] },
  ];
}

test('killed at every step of a coalesce, the next run resumes or redoes it without changing a byte', async (t) => {
  t.timeout(15 * 60_000);
  const fx = await srFixture(t, { hosts: 2 });
  const kv = `xcp-sr-${fx.groupName.replace('/', '_')}`;
  for (const [n, point] of POINTS.entries()) {
    await buildChain(fx, chain(n));
    const leaf = uuid(n, 3);
    const snap = uuid(n, 4);
    const before = { leaf: await contentOf(fx, leaf), snap: await contentOf(fx, snap) };
    const killed = await runGc(fx, [], { LINSTOR_SR_FAULTS: `${point}:kill` });
    t.is(killed.signal, 'SIGKILL', `${point}: the fault point was not reached\n${killed.stdout}\n${killed.stderr}`);
    if (point === relink.afterChild) {
      // The killed run's "Garbage Collection" task stays behind in XAPI with the progress it reached.
      const tasks = fx.pool.xapi.db.refsWhere('task', (r) => r['name_label'] === 'Garbage Collection');
      t.true(tasks.some((ref) => Number(fx.pool.xapi.db.get('task', ref)['progress']) > 0), 'the task reports progress');
    }
    t.true((await contentOf(fx, leaf)).equals(before.leaf), `${point}: leaf changed after the kill`);
    t.true((await contentOf(fx, snap)).equals(before.snap), `${point}: snapshot changed after the kill`);
    const rerun = await runGc(fx, []);
    t.is(rerun.exitCode, 0, `${point}: ${rerun.stderr}\n${rerun.log}`);
    const p = await parents(fx);
    t.false(p.has(uuid(n, 2)), `${point}: the merged layer is still there`);
    t.is(p.get(leaf), uuid(n, 1), point);
    t.is(p.get(snap), uuid(n, 1), point);
    t.true((await contentOf(fx, leaf)).equals(before.leaf), `${point}: leaf changed`);
    t.true((await contentOf(fx, snap)).equals(before.snap), `${point}: snapshot changed`);
    const journal = Object.keys(await fx.linstor.keyValueStore.props(kv)).filter((k) => k.includes('journal'));
    t.deepEqual(journal, [], point);
    t.log(`${point}: recovered`);
  }
});
