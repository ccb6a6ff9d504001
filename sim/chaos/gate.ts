/**
 * Stops the workers for a check every K ops: once K more ops are done, no new op starts; when the last
 * op in flight ends, the check runs alone, then the workers go on.
 */
export class CheckGate {
  readonly #every: number;
  readonly #total: number;
  readonly #check: () => Promise<void>;
  #inFlight = 0;
  #done = 0;
  #due = false;
  #running = false;
  #waiters: (() => void)[] = [];

  /** `every` 0: no check until the end (run by the caller). */
  constructor(every: number, total: number, check: () => Promise<void>) {
    this.#every = every;
    this.#total = total;
    this.#check = check;
  }

  get done(): number {
    return this.#done;
  }

  /** Waits while a check is due or runs, then counts an op in flight. */
  async beforeOp(): Promise<void> {
    for (;;) {
      this.#maybeStart();
      if (!this.#due && !this.#running) break;
      await new Promise<void>((resolve) => this.#waiters.push(resolve));
    }
    this.#inFlight += 1;
  }

  afterOp(): void {
    this.#inFlight -= 1;
    this.#done += 1;
    if (this.#every > 0 && this.#done % this.#every === 0 && this.#done < this.#total) this.#due = true;
    this.#maybeStart();
  }

  #maybeStart(): void {
    if (!this.#due || this.#running || this.#inFlight > 0) return;
    this.#due = false;
    this.#running = true;
    // The check records its own failures; one that throws still releases the workers.
    void this.#check().catch(() => undefined).finally(() => {
      this.#running = false;
      const waiters = this.#waiters.splice(0);
      for (const w of waiters) w();
    });
  }

  /** Resolves once no check is due or running (the final check may then start). */
  async idle(): Promise<void> {
    while (this.#due || this.#running) {
      this.#maybeStart();
      await new Promise<void>((resolve) => this.#waiters.push(resolve));
    }
  }
}
