/**
 * The crash-consistency matrix: a multi-step verb is stopped at each of its fault points
 * (driver/clone/points.ts `VERB_FAULT_POINTS`, killed or made to throw) and at LINSTOR requests of its own
 * (the request answered with an error, or the controller going down there); then `sr_scan` runs the
 * recovery, and the SR must show
 *   (a) every VDI XAPI knew before, with the same content byte for byte,
 *   (b) no VDI XAPI did not know before (unless the verb itself succeeded),
 *   (c) KV, LINSTOR resources and VHD chains in agreement, nothing left paused,
 *   (d) the verb succeeding when retried,
 *   (e) with a guest running on the VDI (on a slave): a write it issues right after the fault (it waits
 *       while its tapdisk is paused, and lands once the recovery has undone or finished the verb) and one
 *       after the recovery both read back, through the guest and through the chain — the case a matrix
 *       that only checks the data from before the verb misses.
 * Other verbs join by adding rows to VERB_FAULT_POINTS and an {@link MatrixOperation} for them.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { ExecutionContext } from 'ava';
import { openChain, readChain } from '../../lib/vhd/index.js';
import { COMMITTED_POINTS, VERB_FAULT_POINTS } from '../../driver/clone/points.js';
import type { SrFixture } from '../../sim/fixtures/sr.js';
import { inconsistencies, xapiView, type XapiView } from './snapshot-helpers.js';
import { devOf, kvOf } from '../../sim/fixtures/kv.js';
import { readVdi, writeVdi } from './vdi-io.js';

/** One way of stopping the verb. */
export type CrashCase =
  | { readonly verb: string; readonly kind: 'point'; readonly point: string; readonly action: 'kill' | 'throw' }
  | { readonly verb: string; readonly kind: 'linstor-error' | 'controller-down'; readonly nth: number };

/** What the matrix runs: the verb (as xapi calls it) and the XAPI VDIs it returned. */
export type MatrixOperation = {
  /** A key of VERB_FAULT_POINTS. */
  readonly name: string;
  /** The SMAPI verb the fault is armed for. */
  readonly verb: string;
  /** Runs it once through XenAPI (throws when it fails); returns the refs of the VDIs to delete afterwards. */
  run(f: SrFixture): Promise<string[]>;
};

export function caseTitle(c: CrashCase): string {
  return c.kind === 'point' ? `${c.verb} ${c.action} at ${c.point}` : `${c.verb} ${c.kind} at LINSTOR request ${c.nth}`;
}

/** Every case of `name`: each point killed and thrown, and each of its `requests` LINSTOR requests failed both ways. */
export function allCases(name: string, verb: string, requests: number): CrashCase[] {
  const points = VERB_FAULT_POINTS[name] ?? [];
  const out: CrashCase[] = [];
  for (const point of points) for (const action of ['kill', 'throw'] as const) out.push({ verb, kind: 'point', point, action });
  for (let nth = 1; nth <= requests; nth += 1) for (const kind of ['linstor-error', 'controller-down'] as const) out.push({ verb, kind, nth });
  return out;
}

/** sha256 of a VDI's whole virtual content, read on the master through its chain. */
export async function contentHash(f: SrFixture, uuid: string): Promise<string> {
  const chain = await openChain({ root: f.pool.runtime.host('host1').spec.root }, await devOf(f, uuid));
  try {
    const size = chain.leaf.virtualSize;
    const hash = createHash('sha256');
    for (let offset = 0; offset < size; offset += 4 << 20) hash.update(await readChain(chain, offset, Math.min(4 << 20, size - offset)));
    return hash.digest('hex');
  } finally {
    await chain.close();
  }
}

type Snapshot = { view: XapiView; hashes: Map<string, string> };

async function snapshotState(f: SrFixture): Promise<Snapshot> {
  const view = await xapiView(f);
  const hashes = new Map<string, string>();
  for (const uuid of view.keys()) hashes.set(uuid, await contentHash(f, uuid));
  return { view, hashes };
}

function controls(f: SrFixture) {
  const sim = f.pool.runtime.controller.sim;
  if (!sim) throw new Error('no LINSTOR simulator');
  return sim;
}

/** LINSTOR requests one run of `op` sends (counted on a successful run, whose VDIs are then deleted). */
export async function requestsOf(f: SrFixture, op: MatrixOperation): Promise<number> {
  const sim = controls(f);
  const before = sim.controls.counters().total;
  const made = await op.run(f);
  const count = sim.controls.counters().total - before;
  for (const ref of made) await f.xapi.vdi.destroy(ref);
  return count;
}

/** A VM running on the VDI the matrix stops verbs on. */
export type Guest = { readonly host: string; readonly vdi: () => string };

/** Deterministic 64 KiB writes at distinct offsets within the first 8 MiB. */
function guestWrite(n: number): { offset: number; data: Buffer } {
  return { offset: ((n * 7) % 120) * 64 * 1024 + (n % 5) * 512, data: randomBytes(64 * 1024) };
}

let writes = 0;

/** The content of `uuid` read on the master, whole. */
async function contentOf(f: SrFixture, uuid: string): Promise<Buffer> {
  const chain = await openChain({ root: f.pool.runtime.host('host1').spec.root }, await devOf(f, uuid));
  try {
    return await readChain(chain, 0, chain.leaf.virtualSize);
  } finally {
    await chain.close();
  }
}

