/**
 * A simulated pool in one process: the host roots with their tool stand-ins, the control endpoint
 * they talk to, the LINSTOR controller (started by `systemctl start linstor-controller` on some host,
 * as on a real pool), and the XAPI simulator serving every host. `xostor-sim up` runs one in the
 * foreground; tests embed one with {@link startPool}.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Logger } from '../../lib/log/logger.js';
import { ABSOLUTE_TOOLS, DAEMON_TOOLS, PATH_TOOLS } from '../host-tools/index.js';
import { NODE_CONNECTION_STATUSES } from '../linstor/model.js';
import { agentSocketFor, shortSocketDir, startAgents, type RunningAgents } from './agents.js';
import { ControlServer } from './control-server.js';
import { LINSTOR_PORT } from './controller.js';
import { moveController, setHostPower } from './failover.js';
import { guestIo, type IoRequest } from './guest-io.js';
import { planPool, writeHostRoot, type PlanOptions, type PoolSpec, type SimHostSpec } from './layout.js';
import { PoolRuntime } from './runtime.js';
import { daemonWrapper, toolWrapper } from './tool-wrapper.js';
import { XapiSimulator } from '../xapi/index.js';
import { processEnv } from '../xapi/sm-exec.js';

/** The repository's dist/, where the built executables are (the simulator runs the real ones). */
export function distDir(): string {
  const here = path.dirname(fileURLToPath(import.meta.url));
  // sim/pool/pool.ts in sources, dist/xostor-sim when bundled.
  for (const candidate of [path.resolve(here, '..', '..', 'dist'), here]) {
    if (existsSync(path.join(candidate, 'xostor-sim'))) return candidate;
  }
  return path.resolve(here, '..', '..', 'dist');
}

/** The programs written into a host root: PATH tools in sim/bin, absolute-path programs where dom0 has them. */
function programs(controlUrl: string, host: SimHostSpec): Record<string, string> {
  const out: Record<string, string> = {};
  for (const tool of Object.keys(PATH_TOOLS)) out[`/sim/bin/${tool}`] = toolWrapper(controlUrl, host.name, tool);
  for (const tool of Object.keys(ABSOLUTE_TOOLS)) out[tool] = toolWrapper(controlUrl, host.name, tool);
  for (const tool of DAEMON_TOOLS) out[`/sim/bin/${tool}`] = daemonWrapper(process.execPath, path.join(distDir(), 'xostor-sim'), tool, host.root);
  // fork-log-daemon runs a long-lived server with its output sent to syslog: here it just runs it.
  out['/opt/xensource/libexec/fork-log-daemon'] = '#!/bin/sh\nexec "$@"\n';
  return out;
}

export type PoolOptions = PlanOptions & {
  readonly logger?: Logger;
  /** LINSTOR_SR_* variables for every driver and plugin run (TIME_SCALE, GC, LOG_FILE). */
  readonly env?: Readonly<Record<string, string>>;
  /** SR type → driver executable (default: the built LinstorSR). */
  readonly drivers?: Readonly<Record<string, string>>;
  /** TCP port of XAPI on every host address (default: any free port). */
  readonly xapiPort?: number;
  /** How long a driver or plugin run may take before it is killed (default: the XAPI simulator's, 120 s). */
  readonly processTimeoutMs?: number;
  /** Hosts whose `linstor-manager` answers as the pre-2026 Python plugin: a mixed pool (sim/xapi/legacy-plugin.ts). */
  readonly legacyPluginHosts?: readonly string[];
  /**
   * Agent mode (agents.ts): every host runs linstor-sr-agent, and xapi runs the driver and the plugin
   * through their Python launchers (dist/LinstorSR.py, dist/linstor-manager.py), which hand calls to it.
   * Default: XOSTOR_SIM_AGENT=1 in the environment (how CI runs whole test sets in agent mode).
   */
  readonly agent?: boolean;
};

export type SimPool = {
  readonly spec: PoolSpec;
  readonly runtime: PoolRuntime;
  readonly controlUrl: string;
  /** Where the controller serves when it runs on the master. */
  readonly linstorUrl: string;
  /** The XAPI simulator (executions, DB) and the master's XenAPI URL. */
  readonly xapi: XapiSimulator;
  readonly xapiUrl: string | undefined;
  /** Each host's XAPI Unix socket (at a short path when `<root>/var/lib/xcp/xapi` is too long). */
  readonly xapiSockets: Readonly<Record<string, string>>;
  /** Agent mode: each host's agent (pid, socket); undefined otherwise. */
  readonly agents: RunningAgents | undefined;
  /** PATH for a process running on `host` (tool stand-ins first). */
  pathFor(host: string): string;
  /** Guest I/O on a host (see guest-io.ts). */
  io(host: string, request: IoRequest): Promise<{ bytes: number }>;
  close(): Promise<void>;
};

