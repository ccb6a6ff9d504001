/**
 * Faults during a collection, end to end on the simulated pool with dist/linstor-gc: a
 * coalesce whose parent cannot grow (pool nearly full), the controller going down at a step of a
 * coalesce, and a volume whose VHD parent no longer exists. Each time the data is left intact, the
 * reason is reported, the rest of the SR is collected, and a later run finishes the work.
 * (A corrupt VHD and a foreign opener: skip.test.ts.)
 */
import test, { type ExecutionContext } from 'ava';
import { computeVolumeSize } from '../../lib/vhd/index.js';
import { asVdiUuid } from '../../lib/volume/index.js';
import { srFixture, type SrOnPool } from '../../sim/fixtures/sr.js';
import { fillPool, journalKeys, leakedDefinitions, parentsOf, rawHash, recordRequests } from './fault-helpers.js';
import { contentOf } from './helpers.js';
import { buildChain, type Layer } from '../../sim/fixtures/chain.js';
import { openVolumes } from '../../sim/fixtures/volumes.js';
import { runGc } from '../../sim/fixtures/collector.js';

const MiB = 1 << 20;
const EXHAUSTIVE = process.env['LINSTOR_SR_EXHAUSTIVE'] === '1';

/** base ← mid (hidden) ← {leaf, snap}: mid is coalesced into base, leaf and snap relinked to base. */
function chain(id: (i: number) => string, o: { baseVolumeBytes?: number; virtualBytes?: number; fill: number }): Layer[] {
  return [
    {
      uuid: id(1),
      label: 'base copy',
      hidden: true,
      ...(o.baseVolumeBytes === undefined ? {} : { volumeBytes: o.baseVolumeBytes }),
      ...(o.virtualBytes === undefined ? {} : { virtualBytes: o.virtualBytes }),
      writes: [{ offset: 0, length: 3 * MiB, fill: o.fill }, { offset: 9 * MiB, length: 4096, fill: o.fill + 1 }],
    },
    { uuid: id(2), label: 'base copy', parent: id(1), hidden: true, writes: [{ offset: MiB, length: 5 * MiB, fill: o.fill + 2 }, { offset: 9 * MiB + 512, length: 1024, fill: o.fill + 3 }] },
    { uuid: id(3), label: 'disk', parent: id(2), writes: [{ offset: 2 * MiB + 512, length: 700_000, fill: o.fill + 4 }] },
    { uuid: id(4), label: 'disk snap', parent: id(2), writes: [{ offset: 12 * MiB, length: 8192, fill: o.fill + 5 }] },
  ];
}

async function contents(fx: SrOnPool, uuids: readonly string[]): Promise<Map<string, Buffer>> {
  const out = new Map<string, Buffer>();
  for (const u of uuids) out.set(u, await contentOf(fx, u));
  return out;
}

async function assertContents(t: ExecutionContext, fx: SrOnPool, before: ReadonlyMap<string, Buffer>, title: string): Promise<void> {
  for (const [uuid, bytes] of before) t.true((await contentOf(fx, uuid)).equals(bytes), `${title}: ${uuid} reads differently`);
}

/** After a finished coalesce of id(2): leaf and snap hang below the base, the merged layer is gone. */
async function assertCoalesced(t: ExecutionContext, fx: SrOnPool, id: (i: number) => string, title: string): Promise<void> {
  const p = await parentsOf(fx, [1, 2, 3, 4].map(id));
  t.false(p.has(id(2)), `${title}: the merged layer is still there`);
  t.is(p.get(id(3)), id(1), `${title}: leaf relinked`);
  t.is(p.get(id(4)), id(1), `${title}: snapshot relinked`);
}

const tight = (i: number) => `66666666-6666-4666-8000-${String(i).padStart(12, '0')}`;
const roomy = (i: number) => `66666666-6666-4666-8001-${String(i).padStart(12, '0')}`;
const FILLER = '66666666-6666-4666-8002-000000000001';
const TIGHT_VIRTUAL = 64 * MiB;

/**
 * Two chains on a pool with 1 MiB left: the tight chain's base sits deflated in 18 MiB and merging into
 * it needs a full 64 MiB VHD; the roomy chain's base volume already holds a full VHD of its 16 MiB, so
 * its coalesce needs no space. The tight chain sorts first: the collector meets it first.
 */