/** Runs `op` stopped as `c` says, recovers with sr_scan, and asserts (a)–(e). Leaves the SR as it found it. */
export async function runCrashCase(t: ExecutionContext, f: SrFixture, op: MatrixOperation, c: CrashCase, guest?: Guest): Promise<void> {
  const title = caseTitle(c);
  const before = await snapshotState(f);
  const target = guest?.vdi();
  const expected = target === undefined ? undefined : await contentOf(f, target);
  // Stopped past its commit point (killed there, or failing there), the chain is finished, never undone.
  let committed = c.kind === 'point' && COMMITTED_POINTS.has(c.point);
  const sim = controls(f);
  let made: string[] = [];
  let succeeded = false;
  if (c.kind === 'point') f.pool.xapi.armFault('host1', c.verb, `${c.point}:${c.action}`);
  else if (c.kind === 'linstor-error') sim.controls.addFault({ nth: c.nth, status: 500, message: 'injected by the crash matrix' });
  else sim.controls.refuseFromNth(c.nth);
  try {
    made = await op.run(f);
    succeeded = true;
  } catch {
    // expected: the verb was stopped
  } finally {
    sim.controls.clearFaults();
    if (c.kind === 'controller-down') {
      sim.controls.resetCounters();
      await sim.acceptConnections();
    }
  }
  // A LINSTOR fault that stopped the verb after its commit left the unanswered result's entry: the chain
  // is final there too. One that came after the verb answered fails only xapi's vdi_update that follows:
  // the verb's result stands (xapi keeps it, as it does when its own update fails).
  if (!succeeded && c.kind !== 'point') {
    committed = Object.keys(await kvOf(f)).some((k) => k.startsWith('xcp/sr/journal/unreturned/'));
    succeeded = f.pool.xapi.executions.findLast((e) => e.name === c.verb)?.outcome.kind === 'ok';
  }
  // A fault point stops the verb, but a single snapshot failing past its commit answers success (its
  // result is the base the chain needs); a controller gone only past the answer (the SR figures are best
  // effort), or one failed request, may leave a verb succeeding.
  const answersPastCommit = committed && c.kind === 'point' && c.action === 'throw' && op.name === 'vdi_snapshot/single';
  if (c.kind === 'point' && !answersPastCommit) t.false(succeeded, `${title}: the verb was stopped`);
  // The guest writes on at once: while paused its write waits, and lands once the scan has recovered.
  const early = guestWrite((writes += 1));
  const earlyWrite = guest && target ? writeVdi(f, guest.host, target, early.offset, early.data) : undefined;
  await f.xapi.sr.scan(f.srRef);
  const late = guestWrite((writes += 1));
  if (guest && target && expected) {
    await earlyWrite;
    await writeVdi(f, guest.host, target, late.offset, late.data);
    early.data.copy(expected, early.offset);
    late.data.copy(expected, late.offset);
    for (const w of [early, late]) {
      t.true((await readVdi(f, guest.host, target, w.offset, w.data.length)).equals(w.data), `${title}: a write acknowledged after the fault reads back through the guest`);
    }
  }
  const after = await xapiView(f);
  for (const [uuid, v] of before.view) {
    t.true(after.has(uuid), `${title}: VDI ${uuid} still known to XAPI`);
    if (!after.has(uuid)) continue;
    t.is(after.get(uuid)!.managed, v.managed, `${title}: VDI ${uuid} managed as before`);
    if (uuid === target && expected) t.true((await contentOf(f, uuid)).equals(expected), `${title}: VDI ${uuid} holds its data and every write after the fault`);
    else t.is(await contentHash(f, uuid), before.hashes.get(uuid) ?? '', `${title}: VDI ${uuid} content unchanged`);
  }
  const extra = [...after.keys()].filter((u) => !before.view.has(u));
  if (committed) {
    // Finished, not undone: the chain stays (a base copy may be new), but the verb never answered, so
    // its result VDI is dropped as a failure must leave none.
    t.deepEqual(extra.filter((u) => after.get(u)!.managed), [], `${title}: the unanswered result is dropped`);
  } else if (!succeeded) t.deepEqual(extra, [], `${title}: no VDI introduced`);
  // A verb that succeeded while xapi's call failed after it: its new VDIs go like a retry's.
  if (succeeded && made.length === 0) made = extra.filter((u) => after.get(u)!.managed).map((u) => after.get(u)!.ref);
  t.deepEqual(await inconsistencies(f), [], `${title}: KV, LINSTOR and VHD agree`);
  for (const [uuid, v] of after) {
    const sm = await f.xapi.vdi.getSmConfig(v.ref);
    t.is(sm['paused'], undefined, `${title}: VDI ${uuid} not left paused`);
  }
  if (!succeeded) made = [...made, ...(await op.run(f))];
  t.deepEqual(await inconsistencies(f), [], `${title}: consistent after the retry`);
  // Back to the SR the next case expects (the new VDIs deleted; empty bases are the GC's).
  for (const ref of made) await f.xapi.vdi.destroy(ref);
}
