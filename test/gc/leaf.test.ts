/**
 * Offline leaf-coalesce: a leaf under a hidden parent that has no other child is merged into it and the
 * parent takes the leaf's uuid (OLD_ protocol). Killed at each step, the next run undoes or finishes it;
 * the leaf's bytes are unchanged and the chain ends as one layer under the leaf's uuid.
 */
import test from 'ava';
import { GC_POINTS } from '../../gc/fault-points.js';
import { asVdiUuid } from '../../lib/volume/index.js';
import { contentOf } from './helpers.js';
import { buildChain, parents, type Layer } from '../../sim/fixtures/chain.js';
import { createdSr } from '../../sim/fixtures/sr-create.js';
import { openVolumes } from '../../sim/fixtures/volumes.js';
import { runGc } from '../../sim/fixtures/collector.js';

const { leaf } = GC_POINTS;
const POINTS = [undefined, leaf.afterJournal, leaf.afterMerge, leaf.afterRenameLeaf, leaf.afterRenameParent, leaf.afterCommit, leaf.afterUnjournal];
const uuid = (n: number, i: number) => `88888888-8888-4888-8${String(n).padStart(3, '0')}-${String(i).padStart(12, '0')}`;

function chain(n: number): Layer[] {
  return [
    { uuid: uuid(n, 1), label: 'base copy', hidden: true, volumeBytes: 18 << 20, writes: [{ offset: 0, length: 3 << 20, fill: 0x71 }, { offset: 10 << 20, length: 8192, fill: 0x72 }] },
    { uuid: uuid(n, 2), label: 'disk', parent: uuid(n, 1), writes: [{ offset: (1 << 20) + 512, length: 1 << 20, fill: 0x73 + n }] },
  ];
}

test('leaf-coalesce, killed at each step then run again: same bytes, one layer named after the leaf, XAPI rows fixed', async (t) => {
  t.timeout(15 * 60_000);
  const fx = await createdSr(t, 2);
  const db = fx.pool.xapi.db;
  const kv = `xcp-sr-${fx.groupName.replace('/', '_')}`;
  for (const [n, point] of POINTS.entries()) {
    const [base, leaf] = [uuid(n, 1), uuid(n, 2)];
    await buildChain(fx, chain(n));
    const baseRow = db.create('VDI', { SR: fx.srRef, location: base, name_label: 'base copy', managed: false, sm_config: { vdi_type: 'vhd' } }, base);
    const leafRow = db.create('VDI', { SR: fx.srRef, location: leaf, name_label: 'disk', managed: true, sm_config: { vdi_type: 'vhd', 'vhd-parent': base } }, leaf);
    const before = await contentOf(fx, leaf);
    if (point !== undefined) {
      const killed = await runGc(fx, [], { LINSTOR_SR_FAULTS: `${point}:kill` });
      t.is(killed.signal, 'SIGKILL', `${point}: not reached\n${killed.stdout}\n${killed.stderr}`);
      // A scan before the collector's next run: the leaf may be OLD_<leaf> for now, its VDI stays.
      await fx.xapi.call('SR.scan', fx.srRef);
      t.true(db.has('VDI', leafRow), `${point}: the scan kept the leaf's XAPI record`);
    }
    const r = await runGc(fx, []);
    t.is(r.exitCode, 0, `${point}: ${r.stderr}\n${r.log}`);
    t.regex(r.stdout, new RegExp(`(done: leaf-coalesce|recovered: interrupted leaf-coalesce of) ${leaf} into ${base}|done: purge DELETED_OLD_${leaf}`), String(point));
    const p = await parents(fx);
    t.false(p.has(base), `${point}: the parent's uuid is gone`);
    t.true(p.has(leaf) && p.get(leaf) === undefined, `${point}: the leaf is a single layer`);
    t.true((await contentOf(fx, leaf)).equals(before), `${point}: leaf bytes changed`);
    t.is((await (await openVolumes(fx)).getMetadata(asVdiUuid(leaf))).name_label, 'disk', String(point));
    t.false(db.has('VDI', baseRow), `${point}: the parent's XAPI row is forgotten`);
    t.false('vhd-parent' in (db.get('VDI', leafRow)['sm_config'] as Record<string, string>), String(point));
    t.deepEqual(Object.keys(await fx.linstor.keyValueStore.props(kv)).filter((k) => k.includes('journal') || k.includes('OLD_')), [], String(point));
    t.log(`${point ?? 'no fault'}: ok`);
  }
});