async function fullPool(t: ExecutionContext) {
  // 256 MiB per host: small enough for a filler to leave a thin pool almost no room.
  const fx = await srFixture(t, { hosts: 2, diskGiB: 0.25 });
  await buildChain(fx, chain(tight, { baseVolumeBytes: 18 * MiB, virtualBytes: TIGHT_VIRTUAL, fill: 0x10 }));
  await buildChain(fx, chain(roomy, { fill: 0x20 }));
  const volumes = await openVolumes(fx);
  const baseBytes = (await volumes.sizes(asVdiUuid(tight(1))))?.usableBytes ?? 0;
  const grow = computeVolumeSize(TIGHT_VIRTUAL, 'vhd') - baseBytes;
  await fillPool(fx, FILLER, MiB);
  const room = await (await openVolumes(fx)).maxVolumeSizeBytes();
  if (room >= grow) throw new Error(`set-up: LINSTOR still offers ${room} bytes, the parent needs ${grow}`);
  return { fx, grow, baseBytes };
}

test.serial('no space to inflate the parent: skipped with the reason, no byte or link changed, the parent not grown; coalesced once space is freed', async (t) => {
  t.timeout(10 * 60_000);
  const { fx, grow, baseBytes } = await fullPool(t);
  const tightIds = [1, 2, 3, 4].map(tight);
  const before = await contents(fx, [...tightIds, roomy(3), roomy(4)]);

  const r = await runGc(fx, []);
  t.is(r.exitCode, 0, `${r.stderr}\n${r.log}`);
  t.regex(r.stdout, new RegExp(`skipped: no space to inflate ${tight(1)} by ${grow} bytes for the coalesce of ${tight(2)}`));
  t.regex(r.log, /no space to inflate/, 'the log says why');
  await assertContents(t, fx, before, 'after the skip');
  const p = await parentsOf(fx, tightIds);
  t.deepEqual(
    tightIds.map((u) => p.get(u)),
    [undefined, tight(1), tight(2), tight(2)],
    'the tight chain is unchanged',
  );
  t.is((await (await openVolumes(fx)).sizes(asVdiUuid(tight(1))))?.usableBytes, baseBytes, 'the parent did not grow');

  // Space freed: the next run merges the tight chain (and the roomy one, if it is still waiting).
  await (await openVolumes(fx)).destroy(asVdiUuid(FILLER));
  const rerun = await runGc(fx, []);
  t.is(rerun.exitCode, 0, `${rerun.stderr}\n${rerun.log}`);
  t.regex(rerun.stdout, new RegExp(`done: coalesce ${tight(2)} into ${tight(1)}`));
  t.notRegex(rerun.stdout, /skipped:/);
  await assertCoalesced(t, fx, tight, 'tight chain after space was freed');
  await assertCoalesced(t, fx, roomy, 'roomy chain');
  before.delete(tight(1));
  before.delete(tight(2));
  await assertContents(t, fx, before, 'after the coalesce');
  t.deepEqual(await journalKeys(fx), []);
  t.deepEqual(await leakedDefinitions(fx), []);
});

// A skipped coalesce does not end the pass: the next candidate of the plan is tried (gc/collector.ts).
test.serial('no space for one chain: the other chain is still coalesced in the same run', async (t) => {
  t.timeout(10 * 60_000);
  const { fx } = await fullPool(t);
  const r = await runGc(fx, []);
  t.regex(r.stdout, new RegExp(`skipped: no space to inflate ${tight(1)}`));
  t.regex(r.stdout, new RegExp(`done: coalesce ${roomy(2)} into ${roomy(1)}`), r.stdout);
  await assertCoalesced(t, fx, roomy, 'roomy chain');
});

// A coalesce refused for space before any write drops the coalesce/ entry it made (gc/coalesce.ts).
test.serial('no space for a chain: its skipped coalesce leaves no journal entry', async (t) => {
  t.timeout(10 * 60_000);
  const { fx } = await fullPool(t);
  const r = await runGc(fx, []);
  t.regex(r.stdout, new RegExp(`skipped: no space to inflate ${tight(1)}`));
  t.deepEqual(await journalKeys(fx), []);
});

/** Where the controller goes away: the Nth LINSTOR request of a run, and what the run was doing then. */
type DownCase = { readonly nth: number; readonly step: string; readonly kind: 'controller-down' | 'linstor-error' };

