/**
 * Retrying a step whose failure may be transient (the LINSTOR controller moving, a host's plugin call
 * timing out) within a bounded budget: recovery paths use it so that a pause is undone and released
 * in the same command when the fault passes in seconds, instead of waiting for the next one.
 */
import type { Logger } from '../log/logger.js';

export type RetryOptions = {
  /** Tries in all (≥ 1). */
  readonly attempts: number;
  /** Wait before the second try; doubled each time, at most `maxDelayMs`. */
  readonly delayMs: number;
  readonly maxDelayMs?: number;
  /** What is retried, for the log. */
  readonly what: string;
  readonly log: Logger;
  readonly sleep?: (ms: number) => Promise<void>;
};

const defaultSleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Runs `fn` until it resolves or the tries are spent; throws the last error. */
export async function retrying<T>(o: RetryOptions, fn: (attempt: number) => Promise<T>): Promise<T> {
  const sleep = o.sleep ?? defaultSleep;
  let delay = o.delayMs;
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await fn(attempt);
    } catch (error) {
      if (attempt >= o.attempts) throw error;
      o.log.warn(`${o.what} failed (try ${attempt} of ${o.attempts}); retrying in ${delay} ms`, { error });
      await sleep(delay);
      delay = Math.min(delay * 2, o.maxDelayMs ?? delay * 2);
    }
  }
}
