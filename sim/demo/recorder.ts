/**
 * Measures each step of the demo: wall time, the driver runs xapi made for it (verb@host), and the
 * LINSTOR requests they sent (the controller simulator's counters, across a controller move).
 */
import type { LinstorSim } from '../linstor/simulator.js';
import type { SimPool } from '../pool/pool.js';

export type StepRecord = { readonly step: string; readonly ms: number; readonly runs: string; readonly linstorRequests: number };

export class Recorder {
  readonly steps: StepRecord[] = [];
  readonly #pool: SimPool;
  constructor(pool: SimPool) {
    this.#pool = pool;
  }

  #snapshot(): { sim: LinstorSim | undefined; total: number } {
    const sim = this.#pool.runtime.controller.sim;
    return { sim, total: sim?.controls.counters().total ?? 0 };
  }

  /** Runs one step and records it; the step's own result is returned. */
  async step<T>(name: string, fn: () => Promise<T>): Promise<T> {
    const before = this.#snapshot();
    const runsBefore = this.#pool.xapi.executions.length;
    const t0 = performance.now();
    const result = await fn();
    const ms = performance.now() - t0;
    const after = this.#snapshot();
    // A new controller instance (drbd-reactor moved it) counts from zero.
    const requests =
      after.sim === before.sim
        ? after.total - before.total
        : (before.sim ? before.sim.controls.counters().total - before.total : 0) + after.total;
    const runs = this.#pool.xapi.executions
      .slice(runsBefore)
      .filter((e) => e.kind === 'driver')
      .map((e) => `${e.name}@${e.host}`)
      .join(' ');
    this.steps.push({ step: name, ms, runs, linstorRequests: requests });
    return result;
  }

  /** The steps as a fixed-width table. */
  table(): string {
    const rows = [['step', 'ms', 'LINSTOR req', 'driver runs'], ...this.steps.map((s) => [s.step, String(Math.round(s.ms)), String(s.linstorRequests), s.runs])];
    const widths = [0, 1, 2].map((i) => Math.max(...rows.map((r) => r[i]!.length)));
    return rows.map((r) => `${r[0]!.padEnd(widths[0]!)}  ${r[1]!.padStart(widths[1]!)}  ${r[2]!.padStart(widths[2]!)}  ${r[3]}`).join('\n') + '\n';
  }
}
