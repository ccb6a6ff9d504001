/**
 * The soak's tallies and its one summary line: ops done (and how they ended), faults injected by kind,
 * acknowledged writes checked and lost, snapshots corrupted, objects leaked or forgotten, state left
 * behind; plus the replay line printed when anything was found.
 */
import { FINDING_CLASS, type Finding, type FindingClass } from './findings.js';

/** The kinds of fault the soak injects. */
export const FAULT_KINDS = [
  'driver-kill',
  'driver-throw',
  'plugin-kill',
  'gc-kill',
  'gc-throw',
  'linstor-error',
  'linstor-drop',
  'controller-down',
  'controller-move',
  'host-cycle',
] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

export class Tally {
  ops = 0;
  opsFailed = 0;
  /** Ops skipped because nothing they need existed (counted in `ops`). */
  opsIdle = 0;
  checks = 0;
  /** Faults armed (or started) by kind, and those that fired (a point crossed, a request hit). */
  readonly armed = new Map<FaultKind, number>();
  readonly fired = new Map<FaultKind, number>();
  /** XenAPI error codes of failed ops. */
  readonly errors = new Map<string, number>();
  readonly checkedWrites = new Set<string>();
  readonly lostWrites = new Set<string>();
  readonly findings: Finding[] = [];

  fault(kind: FaultKind, fired: boolean): void {
    this.armed.set(kind, (this.armed.get(kind) ?? 0) + 1);
    if (fired) this.fired.set(kind, (this.fired.get(kind) ?? 0) + 1);
  }

  /** Whether each of `kinds` has fired at least `times` times. */
  firedEach(kinds: readonly FaultKind[], times: number): boolean {
    return kinds.every((kind) => (this.fired.get(kind) ?? 0) >= times);
  }

  error(code: string): void {
    this.errors.set(code, (this.errors.get(code) ?? 0) + 1);
  }

  byClass(): Record<FindingClass, number> {
    const out: Record<FindingClass, number> = { lost: 0, corrupted: 0, leaked: 0, forgotten: 0, 'left-behind': 0, recovery: 0 };
    for (const f of this.findings) out[FINDING_CLASS[f.kind]] += 1;
    return out;
  }

  /** Whether the run found a problem of the driver (any finding). */
  failed(): boolean {
    return this.findings.length > 0;
  }
}

/** The one summary line. */
export function summaryLine(t: Tally, seconds: number): string {
  const faults = FAULT_KINDS.filter((k) => (t.armed.get(k) ?? 0) > 0).map((k) => `${k}=${t.fired.get(k) ?? 0}/${t.armed.get(k) ?? 0}`);
  const c = t.byClass();
  const corruptedSnapshots = t.findings.filter((f) => f.kind === 'corrupted-snapshot').length;
  return (
    `chaos: ${t.failed() ? 'FAIL' : 'ok'} ops=${t.ops} (failed ${t.opsFailed}, idle ${t.opsIdle}) checks=${t.checks} ` +
    `faults(fired/armed): ${faults.length > 0 ? faults.join(' ') : 'none'} | ` +
    `acked-writes-checked=${t.checkedWrites.size} lost-writes=${t.lostWrites.size} lost=${c.lost} corrupted=${c.corrupted} (snapshots ${corruptedSnapshots}) ` +
    `leaked=${c.leaked} forgotten=${c.forgotten} left-behind=${c['left-behind']} recovery-failed=${c.recovery} | ${seconds.toFixed(0)} s`
  );
}

/** The command that replays a run. */
export function replayLine(o: { seed: number; ops: number; concurrency: number; checkEvery: number; extra?: string }): string {
  return `replay: node dist/xostor-sim chaos --seed ${o.seed} --ops ${o.ops} --concurrency ${o.concurrency} --check-every ${o.checkEvery}${o.extra ? ` ${o.extra}` : ''} --dir <dir>`;
}
