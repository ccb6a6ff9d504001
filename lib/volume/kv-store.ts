/**
 * The SR's KV instance behind the view cache: one `GET /v1/key-value-store` per manager, writes go
 * through (`PUT`) and are applied to the cached copy, so reads after a write see it without a new
 * request. A failed write drops the cached copy, because whether LINSTOR applied it is unknown.
 *
 * It also serves the journal (`lib/journal`'s `JournalStore` shape) so that the journal and the volumes
 * share one read.
 */
import type { LinstorApi } from '../linstor/index.js';
import type { Logger } from '../log/logger.js';
import type { ViewCache } from './cache.js';
import { normaliseKey, normaliseProps, wireKey } from './kv-layout.js';

/** A KV write: keys to set, keys to delete, namespaces to delete (all unnormalised or normalised). */
export type KvChange = {
  readonly set?: Readonly<Record<string, string>>;
  readonly delete?: readonly string[];
  readonly deleteNamespaces?: readonly string[];
};

/** The cached SR KV instance. */
export class SrKvStore {
  readonly #linstor: LinstorApi;
  readonly #cache: ViewCache;
  readonly #log: Logger;
  /** The KV instance name (`xcp-sr-<group>`). */
  readonly name: string;

  constructor(linstor: LinstorApi, cache: ViewCache, name: string, log: Logger) {
    this.#linstor = linstor;
    this.#cache = cache;
    this.name = name;
    this.#log = log;
  }

  /** Every key (normalised: no leading `/`) and value; read once per manager. */
  props(): Promise<Readonly<Record<string, string>>> {
    return this.#cache.get('kv', async () => normaliseProps(await this.#linstor.keyValueStore.props(this.name)));
  }

  /** Re-reads the instance from LINSTOR (the lock wait needs a fresh view of other hosts' writes). */
  async refresh(): Promise<Readonly<Record<string, string>>> {
    this.#cache.invalidate('kv');
    return this.props();
  }

  /** One value, or undefined. */
  async get(key: string): Promise<string | undefined> {
    return (await this.props())[normaliseKey(key)];
  }

  /**
   * Applies one change in a single PUT (atomic in LINSTOR: override first, then deletes), keys sent with
   * the leading `/` exactly as the Python client sends them.
   */
  async modify(change: KvChange): Promise<void> {
    const set = Object.entries(change.set ?? {});
    const deletes = change.delete ?? [];
    const namespaces = change.deleteNamespaces ?? [];
    if (set.length === 0 && deletes.length === 0 && namespaces.length === 0) return;
    try {
      await this.#linstor.keyValueStore.modify(this.name, {
        ...(set.length > 0 ? { override_props: Object.fromEntries(set.map(([k, v]) => [wireKey(k), v])) } : {}),
        ...(deletes.length > 0 ? { delete_props: deletes.map(wireKey) } : {}),
        // Namespaces as LINSTOR lists them (linstor-rest.md §3.10 names them so), not with the key's leading `/`.
        ...(namespaces.length > 0 ? { delete_namespaces: namespaces.map(normaliseKey) } : {}),
      });
    } catch (error) {
      this.#log.warn('KV write failed; dropping the cached KV', { kv: this.name, error });
      this.#cache.invalidate('kv');
      throw error;
    }
    // Read the cached copy after the PUT, so that writes that overlapped this one are kept.
    const before = this.#cache.peek<Readonly<Record<string, string>>>('kv');
    if (before === undefined) return;
    // Patch the cached copy the way LINSTOR applies the change, so the next read costs nothing.
    let props: Record<string, string>;
    try {
      props = { ...(await before) };
    } catch (error) {
      // The earlier read failed: nothing to patch, the next read goes to LINSTOR.
      this.#log.debug('no cached KV to patch after a write', { error });
      return;
    }
    for (const [k, v] of set) props[normaliseKey(k)] = v;
    for (const k of deletes) delete props[normaliseKey(k)];
    for (const ns of namespaces.map(normaliseKey)) {
      for (const k of Object.keys(props)) if (k === ns || k.startsWith(`${ns}/`)) delete props[k];
    }
    this.#cache.set('kv', props);
  }
}
