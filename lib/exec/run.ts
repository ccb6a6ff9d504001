import { spawn } from 'node:child_process';
import { CommandError } from './command-error.js';

/** What a finished command printed. */
export type CommandResult = { readonly stdout: string; readonly stderr: string; readonly exitCode: number };

export type RunOptions = {
  /** Text fed on stdin. */
  readonly input?: string;
  /** Kill the command after this long. */
  readonly timeoutMs?: number;
  /** Resolve with a non-zero exitCode instead of throwing CommandError. */
  readonly allowFailure?: boolean;
  /** Extra environment (merged over the process environment). */
  readonly env?: Readonly<Record<string, string>>;
  readonly cwd?: string;
};

/**
 * Runs a program with an argument array — never a shell string, so no argument can reach a shell.
 * This is the only place that spawns synchronous-style commands; inject `Exec` where a test must replace it.
 * Built on node:child_process rather than execa: every driver and plugin run spawns tools, and loading
 * execa cost each of those processes ~35 ms of CPU, more than the rest of its start.
 */
export type Exec = (file: string, args: readonly string[], options?: RunOptions) => Promise<CommandResult>;

/** After a timeout's SIGTERM, SIGKILL follows if the command still runs this long. */
const FORCE_KILL_AFTER_MS = 5000;

export const run: Exec = (file, args, options = {}) => {
  const argv = [file, ...args];
  return new Promise((resolve, reject) => {
    let child;
    try {
      child = spawn(file, [...args], {
        shell: false,
        stdio: [options.input !== undefined ? 'pipe' : 'ignore', 'pipe', 'pipe'],
        ...(options.env ? { env: { ...process.env, ...options.env } } : {}),
        ...(options.cwd ? { cwd: options.cwd } : {}),
      });
    } catch (error) {
      reject(new CommandError(argv, { cause: error }));
      return;
    }
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout?.on('data', (c: Buffer) => out.push(c));
    child.stderr?.on('data', (c: Buffer) => err.push(c));
    let timedOut = false;
    let forceKill: NodeJS.Timeout | undefined;
    const timer =
      options.timeoutMs === undefined
        ? undefined
        : setTimeout(() => {
            timedOut = true;
            child.kill('SIGTERM');
            forceKill = setTimeout(() => child.kill('SIGKILL'), FORCE_KILL_AFTER_MS);
            forceKill.unref();
          }, options.timeoutMs);
    let startError: Error | undefined;
    child.on('error', (error) => {
      startError ??= error;
    });
    if (options.input !== undefined && child.stdin) {
      // A command that exits without reading its input must not fail the run with EPIPE.
      child.stdin.on('error', () => undefined);
      child.stdin.end(options.input);
    }
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      clearTimeout(forceKill);
      const stdout = Buffer.concat(out).toString('utf8');
      const stderr = Buffer.concat(err).toString('utf8');
      if (code === null || startError !== undefined || timedOut) {
        // Never started (ENOENT, EACCES), killed by a signal, or past its time (even if it then exited on its own).
        reject(new CommandError(argv, { signal: signal ?? (timedOut ? 'SIGTERM' : undefined), stdout, stderr, cause: startError }));
        return;
      }
      if (code !== 0 && !options.allowFailure) {
        reject(new CommandError(argv, { exitCode: code, stdout, stderr }));
        return;
      }
      resolve({ stdout, stderr, exitCode: code });
    });
  });
};
