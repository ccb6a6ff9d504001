import type { LinstorHttp } from './http.js';
import type { ApiCallRc } from './json.js';
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
    return arrayOf<KeyValueStore>(await this.#http.request('GET', '/v1/key-value-store'), 'key-value-store list');
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
