/**
 * Fault points for tests (DESIGN.md "Faults"): `LINSTOR_SR_FAULTS=<point>:throw|kill[,…]` makes the
 * named point throw or SIGKILL the process, so tests can stop a verb between two steps and check that
 * the next scan or repair finds a consistent state. `readHostEnv` only passes the variable through when
 * LINSTOR_SR_ROOT is not `/`: on dom0 every point is a no-op.
 */

/** What a fault point raises when armed with `throw`. */
export class InjectedFaultError extends Error {
  override name = 'InjectedFaultError';
}

/** Parses `a:throw,b:kill` into point → action; unknown actions are ignored. */
export function parseFaults(spec: string | undefined): Map<string, 'throw' | 'kill'> {
  const out = new Map<string, 'throw' | 'kill'>();
  for (const item of (spec ?? '').split(',')) {
    const cut = item.lastIndexOf(':');
    if (cut <= 0) continue;
    const action = item.slice(cut + 1).trim();
    if (action === 'throw' || action === 'kill') out.set(item.slice(0, cut).trim(), action);
  }
  return out;
}

/**
 * Call at a step boundary: does nothing unless `faults` (HostEnv.faults) arms `point`. `kill` ends the
 * process at once, as a crash or a timeout would, with nothing flushed or unwound.
 */
export function faultPoint(faults: string | undefined, point: string): void {
  if (faults === undefined) return;
  const action = parseFaults(faults).get(point);
  if (action === 'kill') process.kill(process.pid, 'SIGKILL');
  if (action === 'throw') throw new InjectedFaultError(`injected fault at ${point}`);
}