export async function startPool(options: PoolOptions): Promise<SimPool> {
  const spec = planPool(options);
  const runtime = new PoolRuntime(spec, options.logger);
  const agentMode = options.agent ?? process.env['XOSTOR_SIM_AGENT'] === '1';
  const shortDir = shortSocketDir();
  const agentSockets = spec.hosts.map((h, i) => agentSocketFor(h.root, i, shortDir.dir));
  const dist = distDir();
  const sim = new XapiSimulator({
    hosts: spec.hosts.map((h, i) => ({
      name: h.name, uuid: h.uuid, address: h.address, storageAddress: h.storageAddress, root: h.root, toolsPath: h.binDir,
      ...(agentMode ? { env: agentSockets[i]!.env } : {}),
    })),
    distDir: dist,
    ...(options.drivers ? { drivers: options.drivers } : agentMode ? { drivers: { linstor: path.join(dist, 'LinstorSR.py') } } : {}),
    ...(agentMode ? { plugins: { 'linstor-manager': path.join(dist, 'linstor-manager.py') } } : {}),
    ...(options.env ? { env: options.env } : {}),
    ...(options.xapiPort !== undefined ? { tcpPort: options.xapiPort } : {}),
    ...(options.processTimeoutMs !== undefined ? { driverTimeoutMs: options.processTimeoutMs, pluginTimeoutMs: options.processTimeoutMs } : {}),
    ...(options.logger ? { log: options.logger } : {}),
    ...(options.legacyPluginHosts ? { legacyPluginHosts: options.legacyPluginHosts } : {}),
  });
  const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
  const io = (hostName: string, request: IoRequest) => guestIo(runtime.host(hostName), request, sleep);
  const control = new ControlServer(runtime, {
    io: async (body) =>
      io(String(body['host']), {
        vdi: String(body['vdi']),
        op: body['op'] === 'write' ? 'write' : 'read',
        offset: Number(body['offset'] ?? 0),
        ...(body['length'] !== undefined ? { length: Number(body['length']) } : {}),
        file: String(body['file']),
      }),
    fault: async (body) => {
      const action = String(body['action']);
      if (action !== 'throw' && action !== 'kill') throw new Error(`--action must be throw or kill, got ${action}`);
      sim.armFault(String(body['host']), String(body['verb']), `${String(body['point'])}:${action}`);
      return { armed: true };
    },
    controller: async (body) => moveController(runtime, String(body['to'])),
    host: async (body) => {
      const state = String(body['state']);
      if (state !== 'up' && state !== 'down') throw new Error(`the host state must be up or down, got ${state}`);
      return setHostPower(runtime, sim, String(body['host']), state === 'up');
    },
    node: async (body) => {
      const linstor = runtime.controller.sim;
      if (!linstor) throw new Error('the LINSTOR controller never ran in this pool');
      const status = NODE_CONNECTION_STATUSES.find((s) => s === body['connection_status']);
      if (!status) throw new Error(`the connection status must be one of ${NODE_CONNECTION_STATUSES.join(', ')}`);
      if (!(await linstor.setNodeConnectionStatus(String(body['node']), status))) throw new Error(`no LINSTOR node ${String(body['node'])}`);
      return { node: body['node'], connection_status: status };
    },
  });
  const controlUrl = await control.listen(`${spec.subnet}.254`);
  for (const host of spec.hosts) await writeHostRoot(spec, host, programs(controlUrl, host));
  await runtime.controller.restore();
  let started;
  let agents: RunningAgents | undefined;
  try {
    started = await sim.start();
    if (agentMode) {
      const node = sim.settings.nodeDir ? path.join(sim.settings.nodeDir, 'node') : process.execPath;
      agents = await startAgents(node, path.join(dist, 'linstor-sr-agent'), spec.hosts.map((h, i) => ({
        host: h.name, socketPath: agentSockets[i]!.socketPath, env: processEnv(sim, sim.host(h.name), false),
        stderrFile: path.join(h.root, 'var/log/linstor-sr-agent.stderr'),
      })));
    }
  } catch (error) {
    if (started) await sim.stop();
    await control.close();
    await runtime.controller.close();
    shortDir.remove();
    throw error;
  }
  return {
    spec,
    runtime,
    controlUrl,
    linstorUrl: `http://${spec.master.address}:${LINSTOR_PORT}`,
    xapi: sim,
    xapiUrl: started.xapiUrl,
    xapiSockets: Object.fromEntries(Object.entries(started.hosts).map(([name, e]) => [name, e.socketPath])),
    agents,
    pathFor: (hostName) => [runtime.host(hostName).spec.binDir, sim.settings.nodeDir, '/sbin:/usr/sbin:/bin:/usr/bin'].filter((p) => p !== undefined).join(':'),
    io,
    async close() {
      await agents?.stop();
      shortDir.remove();
      await sim.stop();
      await control.close();
      await runtime.controller.close();
    },
  };
}
