/**
 * `xostor-sim chaos --seed N --ops M --concurrency C [--dir D] [--check-every K] [--fault-rate P]
 * [--faults kind,…] [--points text,…] [--weights op=n,…] [--until-fired N] [--tapdisk-reads R] [--time-scale S] [--keep]
 * [--verbose]`: runs the chaos soak (soak.ts; `--faults`/`--points` narrow it to some fault kinds and
 * points, `--weights` changes the op mix — e.g. `gc=30` for many collector faults, `--until-fired` ends a
 * long run early once every fault kind has fired N times) and prints
 * one summary line on stdout; with findings, the first of them on stderr and the command that replays
 * the run. Exit status: 0 nothing found, 1 findings (lost, corrupted, leaked…), 2 the soak itself
 * could not run (bad arguments, a hung op).
 */
import { parseArgs } from 'node:util';
import { DEFAULT_OPTIONS, type ChaosOptions } from './context.js';
import { formatFinding } from './findings.js';
import { OP_WEIGHTS, type OpKind } from './op-mix.js';
import { runSoak } from './soak.js';
import { FAULT_KINDS, replayLine, summaryLine, type FaultKind } from './summary.js';

const FINDINGS_SHOWN = 12;

function num(text: string | undefined, name: string, fallback: number, check: (n: number) => boolean): number {
  if (text === undefined) return fallback;
  const n = Number(text);
  if (!Number.isFinite(n) || !check(n)) throw new RangeError(`bad --${name}: ${text}`);
  return n;
}

/** `op=n,…` over OP_WEIGHTS: the ops named get their new weight (0 drops an op), the others keep theirs. */
function opWeights(text: string): Record<OpKind, number> {
  const out: Record<OpKind, number> = { ...OP_WEIGHTS };
  for (const part of text.split(',').filter((p) => p !== '')) {
    const [op, weight] = part.split('=');
    const n = Number(weight);
    if (op === undefined || !(op in OP_WEIGHTS) || weight === undefined || !Number.isInteger(n) || n < 0 || n > 1000) {
      throw new RangeError(`bad --weights: ${part} (op=n, ops: ${Object.keys(OP_WEIGHTS).join(', ')})`);
    }
    out[op as OpKind] = n;
  }
  if (Object.values(out).every((n) => n === 0)) throw new RangeError('bad --weights: every op weighs 0');
  return out;
}

function faultKinds(text: string): FaultKind[] {
  const kinds = text.split(',').filter((k) => k !== '');
  for (const k of kinds) if (!(FAULT_KINDS as readonly string[]).includes(k)) throw new RangeError(`bad --faults: ${k} (kinds: ${FAULT_KINDS.join(', ')})`);
  return kinds as FaultKind[];
}

/** Parses the command line (exported for tests). */
export function parseChaosArgs(argv: readonly string[]): ChaosOptions & { dir?: string; keep: boolean; verbose: boolean } {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      seed: { type: 'string' }, ops: { type: 'string' }, concurrency: { type: 'string' }, dir: { type: 'string' },
      'check-every': { type: 'string' }, 'fault-rate': { type: 'string' }, 'tapdisk-reads': { type: 'string' }, 'time-scale': { type: 'string' },
      faults: { type: 'string' }, points: { type: 'string' }, weights: { type: 'string' }, 'until-fired': { type: 'string' },
      keep: { type: 'boolean', default: false }, verbose: { type: 'boolean', default: false },
    },
  });
  const int = (n: number) => Number.isInteger(n) && n >= 0;
  const seed = num(values.seed, 'seed', Math.floor(Math.random() * 1_000_000), (n) => int(n) && n < 2 ** 32);
  return {
    seed,
    ops: num(values.ops, 'ops', DEFAULT_OPTIONS.ops, (n) => int(n) && n > 0 && n < 1_000_000),
    concurrency: num(values.concurrency, 'concurrency', DEFAULT_OPTIONS.concurrency, (n) => int(n) && n > 0 && n <= 64),
    checkEvery: num(values['check-every'], 'check-every', DEFAULT_OPTIONS.checkEvery, int),
    faultRate: num(values['fault-rate'], 'fault-rate', DEFAULT_OPTIONS.faultRate, (n) => n >= 0 && n <= 1),
    tapdiskReads: num(values['tapdisk-reads'], 'tapdisk-reads', DEFAULT_OPTIONS.tapdiskReads, int),
    timeScale: num(values['time-scale'], 'time-scale', DEFAULT_OPTIONS.timeScale, (n) => n > 0 && n <= 10),
    ...(values.faults !== undefined ? { faultKinds: faultKinds(values.faults) } : {}),
    ...(values.points !== undefined ? { points: values.points.split(',').filter((p) => p !== '') } : {}),
    ...(values.weights !== undefined ? { opWeights: opWeights(values.weights) } : {}),
    ...(values['until-fired'] !== undefined ? { untilFired: num(values['until-fired'], 'until-fired', 0, (n) => int(n) && n > 0) } : {}),
    ...(values.dir !== undefined ? { dir: values.dir } : {}),
    keep: values.keep,
    verbose: values.verbose,
  };
}

