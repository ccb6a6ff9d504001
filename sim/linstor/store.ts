/**
 * Persistence of the simulator's state in `<dir>/linstor/state.json`, so that a restarted simulator
 * on the same `--dir` finds its objects again. Writes are coalesced: every mutating request awaits a
 * write that includes its change before it answers, so a client never sees a reply the disk lacks,
 * yet a burst of requests costs one write per in-flight batch, not one per request.
 */
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { emptyState, type SimState } from './model.js';

/** Holds the state and writes it back. Without a directory the state lives in memory only. */
export class SimStore {
  state: SimState;
  readonly #file: string | undefined;
  readonly #uuid: () => string;
  #writing: Promise<void> | undefined;
  #dirty = false;

  private constructor(state: SimState, file: string | undefined, uuid: () => string) {
    this.state = state;
    this.#file = file;
    this.#uuid = uuid;
  }

  /** Loads `<linstorDir>/state.json`, or starts empty when it does not exist yet. */
  static async open(linstorDir: string | undefined, uuid: () => string): Promise<SimStore> {
    if (linstorDir === undefined) return new SimStore(emptyState(uuid), undefined, uuid);
    await mkdir(linstorDir, { recursive: true });
    const file = path.join(linstorDir, 'state.json');
    let state: SimState;
    try {
      state = JSON.parse(await readFile(file, 'utf8')) as SimState;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      state = emptyState(uuid);
    }
    return new SimStore(state, file, uuid);
  }

  /** Back to an empty controller (the `/sim/reset` control). */
  reset(): void {
    this.state = emptyState(this.#uuid);
  }

  /** Resolves once a write that includes every change made so far has reached the disk. */
  async persist(): Promise<void> {
    if (this.#file === undefined) return;
    this.#dirty = true;
    // Wait for the write in flight (it may predate our change), then make sure one more runs.
    while (this.#dirty) {
      if (this.#writing) {
        await this.#writing;
        continue;
      }
      this.#dirty = false;
      this.#writing = this.#write(this.#file).finally(() => {
        this.#writing = undefined;
      });
      await this.#writing;
    }
  }

  async #write(file: string): Promise<void> {
    const tmp = `${file}.tmp`;
    await writeFile(tmp, JSON.stringify(this.state));
    await rename(tmp, file);
  }
}
