/**
 * XenAPI value conventions (spec/smapi-protocol.md §4.2): int64 travels as a decimal string, a null
 * reference is `OpaqueRef:NULL`, datetimes use the compact `19700101T00:00:00Z` form older xapi expects.
 */
import type { XmlRpcInput, XmlRpcValue } from '../smapi/xmlrpc.js';

/** The reference XAPI uses for "no object". */
export const NULL_REF = 'OpaqueRef:NULL';

/** The epoch, which XAPI uses for "no time" (e.g. snapshot_time of a VDI that is not a snapshot). */
export const EPOCH = new Date(0);

/** True for a missing reference (`OpaqueRef:NULL` or empty). */
export function isNullRef(ref: string | undefined): boolean {
  return ref === undefined || ref === '' || ref === NULL_REF;
}

/** An int64 as XAPI wants it on the wire. Throws on non-integers (a size must never be rounded silently). */
export function toXapiInt(value: number | bigint): string {
  if (typeof value === 'bigint') return value.toString();
  if (!Number.isSafeInteger(value)) throw new RangeError(`${value} is not an integer XAPI can carry exactly`);
  return String(value);
}

/** Reads an int64 XAPI sent (a decimal string, or an `<int>` from other servers) as a JS number. */
export function fromXapiInt(value: XmlRpcValue | undefined): number {
  const n = typeof value === 'number' ? value : typeof value === 'string' && /^-?\d+$/.test(value) ? Number(value) : Number.NaN;
  if (!Number.isSafeInteger(n)) throw new TypeError(`expected an XAPI int, got ${JSON.stringify(value)}`);
  return n;
}

/**
 * Prepares call arguments: integral numbers become decimal strings (XAPI's int64 form) at any depth,
 * `undefined` struct members are dropped. Non-integral numbers stay `<double>` (task progress).
 */
export function toXapiArgs(value: XapiArg): XmlRpcInput {
  if (typeof value === 'number') return Number.isInteger(value) ? toXapiInt(value) : value;
  if (value === null || typeof value !== 'object' || Buffer.isBuffer(value) || value instanceof Date) return value as XmlRpcInput;
  if (Array.isArray(value)) return value.map((v: XapiArg) => toXapiArgs(v));
  const out: Record<string, XmlRpcInput> = {};
  for (const [k, v] of Object.entries(value as Record<string, XapiArg | undefined>)) if (v !== undefined) out[k] = toXapiArgs(v);
  return out;
}

/** What a caller may pass as an argument of a XenAPI call. */
export type XapiArg =
  | string
  | number
  | bigint
  | boolean
  | null
  | Date
  | Buffer
  | readonly XapiArg[]
  | { readonly [key: string]: XapiArg | undefined };

/** Quotes a string for a `get_all_records_where` expression. */
export function quoteWhere(value: string): string {
  return `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

/** `field "<name>" = "<value>"`, the expression sm uses to filter records. */
export function fieldEquals(field: string, value: string): string {
  return `field ${quoteWhere(field)} = ${quoteWhere(value)}`;
}
