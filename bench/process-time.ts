import { spawnSync } from 'node:child_process';

/**
 * Median wall time in ms of running `argv` to completion, over `runs` runs after `warmup` runs.
 * spawnSync keeps the measurement free of event-loop noise from the harness itself.
 */
export function medianProcessMs(argv: readonly string[], runs = 15, warmup = 3, env?: NodeJS.ProcessEnv): number {
  const [file, ...args] = argv;
  if (!file) throw new Error('empty argv');
  const times: number[] = [];
  for (let i = 0; i < warmup + runs; i += 1) {
    const t0 = performance.now();
    const r = spawnSync(file, args, { stdio: ['ignore', 'pipe', 'pipe'], env: env ?? process.env });
    const dt = performance.now() - t0;
    if (r.status !== 0) throw new Error(`${argv.join(' ')} exited ${r.status}: ${String(r.stderr)}`);
    if (i >= warmup) times.push(dt);
  }
  return median(times);
}

/** The median of a sample (the upper one of an even count), NaN for none. */
export const median = (xs: readonly number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;

/** Rounds to 3 significant decimals for reports. */
export const round = (x: number, digits = 3): number => Number(x.toFixed(digits));
