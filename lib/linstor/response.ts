/**
 * Small shape checks shared by the services: a list endpoint must answer an array, a mutating one an
 * ApiCallRc list. A wrong shape is a {@link LinstorResponseError}, never a silent `undefined`.
 */
import { LinstorResponseError } from './errors.js';
import type { LinstorResponse } from './http.js';
import { isApiCallRcList, stringifyLinstorJson, type ApiCallRc } from './json.js';

/** Quotes one path segment (the Python client uses `quote(…, safe="")`). */
export const seg = (name: string | number): string => encodeURIComponent(String(name));

/** The ApiCallRc entries of a mutating call (successes, warnings and infos; errors were thrown). */
export function rcListOf(res: LinstorResponse, what: string): ApiCallRc[] {
  if (res.body === undefined) return [];
  if (isApiCallRcList(res.body)) return res.body;
  throw new LinstorResponseError(`${what}: expected an ApiCallRc list`, res.target, res.status, stringifyLinstorJson(res.body));
}

/** The array body of a list call. */
export function arrayOf<T>(res: LinstorResponse, what: string): T[] {
  if (res.body === undefined) return [];
  if (Array.isArray(res.body)) return res.body as T[];
  throw new LinstorResponseError(`${what}: expected a JSON array`, res.target, res.status, stringifyLinstorJson(res.body));
}

/** The object body of a single-object call. */
export function objectOf<T>(res: LinstorResponse, what: string): T {
  if (typeof res.body === 'object' && res.body !== null && !Array.isArray(res.body)) return res.body as T;
  throw new LinstorResponseError(`${what}: expected a JSON object`, res.target, res.status, String(stringifyLinstorJson(res.body)));
}
