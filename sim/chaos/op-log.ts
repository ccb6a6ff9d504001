/**
 * The per-op log of a soak, `<pool dir>/chaos/ops.jsonl`: one JSON line per op (worker, index, op, fault,
 * outcome, error, duration, what the model concluded) and per recovery and check step, for replaying a
 * failure by reading. Driver, plugin and collector logs go to `<pool dir>/chaos/SMlog` beside it.
 */
import { createWriteStream, type WriteStream } from 'node:fs';

export class OpLog {
  readonly #out: WriteStream;
  readonly #started = performance.now();

  constructor(file: string) {
    this.#out = createWriteStream(file, { flags: 'a' });
  }

  /** Appends one entry, stamped with the seconds since the soak started. */
  entry(fields: Record<string, unknown>): void {
    const t = Number(((performance.now() - this.#started) / 1000).toFixed(3));
    this.#out.write(`${JSON.stringify({ t, ...fields })}\n`);
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.#out.end(() => resolve()));
  }
}
