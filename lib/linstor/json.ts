/**
 * JSON parsing that keeps LINSTOR's `ret_code` exact. `JSON.parse` turns `-4611686018406940171` into a
 * double and loses the low code bits (linstor-rest.md §1), and Node 20 has no source-text access in
 * revivers. So before parsing, every number that is the value of a `"ret_code"` key is quoted, and the
 * reviver turns those strings into bigints.
 *
 * The regex alternates between "a ret_code member" and "any string literal": string literals are consumed
 * whole, so a `"ret_code": 1` that appears *inside* a message string is never rewritten.
 */

const RET_CODE_OR_STRING = /"ret_code"(\s*:\s*)(-?\d+)|"(?:[^"\\]|\\.)*"/g;

/** An ApiCallRc as LINSTOR sends it, with the exact 64-bit code. */
export type ApiCallRc = {
  readonly ret_code: bigint;
  readonly message: string;
  readonly cause?: string;
  readonly details?: string;
  readonly correction?: string;
  readonly error_report_ids?: readonly string[];
  readonly obj_refs?: Readonly<Record<string, string>>;
  readonly created_at?: string;
};

/** Parses a LINSTOR response body; throws SyntaxError on malformed JSON (the caller types it). */
export function parseLinstorJson(text: string): unknown {
  if (!text.includes('"ret_code"')) return JSON.parse(text);
  let rewritten = false;
  const quoted = text.replace(RET_CODE_OR_STRING, (match, sep: string | undefined, digits: string | undefined) => {
    if (digits === undefined) return match;
    rewritten = true;
    return `"ret_code"${sep ?? ':'}"${digits}"`;
  });
  if (!rewritten) return JSON.parse(text);
  return JSON.parse(quoted, function revive(key, value: unknown) {
    return key === 'ret_code' && typeof value === 'string' ? BigInt(value) : value;
  });
}

/**
 * Serialises a value whose bigints (ret_codes) must go out as plain JSON integers, e.g. the
 * simulator's RcLists and a test's fixture bodies.
 */
export function stringifyLinstorJson(value: unknown): string {
  try {
    // Most bodies hold no bigint: skip the per-key replacer, which costs more than the whole call.
    return JSON.stringify(value);
  } catch (error) {
    if (!(error instanceof TypeError)) throw error;
  }
  const marked = JSON.stringify(value, (_key, v: unknown) => (typeof v === 'bigint' ? `\u0000big:${v}` : v));
  return marked.replace(/"\\u0000big:(-?\d+)"/g, '$1');
}

/** True when `value` looks like an ApiCallRc list (every element carries a ret_code). */
export function isApiCallRcList(value: unknown): value is ApiCallRc[] {
  return (
    Array.isArray(value) &&
    value.every((e) => typeof e === 'object' && e !== null && typeof (e as { ret_code?: unknown }).ret_code === 'bigint')
  );
}
