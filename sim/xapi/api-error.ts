/**
 * A XenAPI failure raised inside the simulator: the server turns it into `Status = Failure,
 * ErrorDescription = [code, ...params]`, as xapi does.
 */
export class ApiError extends Error {
  override name = 'ApiError';
  readonly code: string;
  readonly params: readonly string[];
  constructor(code: string, params: readonly string[] = []) {
    super(`${code}(${params.join(', ')})`);
    this.code = code;
    this.params = params;
  }
}

/** Shorthand for `throw new ApiError(…)` in expressions. */
export function fail(code: string, ...params: string[]): never {
  throw new ApiError(code, params);
}
