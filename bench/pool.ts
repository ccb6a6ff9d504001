import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Bench } from './run.js';
import { round } from './process-time.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const sim = path.join(root, 'dist', 'xostor-sim');

/** Milliseconds from spawning `xostor-sim up --hosts 3` to its JSON line (the pool is ready then). */
async function startOnce(): Promise<number> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'bench-pool-'));
  const t0 = performance.now();
  const proc = spawn(sim, ['up', '--hosts', '3', '--dir', dir], { stdio: ['ignore', 'pipe', 'inherit'] });
  const ms = await new Promise<number>((resolve, reject) => {
    proc.stdout.once('data', () => resolve(performance.now() - t0));
    proc.once('exit', (code) => reject(new Error(`xostor-sim up exited ${code}`)));
  });
  spawnSync(sim, ['down', '--dir', dir]);
  rmSync(dir, { recursive: true, force: true });
  return ms;
}

/** How long a 3-host simulated pool takes to start (target under 2 s). */
const bench: Bench = {
  name: 'pool-start',
  async run() {
    const runs = Number(process.env['BENCH_RUNS_POOL'] ?? 5);
    const times: number[] = [];
    for (let i = 0; i < runs; i += 1) times.push(await startOnce());
    times.sort((a, b) => a - b);
    return { runs, hosts: 3, median_start_ms: round(times[Math.floor(times.length / 2)] ?? NaN, 0), max_start_ms: round(times.at(-1) ?? NaN, 0), target_ms: 2000 };
  },
};
export default bench;
