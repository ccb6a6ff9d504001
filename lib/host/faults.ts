/**
 * Fault points for tests (DESIGN.md "Faults"): `LINSTOR_SR_FAULTS=<point>:throw|kill[,…]` makes the
 * named point throw or SIGKILL the process, so tests can stop a verb between two steps and check that
 * the next scan or repair finds a consistent state. `<prefix>*#<n>` names no point but the n-th one the
 * process crosses whose name starts with `<prefix>` (`*#3`: the third point, whatever it is), so a
 * soak can stop a process somewhere along whatever work it finds. `readHostEnv` only passes the
 * variable through when LINSTOR_SR_ROOT is not `/`: on dom0 every point is a no-op.
 */
import { writeSync } from 'node:fs';

/** What a fault point raises when armed with `throw`. */
export class InjectedFaultError extends Error {
  override name = 'InjectedFaultError';
}

export type FaultAction = 'throw' | 'kill';

/** Parses `a:throw,b:kill` into point (or `<prefix>*#<n>` pattern) → action; unknown actions are ignored. */
export function parseFaults(spec: string | undefined): Map<string, FaultAction> {
  const out = new Map<string, FaultAction>();
  for (const item of (spec ?? '').split(',')) {
    const cut = item.lastIndexOf(':');
    if (cut <= 0) continue;
    const action = item.slice(cut + 1).trim();
    if (action === 'throw' || action === 'kill') out.set(item.slice(0, cut).trim(), action);
  }
  return out;
}

const COUNTED = /^(.*)\*#([1-9][0-9]*)$/;

/** Points crossed so far by this process, per counted pattern. */
const crossed = new Map<string, number>();

/** Forgets the points crossed: an agent worker starts each call's count afresh, as a new process would. */
export function resetFaultCounts(): void {
  crossed.clear();
}

/** The action armed for `point`: by its name, else by a counted pattern it is the n-th crossing of. */
function actionAt(faults: string, point: string): FaultAction | undefined {
  const armed = parseFaults(faults);
  let action = armed.get(point);
  for (const [pattern, a] of armed) {
    const m = COUNTED.exec(pattern);
    if (!m || !point.startsWith(m[1]!)) continue;
    const n = (crossed.get(pattern) ?? 0) + 1;
    crossed.set(pattern, n);
    if (n === Number(m[2])) action ??= a;
  }
  return action;
}

/**
 * Call at a step boundary: does nothing unless `faults` (HostEnv.faults) arms `point`. `kill` ends the
 * process at once, as a crash or a timeout would, with nothing flushed or unwound (one line on stderr
 * first, written synchronously, says where).
 */
export function faultPoint(faults: string | undefined, point: string): void {
  if (faults === undefined) return;
  const action = actionAt(faults, point);
  if (action === 'kill') {
    try {
      writeSync(2, `injected kill at ${point}\n`);
    } catch {
      // stderr closed: the kill is what matters.
    }
    process.kill(process.pid, 'SIGKILL');
  }
  if (action === 'throw') throw new InjectedFaultError(`injected fault at ${point}`);
}
