// Agent mode against direct mode on one simulated pool in agent mode, the launchers the same: each
// round runs vdi_create, vdi_attach+vdi_activate on a host without a replica and vdi_snapshot once with
// LINSTOR_SR_AGENT=off (every call in its launcher's own Node process) and once through the agents,
// alternating, so that drift hits both alike. Figures: medians of the wall time xapi waited per verb, as
// ratios agent/direct; LINSTOR requests of each call (the simulator counts per launcher pid, the same in
// both modes); the launcher's peak resident size in each mode; the baselines `python3 -c pass` and
// `node -e 0`; and the agent's resident size (master and workers) after 1,000 and after 10,000 calls
// sent straight to its socket (sr_get_driver_info, the cheapest call: what grows is the agent's own).
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { connect } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { createXapi } from '../lib/xapi/index.js';
import { createSr, THIN } from '../sim/fixtures/sr-create.js';
import { startPool, type SimPool } from '../sim/pool/pool.js';
import { execSm } from '../sim/xapi/sm-exec.js';
import { encodeMethodCall } from '../lib/smapi/xmlrpc.js';
import { median, medianProcessMs, round } from './process-time.js';
import type { Bench } from './run.js';

const MIB = 1024 * 1024;
/** dom0's interpreter, as the launchers' #! names it (not whatever python3 a PATH finds first). */
const PYTHON = '/usr/bin/python3';

/** The wall time xapi waited for the last run of `name`, and the LINSTOR requests its process sent. */
function lastRun(pool: SimPool, name: string): { ms: number; requests: number } {
  const run = pool.xapi.executions.findLast((e) => e.name === name);
  if (!run || run.outcome.kind !== 'ok') throw new Error(`${name} did not succeed`);
  return { ms: run.durationMs, requests: pool.runtime.controller.sim!.controls.countersOf(run.pid!).total };
}

/** VmRSS of a process in MiB (0 once it is gone). */
function rssMiB(pid: number): number {
  try {
    const m = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : 0;
  } catch {
    return 0;
  }
}

/** The agent and its workers (its children), resident MiB. */
function agentRss(agentPid: number): { master: number; workers: number } {
  const children = spawnSync('pgrep', ['-P', String(agentPid)], { encoding: 'utf8' }).stdout.trim().split('\n').filter(Boolean).map(Number);
  return { master: round(rssMiB(agentPid), 1), workers: round(children.reduce((sum, pid) => sum + rssMiB(pid), 0), 1) };
}

/** One call straight on the agent's socket, as a launcher sends it. */
function socketCall(socketPath: string, request: object): Promise<void> {
  return new Promise((resolve, reject) => {
    const s = connect(socketPath);
    let got = Buffer.alloc(0);
    let sent = false;
    s.on('data', (c: Buffer) => {
      got = Buffer.concat([got, c]);
      if (!sent && got.toString().startsWith('ready\n')) {
        sent = true;
        const body = Buffer.from(JSON.stringify(request));
        const head = Buffer.alloc(4);
        head.writeUInt32BE(body.length);
        s.write(Buffer.concat([head, body]));
        got = got.subarray(6);
      } else if (!sent && got.toString().startsWith('busy\n')) reject(new Error('busy'));
    });
    s.on('close', () => (sent && got.length > 4 ? resolve() : reject(new Error('no answer'))));
    s.on('error', reject);
  });
}

/** Peak RSS (MiB) of a launcher run with argv and env, from a Python parent's RUSAGE_CHILDREN. */
function launcherPeakMiB(argv: readonly string[], env: Record<string, string>): number {
  const script = 'import resource, subprocess, sys\nsubprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL)\nprint(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)';
  const r = spawnSync(PYTHON, ['-c', script, ...argv], { encoding: 'utf8', env });
  return round(Number(r.stdout.trim()) / 1024, 1);
}

