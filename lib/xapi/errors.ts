/**
 * Errors of the XenAPI client. XAPI reports failures as `ErrorDescription = [code, ...params]`; the
 * client turns that into an XapiError so callers can branch on `code` (`SESSION_INVALID`, `HANDLE_INVALID`,
 * `SR_BACKEND_FAILURE_46`, …) without parsing messages.
 */

/** Which call failed: the method and its arguments, the session ref replaced so it never reaches a log. */
export type XapiCallInfo = { readonly method: string; readonly args: readonly unknown[] };

/** A failure XAPI reported for a call (`Status = Failure`). */
export class XapiError extends Error {
  override name = 'XapiError';
  /** The XAPI error code, e.g. `HANDLE_INVALID`. */
  readonly code: string;
  /** The error parameters, always strings. */
  readonly params: readonly string[];
  /** The call that failed, when known. */
  readonly call: XapiCallInfo | undefined;
  constructor(code: string, params: readonly string[] = [], call?: XapiCallInfo, options?: { cause?: unknown }) {
    super(`${code}(${params.join(', ')})${call ? ` in ${call.method}` : ''}`, options);
    this.code = code;
    this.params = params;
    this.call = call;
  }
}

/** XAPI could not be reached, or answered something that is not a XenAPI reply (no Status/Value). */
export class XapiTransportError extends Error {
  override name = 'XapiTransportError';
  readonly call: XapiCallInfo | undefined;
  constructor(message: string, call?: XapiCallInfo, options?: { cause?: unknown }) {
    super(message, options);
    this.call = call;
  }
}

/** True when `error` is an XapiError with one of the given codes (for idempotent cleanups). */
export function isXapiError(error: unknown, ...codes: string[]): error is XapiError {
  return error instanceof XapiError && (codes.length === 0 || codes.includes(error.code));
}
