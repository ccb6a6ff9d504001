// Per SR/VDI verb, the median wall time of the driver process (as xapi runs it on the
// simulated pool), its peak resident size (its last SMlog line) against `node -e 0`'s, and the LINSTOR
// requests that process sent (the simulator counts per pid); and
// sr_scan's request count with 10 and 500 VDIs, which must not grow with the VDI count. The VDIs of the
// scan figures are seeded through the volume manager (LINSTOR + KV), not through 500 vdi_create runs.
import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { LinstorSim } from '../sim/linstor/simulator.js';
import { startPool, type SimPool } from '../sim/pool/pool.js';
import { createXapi, type Xapi } from '../lib/xapi/index.js';
import { seedMany } from '../sim/fixtures/seed.js';
import { median, round } from './process-time.js';
import type { Bench } from './run.js';

const MIB = 1024 * 1024;
const THIN = { 'group-name': 'linstor_group/thin_device', redundancy: '2', provisioning: 'thin' };
export const VERBS = ['sr_create', 'sr_attach', 'sr_scan', 'vdi_create', 'vdi_attach', 'vdi_activate', 'vdi_deactivate', 'vdi_detach', 'vdi_resize', 'vdi_delete', 'sr_detach'] as const;

/**
 * LINSTOR requests per client process, summed over every controller instance seen (one that starts or
 * moves is a new simulator, with counters of its own). The simulator attributes a request to the pid
 * its User-Agent names, so a verb's figure is its own process's, never a plugin call's or another host's.
 */
class ProcessRequests {
  readonly #instances = new Set<LinstorSim>();
  constructor(private readonly pool: SimPool) {}
  /** Remembers the running controller. */
  watch(): void {
    const sim = this.pool.runtime.controller.sim;
    if (sim) this.#instances.add(sim);
  }
  of(pid: number | undefined): number {
    if (pid === undefined) return NaN;
    let total = 0;
    for (const sim of this.#instances) total += sim.controls.countersOf(pid).total;
    return total;
  }
}

type Run = { readonly name: string; readonly ms: number; readonly requests: number; readonly peakMiB: number };

/** Each process's peak resident size, from the last line it logs (`… done in N ms: ok; peak RSS M MiB`). */
function peakRssByPid(smlog: string): Map<number, number> {
  const peaks = new Map<number, number>();
  for (const m of smlog.matchAll(/\[(\d+)\] info: .* done in \d+ ms: .*; peak RSS (\d+) MiB$/gm)) peaks.set(Number(m[1]), Number(m[2]));
  return peaks;
}

function driverRuns(pool: SimPool, requests: ProcessRequests, since: number, peaks: Map<number, number> = new Map()): Run[] {
  return pool.xapi.executions
    .slice(since)
    .filter((e) => e.kind === 'driver' && e.outcome.kind === 'ok')
    .map((e) => ({ name: e.name, ms: e.durationMs, requests: requests.of(e.pid), peakMiB: peaks.get(e.pid ?? -1) ?? NaN }));
}

/** Peak resident size of `node -e 0` (MiB), the baseline of the verbs' figures. */
function nodeBaselineMiB(): number {
  const r = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.resourceUsage().maxRSS))'], { encoding: 'utf8' });
  return Math.round(Number(r.stdout) / 1024);
}

async function vdiCycle(xapi: Xapi, sr: string, host: string): Promise<void> {
  const vdi = await xapi.vdi.create({ SR: sr, virtual_size: 64 * MIB, name_label: 'bench' });
  const vm = await xapi.call<string>('VM.create', { name_label: 'bench-vm' });
  await xapi.call('VBD.create', { VM: vm, VDI: vdi, mode: 'RW', type: 'Disk', userdevice: '0', bootable: false, empty: false, other_config: {} });
  await xapi.call('VM.start_on', vm, host, false, false);
  await xapi.call('VM.hard_shutdown', vm);
  await xapi.vdi.resize(vdi, 128 * MIB);
  await xapi.vdi.destroy(vdi);
}

async function pbdOf(xapi: Xapi, sr: string, host: string): Promise<string> {
  const [ref] = Object.entries(await xapi.pbd.recordsOfSr(sr)).find(([, p]) => p.host === host) ?? [];
  if (!ref) throw new Error(`no PBD of ${sr} on ${host}`);
  return ref;
}

