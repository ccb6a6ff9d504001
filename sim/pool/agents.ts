/**
 * Agent mode of a simulated pool: one linstor-sr-agent per host (as the package's systemd unit runs one
 * on dom0), the driver and the plugin run through their Python launchers, which hand each call to it.
 * The agent listens at `<root>/run/linstor-sr/agent.sock`, or at a short path when that one is too long
 * for a Unix socket (its host's processes then get LINSTOR_SR_AGENT_SOCKET).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, mkdirSync, mkdtempSync, openSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { unixSocketAnswers } from '../../lib/host/unix-socket.js';

const SOCKET_MAX = 107;
/** As the package's unit runs it (packaging/linstor-sr-agent.service). */
const AGENT_NODE_FLAG = '--max-semi-space-size=1';

/** Where a host's agent listens, and the variable its processes need when that is not the default. */
export function agentSocketFor(root: string, index: number, shortDir: () => string): { socketPath: string; env: Record<string, string> } {
  const preferred = path.join(root, 'run/linstor-sr/agent.sock');
  if (Buffer.byteLength(preferred) <= SOCKET_MAX) return { socketPath: preferred, env: {} };
  const socketPath = path.join(shortDir(), `agent-${index + 1}.sock`);
  return { socketPath, env: { LINSTOR_SR_AGENT_SOCKET: socketPath } };
}

export type AgentSpec = {
  readonly host: string;
  readonly socketPath: string;
  /** The agent's environment: its host's (root, PATH) and the pool's LINSTOR_SR_* variables. */
  readonly env: Readonly<Record<string, string>>;
  /** Where its stderr and its workers' go (a dom0 agent's go to the journal). */
  readonly stderrFile: string;
};

export type RunningAgents = {
  /** host → the agent's pid. */
  readonly pids: ReadonlyMap<string, number>;
  stop(): Promise<void>;
};

async function waitListening(child: ChildProcess, spec: AgentSpec): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`the agent of ${spec.host} exited (${child.signalCode ?? child.exitCode})`);
    if (await unixSocketAnswers(spec.socketPath)) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`the agent of ${spec.host} did not listen on ${spec.socketPath} within 20 s`);
}

/** Starts one agent per spec and waits until each listens. */
export async function startAgents(node: string, agentBundle: string, specs: readonly AgentSpec[]): Promise<RunningAgents> {
  const children = new Map<string, ChildProcess>();
  const stop = async (): Promise<void> => {
    await Promise.all(
      [...children.values()].map(
        (child) =>
          new Promise<void>((resolve) => {
            if (child.exitCode !== null || child.signalCode !== null) return resolve();
            child.once('exit', () => resolve());
            child.kill('SIGTERM');
            setTimeout(() => child.kill('SIGKILL'), 5000).unref();
          }),
      ),
    );
  };
  try {
    for (const spec of specs) {
      mkdirSync(path.dirname(spec.stderrFile), { recursive: true });
      const stderr = openSync(spec.stderrFile, 'a');
      const child = spawn(node, [AGENT_NODE_FLAG, agentBundle, '--socket', spec.socketPath], { env: { ...spec.env }, stdio: ['ignore', 'ignore', stderr] });
      closeSync(stderr);
      children.set(spec.host, child);
    }
    await Promise.all(specs.map((spec) => waitListening(children.get(spec.host)!, spec)));
  } catch (error) {
    await stop();
    throw error;
  }
  return { pids: new Map([...children].map(([h, c]) => [h, c.pid ?? 0])), stop };
}

/** A short directory for the sockets of a pool whose roots are deep; removed by the returned cleanup. */
export function shortSocketDir(): { dir: () => string; remove: () => void } {
  let dir: string | undefined;
  return {
    dir: () => (dir ??= mkdtempSync(path.join(tmpdir(), `agents-${randomBytes(2).toString('hex')}-`))),
    remove: () => {
      if (dir) rmSync(dir, { recursive: true, force: true });
    },
  };
}
