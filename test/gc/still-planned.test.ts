/**
 * A step the collector planned in an earlier SR-lock window runs only if the SR still calls for it.
 * The soak's case: "leaf-coalesce L into P" planned, then a snapshot of L (L's volume became the hidden
 * base M under a new empty L and the snapshot S), then the stale step merged the new L into P — under
 * S's chain — and S read the VM's later writes.
 */
import test from 'ava';
import { coalesceNonLeaf } from '../../gc/coalesce.js';
import { leafStep } from '../../gc/leaf-step.js';
import { StalePlanError } from '../../gc/still-planned.js';
import { Journal } from '../../lib/journal/index.js';
import { MemorySink } from '../../lib/log/logger.js';
import { asVdiUuid } from '../../lib/volume/index.js';
import { silentLogger } from '../../sim/fixtures/silent-logger.js';
import { contentOf, gcContextOn, underLockOf } from './helpers.js';
import { buildChain, parents } from '../../sim/fixtures/chain.js';
import { createdSr } from '../../sim/fixtures/sr-create.js';
import { openVolumes } from '../../sim/fixtures/volumes.js';

const P = '66666666-6666-4666-8666-000000000001';
const M = '66666666-6666-4666-8666-000000000002';
const L = '66666666-6666-4666-8666-000000000003';
const S = '66666666-6666-4666-8666-000000000004';
const MiB = 2 ** 20;
const noPlugin = () => Promise.reject(new Error('no plugin call expected'));

test('a leaf-coalesce planned before a snapshot of the leaf is not run after it: the snapshot and the leaf read as before', async (t) => {
  t.timeout(5 * 60_000);
  const fx = await createdSr(t);
  // What the snapshot left: P ← M (the old leaf's data) ← { L (written since), S (empty) }.
  await buildChain(fx, [
    { uuid: P, label: 'base copy', hidden: true, writes: [{ offset: 0, length: 4 * MiB, fill: 0x61 }] },
    { uuid: M, label: 'base copy', parent: P, hidden: true, writes: [{ offset: MiB, length: MiB, fill: 0x62 }] },
    { uuid: L, label: 'disk', parent: M, writes: [{ offset: 2 * MiB, length: MiB, fill: 0x63 }, { offset: 6 * MiB, length: 4096, fill: 0x64 }] },
    { uuid: S, label: 'snapshot', parent: M },
  ]);
  const [snapshot, leaf, before] = [await contentOf(fx, S), await contentOf(fx, L), await parents(fx)];
  const ctx = gcContextOn(fx, new MemorySink(), noPlugin);
  const stale = leafStep(ctx, underLockOf(fx, ctx), { leaf: L, parent: P, leafBytes: 4 * MiB, rounds: [] });
  const error = await t.throwsAsync(stale, { instanceOf: StalePlanError });
  t.regex(error?.message ?? '', new RegExp(`leaf-coalesce of ${L} into ${P} no longer applies`));
  t.true((await contentOf(fx, S)).equals(snapshot), 'the snapshot reads what it held when it was taken');
  t.true((await contentOf(fx, L)).equals(leaf), 'the leaf reads as before');
  t.deepEqual(await parents(fx), before, 'no volume was renamed or relinked');
  t.deepEqual((await openVolumes(fx)).list().filter((u) => u.includes('OLD_')), [], 'no OLD_ volume');
});

test('a coalesce planned while its VDI had a child is not run once that child is gone (the VDI became garbage)', async (t) => {
  t.timeout(5 * 60_000);
  const fx = await createdSr(t);
  await buildChain(fx, [
    { uuid: P, label: 'base copy', hidden: true, writes: [{ offset: 0, length: MiB, fill: 0x71 }] },
    { uuid: M, label: 'base copy', parent: P, hidden: true, writes: [{ offset: 0, length: 4096, fill: 0x72 }] },
  ]);
  const parentBefore = await contentOf(fx, P);
  const ctx = gcContextOn(fx, new MemorySink(), noPlugin);
  await t.throwsAsync(coalesceNonLeaf(ctx, underLockOf(fx, ctx), M, P), { instanceOf: StalePlanError });
  t.true((await contentOf(fx, P)).equals(parentBefore), 'nothing was merged into the parent');
  const volumes = await openVolumes(fx);
  t.true(volumes.has(asVdiUuid(M)), 'the VDI is left for the garbage step of the next plan');
  t.is(await new Journal(volumes.journalStore(), silentLogger()).get('coalesce', M), undefined, 'no coalesce entry was written');
});