/** The steps of a coalesce worth a CI case, found in the request sequence of a clean run. */
function stepsOf(requests: readonly string[]): DownCase[] {
  const at = (route: string) => requests.indexOf(route) + 1;
  const resize = at('PUT /v1/resource-definitions/{resource}/volume-definitions/{volume_number}');
  const remove = at('DELETE /v1/resource-definitions/{resource}');
  // KV writes from the resize on: drop inflate/ (the merge follows), write relink/, drop coalesce/,
  // (children re-pointed) drop relink/, mark the merged volume NOT_EXISTS, then the delete.
  const kv = requests.flatMap((r, i) => (i + 1 > resize && i + 1 < remove && r === 'PUT /v1/key-value-store/{instance}' ? [i + 1] : []));
  const down = (nth: number, step: string): DownCase => ({ nth, step, kind: 'controller-down' });
  return [
    down(resize, 'the inflate (resize of the parent)'),
    down((kv[0] ?? 0) + 1, 'the first request after the merge'),
    down(kv[2] ?? 0, 'the bookkeeping (relink/ written, coalesce/ not dropped yet)'),
    down(kv[3] ?? 0, 'the end of the relink (children re-pointed, relink/ not dropped yet)'),
    down(remove, 'the delete of the merged layer'),
  ];
}

test.serial('the controller going down at a step of a coalesce: a clean stop, data intact, and the next run finishes the coalesce', async (t) => {
  t.timeout((EXHAUSTIVE ? 90 : 15) * 60_000);
  const fx = await srFixture(t, { hosts: 2 });
  const sim = fx.pool.runtime.controller.sim;
  if (!sim) throw new Error('no LINSTOR simulator');
  const id = (n: number) => (i: number) => `77777777-7777-4777-8${String(n).padStart(3, '0')}-${String(i).padStart(12, '0')}`;
  // A clean run, recorded: how many requests a coalesce sends and in which order.
  await buildChain(fx, chain(id(0), { baseVolumeBytes: 18 * MiB, fill: 0x30 }));
  const recorder = recordRequests(sim);
  const clean = await runGc(fx, []);
  recorder.stop();
  t.is(clean.exitCode, 0, clean.stderr);
  await assertCoalesced(t, fx, id(0), 'clean run');
  const total = recorder.requests.length;
  t.log(`a coalesce run sends ${total} LINSTOR requests`);
  const cases: DownCase[] = EXHAUSTIVE
    ? Array.from({ length: total }, (_, k) => k + 1).flatMap((nth) => [
        { nth, step: recorder.requests[nth - 1] ?? '', kind: 'controller-down' as const },
        { nth, step: recorder.requests[nth - 1] ?? '', kind: 'linstor-error' as const },
      ])
    : stepsOf(recorder.requests);
  for (const c of cases) t.true(c.nth >= 1 && c.nth <= total, `the request of ${c.step} was found (${c.nth})`);

  for (const [i, c] of cases.entries()) {
    const ids = id(i + 1);
    const title = `${c.kind} from request ${c.nth}/${total} (${c.step})`;
    await buildChain(fx, chain(ids, { baseVolumeBytes: 18 * MiB, fill: 0x40 + (i % 64) }));
    const before = await contents(fx, [ids(3), ids(4)]);
    if (c.kind === 'controller-down') sim.controls.refuseFromNth(c.nth);
    else sim.controls.addFault({ nth: c.nth, status: 500, message: 'injected by the collector fault matrix' });
    let r;
    try {
      r = await runGc(fx, []);
    } finally {
      sim.controls.clearFaults();
      sim.controls.resetCounters();
      await sim.acceptConnections();
    }
    t.is(r.signal, undefined, `${title}: killed\n${r.stderr}`);
    t.true(r.exitCode === 0 || r.exitCode === 1, `${title}: exit ${r.exitCode}\n${r.stderr}`);
    const said = `${r.stdout}\n${r.stderr}\n${r.log}`;
    // The run either reported the chain skipped or failed with the controller's error on stderr.
    if (c.kind === 'controller-down') {
      t.true(/skipped: .*(LINSTOR|controller)/.test(r.stdout) || (r.exitCode === 1 && /LINSTOR|controller/.test(r.stderr)), `${title}: no clear message\n${said}`);
    }
    await assertContents(t, fx, before, `${title}: after the fault`);
    const rerun = await runGc(fx, []);
    t.is(rerun.exitCode, 0, `${title}: rerun\n${rerun.stdout}\n${rerun.stderr}\n${rerun.log}`);
    t.notRegex(rerun.stdout, /skipped:/, title);
    await assertCoalesced(t, fx, ids, title);
    await assertContents(t, fx, before, `${title}: after the rerun`);
    t.deepEqual(await journalKeys(fx), [], `${title}: journal left`);
    t.deepEqual(await leakedDefinitions(fx), [], `${title}: LINSTOR definitions nothing names`);
    t.log(`${title}: ${r.exitCode === 0 ? 'skipped' : 'failed'}, then coalesced`);
  }
});

