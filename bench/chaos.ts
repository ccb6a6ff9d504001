// The chaos soak (sim/chaos/) on a fixed seed: how many operations per minute the soak gets through
// with its faults (fault rate 0.35), and how many faults fire per minute, as medians of ROUNDS soaks of
// OPS ops each; the baseline is the same seed with no fault at all, run alternately in the same bench,
// so `ops_ratio_to_no_faults` shows what the faults (and the recoveries they force) cost. Only the op
// phase is timed (not the pool start, the SR creation or the final check). The findings of each soak
// are counted too (the driver's data-safety bugs make them non-zero until fixed).
import { DEFAULT_OPTIONS } from '../sim/chaos/context.js';
import { runSoak, type SoakResult } from '../sim/chaos/soak.js';
import { median, round } from './process-time.js';
import type { Bench } from './run.js';

const SEED = 20261207;
const OPS = 24;
const ROUNDS = 3;
const CONCURRENCY = 3;

function soak(faultRate: number): Promise<SoakResult> {
  return runSoak({ ...DEFAULT_OPTIONS, seed: SEED, ops: OPS, concurrency: CONCURRENCY, checkEvery: 0, faultRate, tapdiskReads: 0, keep: false });
}

const fired = (r: SoakResult): number => [...r.tally.fired.values()].reduce((s, n) => s + n, 0);

const bench: Bench = {
  name: 'chaos',
  async run() {
    const faulted: SoakResult[] = [];
    const clean: SoakResult[] = [];
    for (let i = 0; i < ROUNDS; i += 1) {
      faulted.push(await soak(DEFAULT_OPTIONS.faultRate));
      clean.push(await soak(0));
    }
    const perMinute = (rs: SoakResult[], f: (r: SoakResult) => number) => median(rs.map((r) => (f(r) / r.opsSeconds) * 60));
    const opsPerMinute = perMinute(faulted, (r) => r.tally.ops);
    const baseline = perMinute(clean, (r) => r.tally.ops);
    return {
      seed: SEED,
      ops_per_soak: OPS,
      concurrency: CONCURRENCY,
      ops_per_minute: round(opsPerMinute, 1),
      faults_fired_per_minute: round(perMinute(faulted, fired), 1),
      ops_per_minute_no_faults: round(baseline, 1),
      ops_ratio_to_no_faults: round(opsPerMinute / baseline, 2),
      failed_ops_share: round(median(faulted.map((r) => r.tally.opsFailed / Math.max(1, r.tally.ops))), 2),
      findings: { with_faults: faulted.map((r) => r.tally.findings.length), without: clean.map((r) => r.tally.findings.length) },
    };
  },
};
export default bench;
