/**
 * One lock per VDI of the soak: a worker holds the locks of the VDIs its op works on, and the host
 * power cycle takes a disk's lock to shut its VM down before the host goes off (as an operator empties
 * a host before maintenance), so the two never act on one VM at once. Keys are taken in sorted order
 * and a holder never waits for another lock while holding one out of order: no deadlock.
 */
export class DiskLocks {
  readonly #tails = new Map<string, Promise<void>>();

  /** Runs `fn` holding the locks of `keys`. */
  async run<T>(keys: readonly string[], fn: () => Promise<T>): Promise<T> {
    const sorted = [...new Set(keys)].sort();
    const releases: (() => void)[] = [];
    try {
      for (const key of sorted) releases.push(await this.#take(key));
      return await fn();
    } finally {
      for (const release of releases.reverse()) release();
    }
  }

  async #take(key: string): Promise<() => void> {
    const previous = this.#tails.get(key) ?? Promise.resolve();
    let release!: () => void;
    const mine = new Promise<void>((resolve) => {
      release = resolve;
    });
    const tail = previous.then(() => mine);
    this.#tails.set(key, tail);
    await previous;
    return () => {
      release();
      if (this.#tails.get(key) === tail) this.#tails.delete(key);
    };
  }
}