/** The options a replay must repeat (those not at their default). */
export function extraOptions(o: ChaosOptions): string {
  const parts: string[] = [];
  if (o.faultRate !== DEFAULT_OPTIONS.faultRate) parts.push(`--fault-rate ${o.faultRate}`);
  if (o.tapdiskReads !== DEFAULT_OPTIONS.tapdiskReads) parts.push(`--tapdisk-reads ${o.tapdiskReads}`);
  if (o.timeScale !== DEFAULT_OPTIONS.timeScale) parts.push(`--time-scale ${o.timeScale}`);
  if (o.faultKinds !== undefined) parts.push(`--faults ${o.faultKinds.join(',')}`);
  if (o.points !== undefined) parts.push(`--points ${o.points.join(',')}`);
  if (o.untilFired !== undefined) parts.push(`--until-fired ${o.untilFired}`);
  if (o.opWeights !== undefined) {
    const changed = Object.entries(o.opWeights).filter(([op, n]) => OP_WEIGHTS[op as OpKind] !== n);
    if (changed.length > 0) parts.push(`--weights ${changed.map(([op, n]) => `${op}=${n}`).join(',')}`);
  }
  return parts.join(' ');
}

export async function chaosCommand(argv: readonly string[]): Promise<number> {
  let options;
  try {
    options = parseChaosArgs(argv);
  } catch (error) {
    process.stderr.write(`xostor-sim chaos: ${(error as Error).message}\n`);
    return 2;
  }
  const progress = options.verbose ? (line: string) => void process.stderr.write(`${line}\n`) : undefined;
  const { keep, ...rest } = options;
  let result;
  try {
    result = await runSoak({ ...rest, ...(keep ? { keep } : {}), ...(progress ? { progress } : {}) });
  } catch (error) {
    process.stderr.write(`xostor-sim chaos: the pool or its SR could not be set up: ${(error as Error).message}\n`);
    return 2;
  }
  const { tally } = result;
  process.stdout.write(`${summaryLine(tally, result.seconds)} seed=${options.seed}\n`);
  if (options.verbose) {
    const codes = [...tally.errors].sort((a, b) => b[1] - a[1]).map(([code, n]) => `${code}×${n}`);
    process.stderr.write(`failed ops by error: ${codes.join(' ') || 'none'}\n`);
  }
  for (const f of tally.findings.slice(0, FINDINGS_SHOWN)) process.stderr.write(`  ${formatFinding(f)}\n`);
  if (tally.findings.length > FINDINGS_SHOWN) process.stderr.write(`  … ${tally.findings.length - FINDINGS_SHOWN} more in ${result.dir}/chaos/findings.json\n`);
  if (result.aborted !== undefined) process.stderr.write(`chaos: the soak stopped: ${result.aborted}\n`);
  if (tally.failed() || result.aborted !== undefined) {
    process.stderr.write(`${replayLine({ ...options, extra: extraOptions(options) })}   (logs of this run: ${result.dir}/chaos/)\n`);
  }
  if (result.aborted !== undefined) return 2;
  return tally.failed() ? 1 : 0;
}
