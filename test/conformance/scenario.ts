/**
 * What a conformance scenario is: a named check written against the XenAPI only (through lib/xapi), so
 * that it runs unchanged against the simulated pool and against a real XCP-ng pool.
 */
import { createXapi, isXapiError, type Xapi } from '../../lib/xapi/index.js';

/** The pool a run targets. */
export type Target = {
  /** `simulated` (started by the runner) or `real` (XAPI_URL). */
  readonly kind: 'simulated' | 'real';
  readonly url: string;
  readonly user: string;
  readonly password: string;
  /** An existing SR to check read-only (XAPI_SR_UUID), if any. */
  readonly srUuid: string | undefined;
  /** What only a simulated pool can do to itself (a real one cannot be made to fail on demand). */
  readonly controls?: PoolControls;
};

/** Faults a simulated pool can be put in, and taken out of. */
export type PoolControls = {
  /** The `connection_status` the LINSTOR node `node` reports. */
  setNodeStatus(node: string, status: 'ONLINE' | 'VERSION_MISMATCH'): Promise<void>;
};

/** What a scenario gets: a logged-in client, and a way to make more. */
export type ScenarioContext = {
  readonly target: Target;
  readonly xapi: Xapi;
  /** A client not yet logged in, for the target URL or another one (same scheme and port). */
  client(url?: string): Xapi;
};

/** Returned by a scenario that cannot run against this target (with the reason). */
export type Skip = { readonly skip: string };

/** A named check; it returns a Skip when it cannot apply to the target. */
export type Scenario = {
  readonly name: string;
  run(ctx: ScenarioContext): Promise<void | Skip>;
};

/** A failed expectation. */
export class CheckError extends Error {
  override name = 'CheckError';
}

/** Fails unless `actual` equals `expected` (compared as JSON). */
export function expectEqual(actual: unknown, expected: unknown, what: string): void {
  const [a, e] = [JSON.stringify(actual), JSON.stringify(expected)];
  if (a !== e) throw new CheckError(`${what}: expected ${e}, got ${a}`);
}

/** Fails unless `condition` holds. */
export function expectTrue(condition: boolean, what: string): void {
  if (!condition) throw new CheckError(what);
}

/** Fails unless `promise` rejects with the XenAPI error `code` (and, if given, exactly `params`). */
export async function expectXapiError(promise: Promise<unknown>, code: string, params?: readonly string[]): Promise<void> {
  try {
    await promise;
  } catch (error) {
    if (!isXapiError(error)) throw new CheckError(`expected XenAPI error ${code}, got ${String(error)}`);
    expectEqual(error.code, code, 'error code');
    if (params !== undefined) expectEqual(error.params, params, `${code} params`);
    return;
  }
  throw new CheckError(`expected XenAPI error ${code}, but the call succeeded`);
}

/** Builds a client for the target (self-signed certificates are accepted, as xapi's default is one). */
export function clientFor(url: string): Xapi {
  return createXapi({ endpoint: { url }, allowUnauthorized: true, timeoutMs: 60_000 });
}