/** The sr_scan run of one steady-state SR.scan (after a first scan introduced what was new). */
async function scanCost(pool: SimPool, xapi: Xapi, requests: ProcessRequests, sr: string): Promise<Run> {
  await xapi.sr.scan(sr);
  const since = pool.xapi.executions.length;
  await xapi.sr.scan(sr);
  const run = driverRuns(pool, requests, since).find((r) => r.name === 'sr_scan');
  if (!run) throw new Error('SR.scan ran no sr_scan');
  return run;
}

const bench: Bench = {
  name: 'verbs',
  async run() {
    const runs = Number(process.env['BENCH_RUNS_VERBS'] ?? 5);
    const bulk = Number(process.env['BENCH_SCAN_VDIS'] ?? 500);
    const dir = await mkdtemp(path.join(os.tmpdir(), 'bench-verbs-'));
    const smlog = path.join(dir, 'SMlog');
    const pool = await startPool({ dir, hosts: 3, diskSizeGiB: 40, env: { LINSTOR_SR_TIME_SCALE: '0.05', LINSTOR_SR_GC: 'off', LINSTOR_SR_LOG_FILE: smlog } });
    const xapi = createXapi({ endpoint: { url: pool.xapiUrl! } });
    await xapi.client.loginWithPassword('root', '');
    const requests = new ProcessRequests(pool);
    const master = pool.xapi.host('host1').ref;
    const slave = pool.xapi.host('host2').ref;
    const since = pool.xapi.executions.length;
    // The controller (a new simulator instance when it starts or moves) is hooked as soon as it exists.
    const watcher = setInterval(() => requests.watch(), 1);
    try {
      const create = () => xapi.sr.create({ host: master, deviceConfig: THIN, nameLabel: 'bench', nameDescription: '', type: 'linstor', shared: true });
      let sr = '';
      for (let i = 0; i < Math.max(1, Math.min(runs, 3)); i += 1) {
        if (sr) {
          for (const h of pool.xapi.hosts) await xapi.call('PBD.unplug', await pbdOf(xapi, sr, h.ref));
          await xapi.sr.destroy(sr);
        }
        sr = await create();
      }
      for (let i = 0; i < runs; i += 1) {
        const pbd = await pbdOf(xapi, sr, slave);
        await xapi.call('PBD.unplug', pbd);
        await xapi.call('PBD.plug', pbd);
      }
      // host3 may hold no replica: its attach makes a diskless, its detach removes it.
      for (let i = 0; i < runs; i += 1) await vdiCycle(xapi, sr, pool.xapi.host(i % 2 ? 'host2' : 'host3').ref);
      for (let i = 0; i < runs; i += 1) await xapi.sr.scan(sr);
      const all = driverRuns(pool, requests, since, peakRssByPid(await readFile(smlog, 'utf8')));
      const baselineMiB = median([nodeBaselineMiB(), nodeBaselineMiB(), nodeBaselineMiB(), nodeBaselineMiB(), nodeBaselineMiB()]);
      const perVerb: Record<string, { runs: number; median_ms: number; median_linstor_requests: number; median_peak_rss_mib: number; peak_rss_vs_node: number }> = {};
      for (const verb of VERBS) {
        const rs = all.filter((r) => r.name === verb);
        const peak = median(rs.map((r) => r.peakMiB));
        perVerb[verb] = {
          runs: rs.length,
          median_ms: round(median(rs.map((r) => r.ms)), 0),
          median_linstor_requests: median(rs.map((r) => r.requests)),
          median_peak_rss_mib: peak,
          peak_rss_vs_node: round(peak / baselineMiB, 2),
        };
      }

      await seedMany(pool, THIN['group-name'], 10);
      const ten = await scanCost(pool, xapi, requests, sr);
      const seedStart = performance.now();
      await seedMany(pool, THIN['group-name'], bulk - 10, 10);
      const seedMs = performance.now() - seedStart;
      const many = await scanCost(pool, xapi, requests, sr);
      return {
        node_e_0_peak_rss_mib: baselineMiB,
        per_verb: perVerb,
        sr_scan_10_vdis: { requests: ten.requests, ms: round(ten.ms, 0) },
        [`sr_scan_${bulk}_vdis`]: { requests: many.requests, ms: round(many.ms, 0) },
        scan_requests_constant: ten.requests === many.requests,
        seed_ms: round(seedMs, 0),
        time_scale: 0.05,
      };
    } finally {
      clearInterval(watcher);
      await xapi.client.logout().catch(() => undefined);
      await pool.close();
      await rm(dir, { recursive: true, force: true });
    }
  },
};
export default bench;
