import type { ApiCallRc } from './json.js';
import { retCodeCode, retCodeType } from './ret-codes.js';

/** Where a failed request went; every LINSTOR error carries it so that logs name the controller. */
export type RequestTarget = { readonly method: string; readonly url: string };

/**
 * Base of every error thrown by `lib/linstor`. Catch this to handle "LINSTOR said no or could not be
 * reached" as one case; look at the subclass for which.
 */
export class LinstorError extends Error {
  override name = 'LinstorError';
  readonly method: string;
  readonly url: string;
  /** HTTP status when a response arrived. */
  readonly status: number | undefined;
  constructor(message: string, target: RequestTarget, options: { cause?: unknown; status?: number } = {}) {
    super(`${message} (${target.method} ${target.url})`, options.cause === undefined ? {} : { cause: options.cause });
    this.method = target.method;
    this.url = target.url;
    this.status = options.status;
  }
}

/**
 * The controller answered with an ApiCallRc list that holds at least one error entry (any HTTP
 * status), or with a non-2xx status. `retCodes` keeps every entry, warnings and infos included.
 */
export class LinstorApiError extends LinstorError {
  override name = 'LinstorApiError';
  readonly retCodes: readonly ApiCallRc[];
  constructor(target: RequestTarget, status: number, retCodes: readonly ApiCallRc[]) {
    const first = retCodes.find((rc) => retCodeType(rc.ret_code) === 'error') ?? retCodes[0];
    const text = first ? describeRc(first) : `HTTP status ${status}`;
    super(text, target, { status });
    this.retCodes = retCodes;
  }
  /** True when an *error* entry has bare code `code` (`rc & 0x7FFF`, linstor-rest.md §2.2). */
  hasCode(code: number): boolean {
    return this.retCodes.some((rc) => retCodeType(rc.ret_code) === 'error' && retCodeCode(rc.ret_code) === code);
  }
  /** The error entries only. */
  get errors(): readonly ApiCallRc[] {
    return this.retCodes.filter((rc) => retCodeType(rc.ret_code) === 'error');
  }
}

/** HTTP 404: the object (or, with an empty `retCodes`, the URL) does not exist. */
export class LinstorNotFoundError extends LinstorApiError {
  override name = 'LinstorNotFoundError';
}

/**
 * The controller could not be reached or dropped the connection (refused, reset, DNS), on every
 * controller URI tried. `cause` holds the last socket error.
 */
export class LinstorNetworkError extends LinstorError {
  override name = 'LinstorNetworkError';
}

/** No complete response within the per-request timeout; never retried (the request may have run). */
export class LinstorTimeoutError extends LinstorError {
  override name = 'LinstorTimeoutError';
  readonly timeoutMs: number;
  constructor(target: RequestTarget, timeoutMs: number, cause?: unknown) {
    super(`no response within ${timeoutMs} ms`, target, { cause });
    this.timeoutMs = timeoutMs;
  }
}

/**
 * A response that is not what LINSTOR sends: malformed JSON, an HTML error page, an empty body where
 * data was expected, an unexpected shape. `body` keeps the first 500 characters for the log.
 */
export class LinstorResponseError extends LinstorError {
  override name = 'LinstorResponseError';
  readonly body: string;
  constructor(message: string, target: RequestTarget, status: number, body: string, cause?: unknown) {
    super(message, target, { status, cause });
    this.body = body.slice(0, 500);
  }
}

/** One-line rendering of an ApiCallRc for error messages. */
export function describeRc(rc: ApiCallRc): string {
  const parts = [rc.message, rc.cause, rc.details].filter((p): p is string => typeof p === 'string' && p !== '');
  return `${parts.join(' — ')} [${retCodeType(rc.ret_code)} ${retCodeCode(rc.ret_code)}]`;
}

/** True when `error` is a LINSTOR API error carrying error code `code` (e.g. `RC.FAIL_EXISTS_RSC_DFN`). */
export function hasRetCode(error: unknown, code: number): boolean {
  return error instanceof LinstorApiError && error.hasCode(code);
}

/** True for 404s: the idempotent-delete and "maybe missing" paths use it. */
export function isNotFound(error: unknown): error is LinstorNotFoundError {
  return error instanceof LinstorNotFoundError;
}

/** Resolves to undefined when `promise` rejects with a not-found error (linstor-csi's `nil404`). */
export async function ignoreNotFound<T>(promise: Promise<T>): Promise<T | undefined> {
  try {
    return await promise;
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw error;
  }
}
