/**
 * The chaos soak on fixed seeds (sim/chaos/): ops and faults on a fresh simulated pool, then every
 * acknowledged write, every snapshot and the SR's bookkeeping checked. CI runs a few seeds of a bounded
 * size (about 200 ops in all); LINSTOR_SR_EXHAUSTIVE=1 runs thousands. A failure prints the findings and
 * the command that replays the seed (the pool folder, with its op log and SMlog, is kept).
 */
import test from 'ava';
import { DEFAULT_OPTIONS } from '../../../sim/chaos/context.js';
import { formatFinding } from '../../../sim/chaos/findings.js';
import { runSoak } from '../../../sim/chaos/soak.js';
import { replayLine, summaryLine } from '../../../sim/chaos/summary.js';

const EXHAUSTIVE = process.env['LINSTOR_SR_EXHAUSTIVE'] === '1';

type Run = { readonly seed: number; readonly ops: number; readonly concurrency: number; readonly checkEvery: number };

const RUNS: readonly Run[] = EXHAUSTIVE
  ? [11, 12, 13, 14, 15, 16].map((seed) => ({ seed, ops: 600, concurrency: 4, checkEvery: 100 }))
  : [
      { seed: 101, ops: 64, concurrency: 4, checkEvery: 32 },
      { seed: 202, ops: 60, concurrency: 4, checkEvery: 0 },
      { seed: 303, ops: 60, concurrency: 4, checkEvery: 0 },
    ];

for (const run of RUNS) {
  test.serial(`seed ${run.seed}: ${run.ops} ops by ${run.concurrency} workers under faults lose no acknowledged write, corrupt no snapshot, leak nothing`, async (t) => {
    t.timeout((EXHAUSTIVE ? 90 : 6) * 60_000);
    const options = { ...DEFAULT_OPTIONS, ...run, tapdiskReads: 1 };
    const r = await runSoak(options);
    t.log(summaryLine(r.tally, r.seconds));
    t.is(r.aborted, undefined, 'the soak ran to its end');
    t.is(r.tally.ops, run.ops);
    t.true([...r.tally.fired.values()].reduce((s, n) => s + n, 0) > 0, 'faults fired');
    t.true(r.tally.checkedWrites.size > 0, 'acknowledged writes were checked');
    const replay = `${replayLine({ ...options, extra: '--tapdisk-reads 1' })}   (kept: ${r.dir})`;
    t.deepEqual(r.tally.findings.map(formatFinding), [], replay);
  });
}

test.serial('a run with a fault goal stops starting ops once every kind it injects has fired that often, then checks', async (t) => {
  t.timeout(3 * 60_000);
  const options = { ...DEFAULT_OPTIONS, seed: 404, ops: 40, concurrency: 2, faultRate: 1, faultKinds: ['controller-move' as const], untilFired: 2, tapdiskReads: 0 };
  const r = await runSoak(options);
  t.log(summaryLine(r.tally, r.seconds));
  t.is(r.aborted, undefined);
  t.true((r.tally.fired.get('controller-move') ?? 0) >= 2, 'the goal was met');
  // Each worker stops before its next op once the goal is met: at most one op per worker beyond it.
  t.true(r.tally.ops < options.ops, `${r.tally.ops} ops run`);
  t.is(r.tally.checks, 1, 'the final check ran');
  t.deepEqual(r.tally.findings.map(formatFinding), []);
});
