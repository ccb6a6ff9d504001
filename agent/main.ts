/**
 * dist/linstor-sr-agent: one long-lived process per host that runs driver verbs and linstor-manager
 * calls for the launchers (dom0/LinstorSR.py and dom0/linstor-manager.py), in warm workers
 * (agent/workers.ts), so that a call pays neither Node's start nor the driver's load. A launcher that
 * finds no agent, or a busy one, runs the Node entry itself: the agent only ever makes calls faster.
 *
 *   linstor-sr-agent [--socket PATH] [--max-workers N] [--spare N] [--max-requests N] [--deadline SECONDS]
 *
 * Run it as `node --max-semi-space-size=1 linstor-sr-agent` (the unit does): it lives for weeks and
 * keeps only a few MiB alive — its heap after a full collection stays flat over tens of thousands of
 * calls — but V8's default young generation lets its resident size grow by 30 MiB before settling.
 *
 * The socket is /run/linstor-sr/agent.sock under LINSTOR_SR_ROOT unless --socket (or, as for the
 * launchers, LINSTOR_SR_AGENT_SOCKET) says otherwise.
 * SIGTERM and SIGINT stop it: the socket goes first (launchers run calls themselves from then on), the
 * calls in progress may finish for up to --deadline seconds, then every worker ends (a call still running
 * dies as a killed driver would, and its launcher says so).
 */
import path from 'node:path';
import { hostPath, readHostEnv } from '../lib/host/env.js';
import { createLogger } from '../lib/log/logger.js';
import { defaultSink } from '../lib/log/file-sink.js';
import { AGENT_SOCKET, parseAgentArgs, type AgentArgs } from './args.js';
import { startAgentServer } from './server.js';
import { Workers } from './workers.js';

async function main(argv: readonly string[]): Promise<number> {
  let args: AgentArgs;
  try {
    args = parseAgentArgs(argv);
  } catch (error) {
    process.stderr.write(`linstor-sr-agent: ${(error as Error).message}\n`);
    return 2;
  }
  const env = readHostEnv();
  const log = createLogger(defaultSink({ ident: 'linstor-sr-agent', file: env.logFile }));
  const socketPath = args.socket ?? (process.env['LINSTOR_SR_AGENT_SOCKET'] || hostPath(env.root, AGENT_SOCKET));
  const workers = new Workers({
    script: path.join(path.dirname(process.argv[1] ?? ''), 'linstor-sr-agent-worker.cjs'),
    maxWorkers: args.maxWorkers,
    spare: args.spare,
    maxRequests: args.maxRequests,
    maxRssBytes: args.maxRssMiB * 1048576,
    idleMs: 60_000,
    onEvent: (level, message) => log[level](message),
  });
  let server;
  try {
    server = await startAgentServer({ socketPath, workers, deadlineMs: args.deadlineSeconds * 1000, onEvent: (m) => log.warn(m) });
  } catch (error) {
    process.stderr.write(`linstor-sr-agent: ${(error as Error).message}\n`);
    await workers.close();
    await log.close();
    return 1;
  }
  log.info(`serving ${socketPath} with up to ${args.maxWorkers} workers`);
  // Handlers stay installed: a second signal while the calls drain must not kill them (systemd's
  // SIGKILL after TimeoutStopSec is the way to cut the drain short).
  await new Promise<void>((resolve) => {
    process.on('SIGTERM', () => resolve());
    process.on('SIGINT', () => resolve());
  });
  log.info('stopping: no new calls; waiting for the calls in progress');
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  if (!(await workers.drain(args.deadlineSeconds * 1000))) log.warn('calls still running at the deadline: killing them');
  await workers.close();
  await closed;
  await log.close();
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`linstor-sr-agent: ${String(error)}\n`);
    process.exitCode = 1;
  },
);
