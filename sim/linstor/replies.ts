/**
 * ApiCallRc entries and replies as the real controller builds them: `type | op | object | code`
 * ret_codes, several entries per call, and the HTTP status chosen by the first error entry
 * (linstor-rest.md §2.4): 3xx codes → 404, 4xx → 403, every other error → 500; warnings and infos
 * keep the endpoint's success status.
 */
import type { ApiCallRc } from '../../lib/linstor/json.js';
import { makeRetCode, retCodeCode, retCodeType, type RetCodeType } from '../../lib/linstor/ret-codes.js';

/** A handler's answer before serialisation. */
export type SimReply = { readonly status: number; readonly body: unknown };

/** The context bits of an entry: operation and object masks. */
export type RcContext = { readonly op: bigint; readonly obj: bigint };

/** Optional parts of an entry. */
export type RcExtra = { cause?: string; details?: string; correction?: string; objRefs?: Record<string, string> };

/** Builds one entry; `created_at` is stamped like the server does. */
export function rc(type: RetCodeType, code: number, ctx: RcContext | null, message: string, extra: RcExtra = {}): ApiCallRc {
  const entry: Record<string, unknown> = {
    ret_code: makeRetCode(type, code, ctx?.op ?? 0n, ctx?.obj ?? 0n),
    message,
  };
  if (extra.cause) entry['cause'] = extra.cause;
  if (extra.details) entry['details'] = extra.details;
  if (extra.correction) entry['correction'] = extra.correction;
  if (extra.objRefs && Object.keys(extra.objRefs).length > 0) entry['obj_refs'] = extra.objRefs;
  entry['created_at'] = new Date().toISOString().replace('Z', '+00:00');
  return entry as ApiCallRc;
}

/**
 * Thrown inside a handler to answer with an RcList holding an error; the dispatcher turns it into
 * the reply with the status LINSTOR would use.
 */
export class SimApiError extends Error {
  override name = 'SimApiError';
  readonly entries: readonly ApiCallRc[];
  constructor(entries: readonly ApiCallRc[]) {
    super(entries[0]?.message ?? 'error');
    this.entries = entries;
  }
}

/** Shorthand: throw an error entry. */
export function fail(code: number, ctx: RcContext | null, message: string, extra: RcExtra = {}): never {
  throw new SimApiError([rc('error', code, ctx, message, extra)]);
}

/** The HTTP status LINSTOR sends for `entries` given the endpoint's success status. */
export function statusFor(entries: readonly ApiCallRc[], success: number): number {
  const first = entries.find((e) => retCodeType(e.ret_code) === 'error');
  if (!first) return success;
  const code = retCodeCode(first.ret_code);
  if (code >= 300 && code < 400) return 404;
  if (code >= 400 && code < 500) return 403;
  return 500;
}

/** A reply carrying an RcList. */
export function rcReply(entries: readonly ApiCallRc[], success: number): SimReply {
  return { status: statusFor(entries, success), body: entries };
}