const bench: Bench = {
  name: 'agent',
  async run() {
    const rounds = Number(process.env['BENCH_RUNS_AGENT'] ?? 7);
    const calls = Number(process.env['BENCH_AGENT_CALLS'] ?? 10_000);
    const dir = await mkdtemp(path.join(os.tmpdir(), 'bench-agent-'));
    const pool = await startPool({ dir, hosts: 3, diskSizeGiB: 40, agent: true, env: { LINSTOR_SR_TIME_SCALE: '0.05', LINSTOR_SR_GC: 'off', LINSTOR_SR_LOG_FILE: path.join(dir, 'SMlog') } });
    const xapi = createXapi({ endpoint: { url: pool.xapiUrl! } });
    try {
      await xapi.client.loginWithPassword('root', '');
      const srRef = await createSr({ pool, xapi, master: pool.xapi.host('host1').ref }, { ...THIN, redundancy: '1' });
      const samples: Record<'direct' | 'agent', Record<'vdi_create' | 'attach_activate' | 'vdi_snapshot', number[]>> = {
        direct: { vdi_create: [], attach_activate: [], vdi_snapshot: [] },
        agent: { vdi_create: [], attach_activate: [], vdi_snapshot: [] },
      };
      const requests: Record<string, number[]> = { vdi_create: [], attach_activate: [], vdi_snapshot: [] };
      for (let i = 0; i < rounds * 2; i += 1) {
        const mode = i % 2 === 0 ? 'direct' : 'agent';
        pool.xapi.setRunEnv('LINSTOR_SR_AGENT', mode === 'direct' ? 'off' : undefined);
        const vdi = await xapi.vdi.create({ SR: srRef, virtual_size: 64 * MIB, name_label: `b${i}` });
        const created = lastRun(pool, 'vdi_create');
        samples[mode].vdi_create.push(created.ms);
        requests['vdi_create']!.push(created.requests);
        // Redundancy 1: the VDI has one replica, on host1 — host2 attaches without one.
        const host = pool.xapi.host('host2').ref;
        await execSm(pool.xapi, { verb: 'vdi_attach', host, sr: srRef, vdi, args: ['true'] });
        const attach = lastRun(pool, 'vdi_attach');
        await execSm(pool.xapi, { verb: 'vdi_activate', host, sr: srRef, vdi, args: ['true'] });
        const activate = lastRun(pool, 'vdi_activate');
        samples[mode].attach_activate.push(attach.ms + activate.ms);
        requests['attach_activate']!.push(attach.requests + activate.requests);
        await execSm(pool.xapi, { verb: 'vdi_deactivate', host, sr: srRef, vdi, args: [] });
        await execSm(pool.xapi, { verb: 'vdi_detach', host, sr: srRef, vdi, args: [] });
        await xapi.vdi.snapshot(vdi);
        const snap = lastRun(pool, 'vdi_snapshot');
        samples[mode].vdi_snapshot.push(snap.ms);
        requests['vdi_snapshot']!.push(snap.requests);
      }
      pool.xapi.setRunEnv('LINSTOR_SR_AGENT', undefined);
      const perVerb: Record<string, unknown> = {};
      for (const verb of ['vdi_create', 'attach_activate', 'vdi_snapshot'] as const) {
        const direct = median(samples.direct[verb]);
        const agent = median(samples.agent[verb]);
        perVerb[verb] = { direct_median_ms: direct, agent_median_ms: agent, agent_vs_direct: round(agent / direct, 2), linstor_requests: median(requests[verb]!) };
      }
      // The launcher alone: sr_get_driver_info through the agent, and in its own process.
      const info = encodeMethodCall('sr_get_driver_info', [{ host_ref: 'OpaqueRef:a', command: 'sr_get_driver_info', args: [], device_config: {} }]);
      const host1 = pool.xapi.host('host1');
      const launcherEnv = { PATH: pool.pathFor('host1'), LINSTOR_SR_ROOT: host1.root, LINSTOR_SR_LOG_FILE: '/dev/null', ...host1.env };
      const launcher = path.join(path.dirname(pool.xapi.driverFor('linstor', host1) ?? ''), 'LinstorSR.py');
      const agentPid = pool.agents!.pids.get('host1')!;
      const socketPath = host1.env?.['LINSTOR_SR_AGENT_SOCKET'] ?? path.join(host1.root, 'run/linstor-sr/agent.sock');
      const request = { kind: 'driver', argv: [info], env: launcherEnv };
      for (let i = 0; i < 50; i += 1) await socketCall(socketPath, request);
      const warm = agentRss(agentPid);
      const at = async (n: number) => {
        // Four launchers at a time, as xapi runs calls concurrently.
        for (let done = 0; done < n; done += 4) await Promise.all([0, 1, 2, 3].map(() => socketCall(socketPath, request)));
        return agentRss(agentPid);
      };
      const after1k = await at(1000);
      const afterAll = await at(calls - 1000);
      return {
        rounds,
        verbs: perVerb,
        baselines_ms: {
          'python3 -c pass': round(medianProcessMs([PYTHON, '-c', 'pass']), 1),
          'node -e 0': round(medianProcessMs([process.execPath, '-e', '0']), 1),
        },
        launcher_peak_rss_mib: {
          agent: launcherPeakMiB([launcher, info], launcherEnv),
          direct: launcherPeakMiB([launcher, info], { ...launcherEnv, LINSTOR_SR_AGENT: 'off' }),
          'python3 -c pass': launcherPeakMiB([PYTHON, '-c', 'pass'], launcherEnv),
        },
        agent_rss_mib: { warm, after_1000_calls: after1k, [`after_${calls}_calls`]: afterAll, master_growth: round(afterAll.master / after1k.master, 2) },
      };
    } finally {
      await xapi.client.logout().catch(() => undefined);
      await pool.close();
    }
  },
};

export default bench;
