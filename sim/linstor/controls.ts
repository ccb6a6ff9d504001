/**
 * Test controls of the controller simulator, reachable in-process and over HTTP under `/sim/…`
 * (outside LINSTOR's `/v1` namespace): latency, injected failures, controller-down, resource states,
 * request counters and reset.
 */

/** A failure to inject on matching LINSTOR requests. */
export type FaultSpec = {
  /** HTTP method to match (any when absent). */
  readonly method?: string;
  /**
   * Path to match (any when absent): a route template (`/v1/nodes/{node}`), a literal path, or a
   * prefix ending in `*`.
   */
  readonly path?: string;
  /** HTTP status of the injected answer (default 500). */
  readonly status?: number;
  /** ret_code of the single ApiCallRc entry (default `ERROR | FAIL_UNKNOWN_ERROR`). */
  readonly retCode?: bigint;
  readonly message?: string;
  /** Send this raw text (e.g. an HTML error page) instead of an ApiCallRc list. */
  readonly rawBody?: string;
  /** Close the connection without answering. */
  readonly drop?: boolean;
  /** Fail the next `count` matching requests (default 1) … */
  readonly count?: number;
  /** … or only the `nth` matching request (1-based). */
  readonly nth?: number;
};

type ArmedFault = FaultSpec & { seen: number; used: number };

/** Request counters by `METHOD template`. */
export type SimCounters = { total: number; byRoute: Record<string, number> };

/** One client process's counters, and its requests in the order they came. */
export type ProcessCounters = SimCounters & { sequence: string[] };

/** The mutable control state; the server consults it for every LINSTOR request. */
export class SimControls {
  latencyMs = 0;
  #faults: ArmedFault[] = [];
  #counters: SimCounters = { total: 0, byRoute: {} };
  /** The same counters per client process, from the `(pid N)` its User-Agent carries, with the requests in order. */
  #byPid = new Map<number, ProcessCounters>();
  /** The absolute request number from which connections are refused, if any. */
  refuseFrom: number | undefined;

  /** Arms a failure; the answer tells how many requests it has failed so far. */
  addFault(spec: FaultSpec): { readonly used: number } {
    const armed = { ...spec, seen: 0, used: 0 };
    this.#faults.push(armed);
    return armed;
  }

  clearFaults(): void {
    this.#faults = [];
  }

  /** Counts a LINSTOR request and returns its number (1-based). */
  count(method: string, routeKey: string, userAgent = ''): number {
    const key = `${method} ${routeKey}`;
    const pid = /\(pid (\d+)\)/.exec(userAgent)?.[1];
    this.#counters.total += 1;
    this.#counters.byRoute[key] = (this.#counters.byRoute[key] ?? 0) + 1;
    if (pid !== undefined) {
      const c = this.#process(Number(pid));
      c.total += 1;
      c.byRoute[key] = (c.byRoute[key] ?? 0) + 1;
      c.sequence.push(key);
    }
    return this.#counters.total;
  }

  #process(pid: number): ProcessCounters {
    let c = this.#byPid.get(pid);
    if (!c) this.#byPid.set(pid, (c = { total: 0, byRoute: {}, sequence: [] }));
    return c;
  }

  counters(): SimCounters {
    return { total: this.#counters.total, byRoute: { ...this.#counters.byRoute } };
  }

  /** What the client process `pid` sent (zero when it sent nothing or named no pid). */
  countersOf(pid: number): ProcessCounters {
    const c = this.#byPid.get(pid);
    return { total: c?.total ?? 0, byRoute: { ...c?.byRoute }, sequence: [...(c?.sequence ?? [])] };
  }

  resetCounters(): void {
    this.#counters = { total: 0, byRoute: {} };
    this.#byPid.clear();
    this.refuseFrom = undefined;
  }

  /** Refuse connections from the `k`-th LINSTOR request counted from now (1 = the next one). */
  refuseFromNth(k: number): void {
    this.refuseFrom = this.#counters.total + Math.max(1, k);
  }

  /** The fault that applies to this request, if any (consumes it). */
  takeFault(method: string, path: string, template: string | undefined): FaultSpec | undefined {
    for (const fault of this.#faults) {
      if (fault.method && fault.method.toUpperCase() !== method) continue;
      if (fault.path && !pathMatches(fault.path, path, template)) continue;
      fault.seen += 1;
      if (fault.nth !== undefined) {
        if (fault.seen !== fault.nth) continue;
      } else if (fault.used >= (fault.count ?? 1)) continue;
      fault.used += 1;
      return fault;
    }
    return undefined;
  }

  /** Back to no latency, no faults, zero counters. */
  reset(): void {
    this.latencyMs = 0;
    this.clearFaults();
    this.resetCounters();
  }
}

function pathMatches(pattern: string, path: string, template: string | undefined): boolean {
  if (pattern.endsWith('*')) return path.startsWith(pattern.slice(0, -1));
  return pattern === path || pattern === template;
}
