/**
 * Runs one driver or plugin process the way forkexecd does: argv array, no stdin, an explicit
 * environment, stdout and stderr captured. Unlike xapi, a timeout applies, so that a hanging process
 * becomes an error and the simulator keeps serving; on timeout the whole process group is killed.
 */
import { spawn } from 'node:child_process';

/** What a run produced. */
export type SpawnResult = {
  readonly stdout: string;
  readonly stderr: string;
  readonly exitCode: number | null;
  readonly signal: string | null;
  readonly timedOut: boolean;
  /** Set when the process could not be started at all (ENOENT, EACCES…). */
  readonly spawnError: string | undefined;
  readonly durationMs: number;
  /** The process id (what its LINSTOR requests name in their User-Agent). */
  readonly pid: number | undefined;
};

// After a timeout kill, wait this long for the pipes to close: a grandchild in a session of its own
// (not killed with the group) may hold them, and must not hold the API call forever.
const PIPE_GRACE_MS = 1000;

/** Keeps the process groups of runs in flight, so that stopping the simulator can end them. */
export type ProcessTracker = { add(pid: number): void; delete(pid: number): void };

/** Runs `argv[0]` with `argv.slice(1)`. Never rejects. */
export function runProcess(argv: readonly string[], env: Readonly<Record<string, string>>, timeoutMs: number, tracker?: ProcessTracker): Promise<SpawnResult> {
  const started = performance.now();
  return new Promise((resolve) => {
    const [file = '', ...args] = argv;
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let timedOut = false;
    let done = false;
    let exit: { code: number | null; signal: string | null } | undefined;
    const child = spawn(file, args, { env: { ...env }, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    if (child.pid !== undefined) tracker?.add(child.pid);
    const finish = (spawnError?: string): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      if (child.pid !== undefined) tracker?.delete(child.pid);
      resolve({
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
        exitCode: exit?.code ?? null,
        signal: exit?.signal ?? null,
        timedOut,
        spawnError,
        durationMs: Math.round(performance.now() - started),
        pid: child.pid,
      });
    };
    const timer = setTimeout(() => {
      timedOut = true;
      try {
        if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
      } catch {
        child.kill('SIGKILL'); // the group is already gone; make sure the child is too
      }
      setTimeout(() => finish(), PIPE_GRACE_MS).unref();
    }, timeoutMs);
    child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => err.push(chunk));
    child.on('error', (error) => {
      exit ??= { code: null, signal: null };
      finish(error.message);
    });
    child.on('exit', (code, signal) => {
      exit = { code, signal };
    });
    // As forkexecd does, the run ends when stdout and stderr are closed, so no output is lost.
    child.on('close', () => finish());
  });
}
