/**
 * Per-manager read cache of LINSTOR views (spec/sm-linstor.md §3.8). A verb is one process, so a view
 * is read at most once per manager unless a mutation invalidated it: listing 500 volumes costs the same
 * requests as listing 1. Concurrent readers share one in-flight request; a failed read is not cached.
 *
 * Read-after-write: every mutating path invalidates the views it changes before it returns (the KV is
 * patched in place instead, see kv-store.ts).
 */
import { LRUCache } from 'lru-cache';

/** The views the manager caches, one entry each. */
export type CachedView = 'kv' | 'resources' | 'resource-definitions' | 'storage-pools' | 'resource-group';

/** Cache hit and miss counts, for tests and the verb benchmark. */
export type ViewCacheStats = { hits: number; misses: number };

/** One manager's cache of LINSTOR views. */
export class ViewCache {
  // Values are promises so that concurrent readers of a view wait for one request.
  readonly #entries = new LRUCache<CachedView, Promise<unknown>>({ max: 16 });
  readonly #stats: ViewCacheStats = { hits: 0, misses: 0 };

  /** The cached value of `view`, loading it with `load` on a miss. */
  async get<T>(view: CachedView, load: () => Promise<T>): Promise<T> {
    const cached = this.#entries.get(view);
    if (cached !== undefined) {
      this.#stats.hits += 1;
      return cached as Promise<T>;
    }
    this.#stats.misses += 1;
    const pending = load();
    this.#entries.set(view, pending);
    try {
      return await pending;
    } catch (error) {
      // Never keep a failure: the next reader must ask LINSTOR again. The caller sees the error.
      if (this.#entries.get(view) === pending) this.#entries.delete(view);
      throw error;
    }
  }

  /** The cached value if loaded (settled or in flight), without loading. */
  peek<T>(view: CachedView): Promise<T> | undefined {
    return this.#entries.get(view) as Promise<T> | undefined;
  }

  /** Replaces a cached value (the KV after a write that we know the effect of). */
  set<T>(view: CachedView, value: T): void {
    this.#entries.set(view, Promise.resolve(value));
  }

  /** Drops views after a mutation changed them; the next read asks LINSTOR. */
  invalidate(...views: readonly CachedView[]): void {
    for (const view of views) this.#entries.delete(view);
  }

  /** Drops every view (`invalidate_resource_cache()` of the Python driver, and more). */
  clear(): void {
    this.#entries.clear();
  }

  stats(): ViewCacheStats {
    return { ...this.#stats };
  }
}
