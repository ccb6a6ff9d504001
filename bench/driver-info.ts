import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { encodeMethodCall } from '../lib/smapi/xmlrpc.js';
import type { Bench } from './run.js';
import { round } from './process-time.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** Wall time of one run of argv, in ms, with xapi's environment (PATH and ORIGINATOR only). */
function once(argv: readonly string[]): number {
  const [file, ...args] = argv;
  const t0 = performance.now();
  const r = spawnSync(file!, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', ORIGINATOR: 'SM' } });
  const dt = performance.now() - t0;
  if (r.status !== 0) throw new Error(`${file} exited ${r.status}: ${String(r.stderr)}`);
  return dt;
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;

/**
 * Issue #2: the process time of `sr_get_driver_info` (what xapi runs for every driver at start-up) as a
 * ratio to `node -e 0` measured in the same run. Runs alternate between the two so that machine load
 * drifts affect both alike. Target ≤ 1.3× (the Python driver takes about 2×).
 */
const bench: Bench = {
  name: 'driver-info',
  async run() {
    const call = encodeMethodCall('sr_get_driver_info', [
      { host_ref: 'OpaqueRef:bench', command: 'sr_get_driver_info', args: [], device_config: {} },
    ]);
    const driver = [path.join(root, 'dist', 'LinstorSR'), call];
    const baseline = [process.execPath, '-e', '0'];
    const runs = Number(process.env['BENCH_RUNS'] ?? 30);
    for (let i = 0; i < 3; i += 1) {
      once(baseline);
      once(driver);
    }
    const base: number[] = [];
    const drv: number[] = [];
    for (let i = 0; i < runs; i += 1) {
      base.push(once(baseline));
      drv.push(once(driver));
    }
    const baseMs = median(base);
    const driverMs = median(drv);
    return {
      runs,
      node_e0_ms: round(baseMs, 1),
      sr_get_driver_info_ms: round(driverMs, 1),
      ratio_to_node_e0: round(driverMs / baseMs, 2),
      target_ratio: 1.3,
    };
  },
};
export default bench;
