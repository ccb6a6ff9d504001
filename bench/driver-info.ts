import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { encodeMethodCall } from '../lib/smapi/xmlrpc.js';
import type { Bench } from './run.js';
import { median, round } from './process-time.js';

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

/**
 * The process time of `sr_get_driver_info` (what xapi runs for every driver at start-up) as a
 * ratio to `node -e 0` measured in the same run. Runs alternate between them so that machine load
 * drifts affect all alike. Target ≤ 1.3× (the Python driver takes about 2×). dist/LinstorSR answers it
 * without loading the driver; the full driver (dist/LinstorSR-main.cjs, which answered it before) is
 * measured too, for comparison. Logs go to syslog through `logger`, as in production.
 */
const bench: Bench = {
  name: 'driver-info',
  async run() {
    const call = encodeMethodCall('sr_get_driver_info', [
      { host_ref: 'OpaqueRef:bench', command: 'sr_get_driver_info', args: [], device_config: {} },
    ]);
    const driver = [path.join(root, 'dist', 'LinstorSR'), call];
    const full = [path.join(root, 'dist', 'LinstorSR-main.cjs'), call];
    const baseline = [process.execPath, '-e', '0'];
    const runs = Number(process.env['BENCH_RUNS'] ?? 30);
    for (let i = 0; i < 3; i += 1) {
      once(baseline);
      once(driver);
      once(full);
    }
    const base: number[] = [];
    const drv: number[] = [];
    const fullDrv: number[] = [];
    for (let i = 0; i < runs; i += 1) {
      base.push(once(baseline));
      drv.push(once(driver));
      fullDrv.push(once(full));
    }
    const baseMs = median(base);
    const driverMs = median(drv);
    const fullMs = median(fullDrv);
    return {
      runs,
      node_e0_ms: round(baseMs, 1),
      sr_get_driver_info_ms: round(driverMs, 1),
      ratio_to_node_e0: round(driverMs / baseMs, 2),
      target_ratio: 1.3,
      full_driver_ms: round(fullMs, 1),
      full_driver_ratio_to_node_e0: round(fullMs / baseMs, 2),
    };
  },
};
export default bench;
