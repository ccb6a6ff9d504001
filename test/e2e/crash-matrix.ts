/**
 * The crash-consistency matrix (issue #7 item 4): a multi-step verb is stopped at each of its fault points
 * (driver/clone/points.ts `VERB_FAULT_POINTS`, killed or made to throw) and at LINSTOR requests of its own
 * (the request answered with an error, or the controller going down there); then `sr_scan` runs the
 * recovery, and the SR must show
 *   (a) every VDI XAPI knew before, with the same content byte for byte,
 *   (b) no VDI XAPI did not know before (unless the verb itself succeeded),
 *   (c) KV, LINSTOR resources and VHD chains in agreement, nothing left paused,
 *   (d) the verb succeeding when retried.
 * Other verbs join by adding rows to VERB_FAULT_POINTS and an {@link MatrixOperation} for them.
 */
import { createHash } from 'node:crypto';
import type { ExecutionContext } from 'ava';
import { openChain, readChain } from '../../lib/vhd/index.js';
import { VERB_FAULT_POINTS } from '../../driver/clone/points.js';
import type { SrFixture } from './sr-fixture.js';
import { devOf, inconsistencies, xapiView, type XapiView } from './snapshot-helpers.js';

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

/** Runs `op` stopped as `c` says, recovers with sr_scan, and asserts (a)–(d). Leaves the SR as it found it. */
export async function runCrashCase(t: ExecutionContext, f: SrFixture, op: MatrixOperation, c: CrashCase): Promise<void> {
  const title = caseTitle(c);
  const before = await snapshotState(f);
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
  // A fault point or a controller gone always stops the verb; one failed request may be retried through.
  if (c.kind !== 'linstor-error') t.false(succeeded, `${title}: the verb was stopped`);
  await f.xapi.sr.scan(f.srRef);
  const after = await xapiView(f);
  for (const [uuid, v] of before.view) {
    t.true(after.has(uuid), `${title}: VDI ${uuid} still known to XAPI`);
    if (!after.has(uuid)) continue;
    t.is(after.get(uuid)!.managed, v.managed, `${title}: VDI ${uuid} managed as before`);
    t.is(await contentHash(f, uuid), before.hashes.get(uuid) ?? '', `${title}: VDI ${uuid} content unchanged`);
  }
  const extra = [...after.keys()].filter((u) => !before.view.has(u));
  if (!succeeded) t.deepEqual(extra, [], `${title}: no VDI introduced`);
  t.deepEqual(await inconsistencies(f), [], `${title}: KV, LINSTOR and VHD agree`);
  for (const [uuid, v] of after) {
    const sm = await f.xapi.vdi.getSmConfig(v.ref);
    t.is(sm['paused'], undefined, `${title}: VDI ${uuid} not left paused`);
  }
  if (!succeeded) made = await op.run(f);
  t.deepEqual(await inconsistencies(f), [], `${title}: consistent after the retry`);
  // Back to the SR the next case expects (the new VDIs deleted; empty bases are the GC's).
  for (const ref of made) await f.xapi.vdi.destroy(ref);
}
