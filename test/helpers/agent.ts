/** A linstor-sr-agent run as a process for one test, and the Python launchers that talk to it. */
import { execa } from 'execa';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { dist } from './run-built.js';
import { unixSocketAnswers } from '../../lib/host/unix-socket.js';

type Launcher = 'LinstorSR.py' | 'linstor-manager.py';

function runLauncher(env: Record<string, string>, launcher: Launcher, argv: readonly string[]) {
  return execa(dist(launcher), [...argv], { reject: false, stdin: 'ignore', extendEnv: false, env, stripFinalNewline: false, timeout: 60_000 });
}
type Run = ReturnType<typeof runLauncher>;

export type TestAgent = {
  readonly root: string;
  readonly socket: string;
  readonly log: string;
  readonly child: ChildProcess;
  /** The launcher environment that finds this agent. */
  env(extra?: Record<string, string>): Record<string, string>;
  /** Starts a launcher (`LinstorSR.py` or `linstor-manager.py`) with argv, as xapi runs it. */
  start(launcher: Launcher, argv: readonly string[], extra?: Record<string, string>): Run;
  /** Runs a launcher to its end; `pid` is the launcher's (execv keeps it for the Node entry). */
  launch(launcher: Launcher, argv: readonly string[], extra?: Record<string, string>): Promise<Awaited<Run> & { pid: number }>;
  /** Every call's last SMlog line: the caller's pid it carries, and the agent worker that ran it (if one did). */
  callEnds(): Promise<{ pid: number; worker: number | undefined; line: string }[]>;
  /** Sends SIGTERM unless the agent has exited, then waits for its exit. */
  stop(): Promise<{ code: number | null; signal: string | null }>;
  /** The agent's exit, without a signal sent. */
  readonly exited: Promise<{ code: number | null; signal: string | null }>;
};

export async function startTestAgent(t: { teardown(fn: () => Promise<void> | void): void }, args: readonly string[] = []): Promise<TestAgent> {
  const root = await mkdtemp(path.join(os.tmpdir(), 'agent-'));
  const socket = path.join(root, 'run/linstor-sr/agent.sock');
  const log = path.join(root, 'SMlog');
  const baseEnv = { PATH: process.env['PATH'] ?? '/usr/bin:/bin', LINSTOR_SR_ROOT: root, LINSTOR_SR_LOG_FILE: log };
  const child = spawn(process.execPath, [dist('linstor-sr-agent'), ...args], { env: baseEnv, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
  const deadline = Date.now() + 15_000;
  while (!(await unixSocketAnswers(socket))) {
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`the agent did not start: ${stderr}`);
    await new Promise((r) => setTimeout(r, 20));
  }
  const exited = new Promise<{ code: number | null; signal: string | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    return exited;
  };
  t.teardown(async () => {
    await stop();
  });
  const env = (extra: Record<string, string> = {}) => ({ ...baseEnv, ORIGINATOR: 'SM', ...extra });
  const start = (launcher: Launcher, argv: readonly string[], extra: Record<string, string> = {}) => runLauncher(env(extra), launcher, argv);
  return {
    root,
    socket,
    log,
    child,
    env,
    start,
    async launch(launcher, argv, extra = {}) {
      const sub = start(launcher, argv, extra);
      return Object.assign(await sub, { pid: sub.pid! });
    },
    async callEnds() {
      if (!existsSync(log)) return [];
      const lines = (await readFile(log, 'utf8')).split('\n').filter((l) => / done in \d+ ms: /.test(l));
      return lines.map((line) => {
        const worker = / \(agent worker (\d+)\)$/.exec(line)?.[1];
        return { pid: Number(/\[(\d+)\]/.exec(line)?.[1] ?? NaN), worker: worker === undefined ? undefined : Number(worker), line };
      });
    },
    stop,
    exited,
  };
}
