/**
 * XenAPI calls as the soak makes them: an outcome instead of an exception (with the XenAPI error code),
 * and what the driver itself answered for a verb the call ran — a VDI.snapshot can fail in xapi's work
 * after the driver made the snapshot, and then the snapshot exists: the model follows the driver.
 */
import { isStruct } from '../../lib/smapi/xmlrpc.js';
import { isXapiError, XapiError } from '../../lib/xapi/index.js';
import { driverParams, type Execution } from '../xapi/executions.js';
import type { ChaosContext } from './context.js';

export type CallOutcome<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly code: string; readonly error: string };

/** Runs `fn`; a failure becomes `{ ok: false, code }` (the XenAPI code, else the error's name). */
export async function attempt<T>(fn: () => Promise<T>): Promise<CallOutcome<T>> {
  try {
    return { ok: true, value: await fn() };
  } catch (error) {
    if (error instanceof XapiError) return { ok: false, code: error.code, error: `${error.code} ${error.params.filter((p) => p !== '').join(' | ').slice(0, 600)}` };
    const e = error instanceof Error ? error : new Error(String(error));
    return { ok: false, code: e.name, error: e.message.slice(0, 600) };
  }
}

/** Where the executions log is now (to look only at runs that end after it). */
export function mark(ctx: ChaosContext): number {
  return ctx.pool.xapi.executions.length;
}

/** The last run of driver verb `verb` since `since` whose parameter struct satisfies `match`. */
export function driverRun(ctx: ChaosContext, since: number, verb: string, match: (params: Readonly<Record<string, unknown>>) => boolean): Execution | undefined {
  const runs = ctx.pool.xapi.executions;
  for (let i = runs.length - 1; i >= since; i -= 1) {
    const run = runs[i]!;
    if (run.kind === 'driver' && run.name === verb && match(driverParams(run))) return run;
  }
  return undefined;
}

/** The uuid of the VDI a driver run reported making (vdi_create, vdi_snapshot, vdi_clone), if it succeeded. */
export function madeUuid(run: Execution | undefined): string | undefined {
  if (run?.outcome.kind !== 'ok' || !isStruct(run.outcome.value)) return undefined;
  const uuid = run.outcome.value['uuid'];
  return typeof uuid === 'string' ? uuid : undefined;
}

/** The XAPI ref of VDI `uuid` (cached). */
export async function vdiRef(ctx: ChaosContext, uuid: string): Promise<string> {
  let ref = ctx.refs.get(uuid);
  if (ref === undefined) {
    ref = await ctx.xapi.vdi.getByUuid(uuid);
    ctx.refs.set(uuid, ref);
  }
  return ref;
}

/**
 * Runs `fn` with the ref of VDI `uuid`; if XAPI no longer knows that ref (the VDI was forgotten and
 * introduced again: a checker finding, not the soak's problem), once more with the ref it has now.
 */
export async function onVdi<T>(ctx: ChaosContext, uuid: string, fn: (ref: string) => Promise<T>): Promise<T> {
  const ref = await vdiRef(ctx, uuid);
  try {
    return await fn(ref);
  } catch (error) {
    if (!isXapiError(error, 'HANDLE_INVALID') || !error.params.includes(ref)) throw error;
    ctx.refs.delete(uuid);
    return fn(await vdiRef(ctx, uuid));
  }
}