test.serial('a volume whose VHD parent no longer exists: its tree is skipped and reported, nothing in it deleted or merged; the rest is collected', async (t) => {
  t.timeout(10 * 60_000);
  const fx = await srFixture(t, { hosts: 2 });
  const id = (i: number) => `99999999-9999-4999-8000-${String(i).padStart(12, '0')}`;
  const [GONE, TOP, MID, LEAF, HIDDEN_LEAF] = [1, 2, 3, 4, 5].map(id) as [string, string, string, string, string];
  const other = (i: number) => `99999999-9999-4999-8001-${String(i).padStart(12, '0')}`;
  const GARBAGE = other(9);
  // GONE ← TOP ← MID (hidden) ← {LEAF, HIDDEN_LEAF (hidden)}: with GONE present, MID would be merged into
  // TOP and HIDDEN_LEAF deleted as garbage.
  await buildChain(fx, [
    { uuid: GONE, label: 'base copy', hidden: true, writes: [{ offset: 0, length: MiB, fill: 0x51 }] },
    { uuid: TOP, label: 'base copy', parent: GONE, hidden: true, writes: [{ offset: 2 * MiB, length: MiB, fill: 0x52 }] },
    { uuid: MID, label: 'base copy', parent: TOP, hidden: true, writes: [{ offset: 4 * MiB, length: MiB, fill: 0x53 }] },
    { uuid: LEAF, label: 'disk', parent: MID, writes: [{ offset: 6 * MiB, length: MiB, fill: 0x54 }] },
    { uuid: HIDDEN_LEAF, label: 'old snapshot', parent: MID, hidden: true },
  ]);
  await buildChain(fx, [...chain(other, { fill: 0x60 }), { uuid: GARBAGE, label: 'garbage', hidden: true }]);
  // The base disappears behind the collector's back (e.g. removed with linstor-kv-tool and LINSTOR).
  const volumes = await openVolumes(fx);
  const goneResource = volumes.resourceName(asVdiUuid(GONE));
  await volumes.destroy(asVdiUuid(GONE));
  const orphans = [TOP, MID, LEAF, HIDDEN_LEAF];
  const hashes = new Map<string, string>();
  for (const u of orphans) hashes.set(u, await rawHash(fx, u));
  const otherBefore = await contents(fx, [other(3), other(4)]);

  const r = await runGc(fx, []);
  t.is(r.exitCode, 0, `${r.stderr}\n${r.log}`);
  t.regex(r.stdout, new RegExp(`skipped: chain ${TOP}: ${TOP}: parent /dev/drbd/by-res/${goneResource}/0 is not a volume of this SR`));
  t.regex(r.stdout, new RegExp(`done: delete ${GARBAGE}`));
  t.regex(r.stdout, new RegExp(`done: coalesce ${other(2)} into ${other(1)}`));
  t.notRegex(r.stdout, new RegExp(`(done|start): [^\\n]*(${orphans.join('|')})`), 'nothing of the orphaned tree was touched');
  const after = await openVolumes(fx);
  for (const u of orphans) {
    t.true(after.has(asVdiUuid(u)), `${u} still exists`);
    t.is(await rawHash(fx, u), hashes.get(u) ?? '', `${u}: device bytes unchanged`);
  }
  t.false(after.has(asVdiUuid(GARBAGE)));
  await assertCoalesced(t, fx, other, 'the other chain');
  await assertContents(t, fx, otherBefore, 'the other chain');
  t.deepEqual(await journalKeys(fx), []);

  // Every later run says the same and still touches nothing.
  const again = await runGc(fx, []);
  t.is(again.exitCode, 0, again.stderr);
  t.regex(again.stdout, new RegExp(`skipped: chain ${TOP}: .*is not a volume of this SR`));
  for (const u of orphans) t.is(await rawHash(fx, u), hashes.get(u) ?? '', `${u}: device bytes unchanged after a second run`);
});
