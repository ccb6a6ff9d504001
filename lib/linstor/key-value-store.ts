import { LinstorResponseError } from './errors.js';
import type { LinstorHttp, LinstorResponse } from './http.js';
import { stringifyLinstorJson, type ApiCallRc } from './json.js';
import { arrayOf, rcListOf, seg } from './response.js';
import type { KeyValueStore, PropsModify } from './types.js';

/**
 * LINSTOR's controller-side key-value store (linstor-rest.md §3.10): a PUT creates the instance, an
 * instance left without keys disappears, keys are listed without their leading `/`. The SR keeps its
 * volume metadata here (spec/sm-linstor.md §3.2).
 */
export interface KeyValueStores {
  /** Every instance with its props (one request; the Python client filters client-side). */
  list(): Promise<KeyValueStore[]>;
  /** The props of one instance; `{}` when it does not exist (the Python client's reading). */
  props(name: string): Promise<Record<string, string>>;
  /** Applies `override_props`, then `delete_props` and `delete_namespaces`. */
  modify(name: string, modify: PropsModify): Promise<ApiCallRc[]>;
  delete(name: string): Promise<ApiCallRc[]>;
}

/** {@link KeyValueStores} over REST. */
export class KeyValueStoreService implements KeyValueStores {
  readonly #http: LinstorHttp;
  constructor(http: LinstorHttp) {
    this.#http = http;
  }
  async list(): Promise<KeyValueStore[]> {
    const res = await this.#http.request('GET', '/v1/key-value-store');
    const entries = arrayOf<unknown>(res, 'key-value-store list');
    entries.forEach((entry, i) => checkEntry(res, entry, i));
    return entries as KeyValueStore[];
  }
  async props(name: string): Promise<Record<string, string>> {
    const wanted = name.toUpperCase();
    const found = (await this.list()).find((kv) => kv.name.toUpperCase() === wanted);
    return { ...(found?.props ?? {}) };
  }
  async modify(name: string, modify: PropsModify): Promise<ApiCallRc[]> {
    return rcListOf(await this.#http.request('PUT', `/v1/key-value-store/${seg(name)}`, { body: modify }), 'key-value-store modify');
  }
  async delete(name: string): Promise<ApiCallRc[]> {
    return rcListOf(await this.#http.request('DELETE', `/v1/key-value-store/${seg(name)}`), 'key-value-store delete');
  }
}

/**
 * Checks one instance of a list answer: `{ name: string, props?: { [key]: string } }`. Anything else is
 * a LinstorResponseError naming the entry and what is wrong, not a TypeError further on (or, worse, a
 * string spread into keys).
 */
function checkEntry(res: LinstorResponse, entry: unknown, i: number): void {
  const fail = (what: string): never => {
    throw new LinstorResponseError(`key-value-store list: entry ${i} ${what}`, res.target, res.status, stringifyLinstorJson(res.body));
  };
  if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) return fail(`is ${describe(entry)}, not an object`);
  const { name, props } = entry as { name?: unknown; props?: unknown };
  if (typeof name !== 'string') return fail(`has ${name === undefined ? 'no name' : `a name that is ${describe(name)}`}`);
  if (props === undefined) return;
  if (typeof props !== 'object' || props === null || Array.isArray(props)) return fail(`(${JSON.stringify(name)}) has props that are ${describe(props)}, not an object`);
  for (const [key, value] of Object.entries(props)) {
    if (typeof value !== 'string') return fail(`(${JSON.stringify(name)}) has prop ${JSON.stringify(key)} that is ${describe(value)}, not a string`);
  }
}

/** A short name for the JSON type of `value`, for messages. */
function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : `a ${typeof value === 'bigint' ? 'number' : typeof value}`;
}
