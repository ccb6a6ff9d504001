/**
 * The SR journal on LINSTOR's KV (spec/sm-linstor.md §5): durable intent records `xcp/sr/journal/<type>/<id>`
 * that a crashed multi-step operation (clone, inflate, GC steps) leaves behind for the next master
 * command to undo or finish. Same keys and values as the Python `LinstorJournaler`, so either driver
 * replays the other's entries.
 */
import type { Logger } from '../log/logger.js';
import { JournalConflictError, JournalWriteError } from './errors.js';

/** Namespace of the entries (`/xcp/sr/journal/` in the Python client). */
export const JOURNAL_NAMESPACE = 'xcp/sr/journal';

/**
 * The KV the journal lives in: the volume manager's cached SR KV (`lib/volume` `SrKvStore`) fits this
 * shape, and {@link kvJournalStore} reads the REST client directly. Keys are read without a leading `/`.
 */
export interface JournalStore {
  props(): Promise<Readonly<Record<string, string>>>;
  /** Drops a cached view, so the next read sees other processes' writes (absent: every read is fresh). */
  refresh?(): Promise<unknown>;
  modify(change: { readonly set?: Readonly<Record<string, string>>; readonly delete?: readonly string[] }): Promise<void>;
}

/** One entry. */
export type JournalEntry = { readonly type: string; readonly id: string; readonly value: string };

/** `xcp//sr/journal/` and `/xcp/sr/journal` read as LINSTOR lists them. */
function normaliseKey(key: string): string {
  return key
    .split('/')
    .filter((s) => s !== '')
    .join('/');
}

/** The journal of one SR. */
export class Journal {
  readonly #store: JournalStore;
  readonly #log: Logger;

  constructor(store: JournalStore, log: Logger) {
    this.#store = store;
    this.#log = log;
  }

  static #key(type: string, id: string): string {
    if (type === '' || type.includes('/') || id === '' || id.includes('/')) throw new TypeError(`invalid journal key ${type}/${id}`);
    return `${JOURNAL_NAMESPACE}/${type}/${id}`;
  }

  /** Reads the entries afresh from now on (another process may have added or removed some). */
  async refresh(): Promise<void> {
    await this.#store.refresh?.();
  }

  /** Every entry, parsed from the keys (either spelling). */
  async entries(): Promise<JournalEntry[]> {
    const prefix = `${JOURNAL_NAMESPACE}/`;
    const out: JournalEntry[] = [];
    for (const [raw, value] of Object.entries(await this.#store.props())) {
      const key = normaliseKey(raw);
      if (!key.startsWith(prefix)) continue;
      const parts = key.slice(prefix.length).split('/');
      if (parts.length !== 2 || !parts[0] || !parts[1]) continue;
      out.push({ type: parts[0], id: parts[1], value });
    }
    return out;
  }

  /**
   * Records an intent before a multi-step operation. Fails with {@link JournalConflictError} when the
   * entry exists (an earlier operation was interrupted and must be undone first). On a write error the
   * key is removed again (best effort) and {@link JournalWriteError} is thrown.
   */
  async create(type: string, id: string, value: string): Promise<void> {
    const key = Journal.#key(type, id);
    if ((await this.get(type, id)) !== undefined) throw new JournalConflictError(type, id);
    try {
      await this.#store.modify({ set: { [key]: value } });
    } catch (error) {
      try {
        await this.#store.modify({ delete: [key] });
      } catch (cleanupError) {
        // The controller may have applied the write; a leftover entry is undone like any interrupted one.
        this.#log.warn('cannot remove a journal entry after a failed write', { type, id, error: cleanupError });
      }
      throw new JournalWriteError(type, id, { cause: error });
    }
    this.#log.info('journal entry created', { type, id, value });
  }

  /** Removes an entry once its operation completed or was undone; removing a missing entry is no error. */
  async remove(type: string, id: string): Promise<void> {
    try {
      await this.#store.modify({ delete: [Journal.#key(type, id)] });
    } catch (error) {
      throw new JournalWriteError(type, id, { cause: error });
    }
    this.#log.info('journal entry removed', { type, id });
  }

  /**
   * Removes the entry `from` and writes `to` in one KV transaction: a verb crossing its commit point
   * leaves either the entry that undoes it or the one that finishes it, never both nor neither.
   */
  async replace(from: { readonly type: string; readonly id: string }, to: { readonly type: string; readonly id: string; readonly value: string }): Promise<void> {
    const fromKey = Journal.#key(from.type, from.id);
    const toKey = Journal.#key(to.type, to.id);
    try {
      await this.#store.modify({ set: { [toKey]: to.value }, delete: [fromKey] });
    } catch (error) {
      throw new JournalWriteError(from.type, from.id, { cause: error });
    }
    this.#log.info('journal entry replaced', { from, to });
  }

  /** The value of an entry, or undefined. */
  async get(type: string, id: string): Promise<string | undefined> {
    const key = Journal.#key(type, id);
    return (await this.entries()).find((e) => `${JOURNAL_NAMESPACE}/${e.type}/${e.id}` === key)?.value;
  }

  /** `{id: value}` of every entry of `type` (Python `get_all`). */
  async getAll(type: string): Promise<Map<string, string>> {
    return new Map((await this.entries()).filter((e) => e.type === type).map((e) => [e.id, e.value]));
  }

  /** True when any entry of any type exists for `id` (Python `has_entries`): `vdi_attach` refuses such VDIs. */
  async hasEntries(id: string): Promise<boolean> {
    return (await this.entries()).some((e) => e.id === id);
  }
}

/** Minimal REST surface the uncached store needs (`LinstorApi['keyValueStore']` fits). */
export type KvRest = {
  props(name: string): Promise<Record<string, string>>;
  modify(name: string, modify: { override_props?: Record<string, string>; delete_props?: string[] }): Promise<unknown>;
};

/**
 * A {@link JournalStore} straight on the REST client, reading the KV afresh on every call and writing keys
 * with a leading `/` as the Python client does: for tools and the GC when no volume manager is open.
 */
export function kvJournalStore(kv: KvRest, name: string): JournalStore {
  const wire = (key: string): string => `/${normaliseKey(key)}`;
  return {
    props: () => kv.props(name),
    async modify(change) {
      const set = Object.entries(change.set ?? {});
      const deletes = change.delete ?? [];
      await kv.modify(name, {
        ...(set.length > 0 ? { override_props: Object.fromEntries(set.map(([k, v]) => [wire(k), v])) } : {}),
        ...(deletes.length > 0 ? { delete_props: deletes.map(wire) } : {}),
      });
    },
  };
}
