import { execa } from 'execa';
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
 */
export type Exec = (file: string, args: readonly string[], options?: RunOptions) => Promise<CommandResult>;

export const run: Exec = async (file, args, options = {}) => {
  const argv = [file, ...args];
  let result;
  try {
    result = await execa(file, [...args], {
      reject: false,
      stripFinalNewline: false,
      ...(options.input !== undefined ? { input: options.input } : { stdin: 'ignore' as const }),
      ...(options.timeoutMs !== undefined ? { timeout: options.timeoutMs } : {}),
      ...(options.env ? { env: options.env } : {}),
      ...(options.cwd ? { cwd: options.cwd } : {}),
    });
  } catch (error) {
    throw new CommandError(argv, { cause: error });
  }
  const stdout = String(result.stdout ?? '');
  const stderr = String(result.stderr ?? '');
  if (result.failed && result.exitCode === undefined) {
    // Never started (ENOENT, EACCES) or killed by a signal / timeout.
    throw new CommandError(argv, { signal: result.signal ?? undefined, stdout, stderr, cause: result.cause });
  }
  const exitCode = result.exitCode ?? 0;
  if (exitCode !== 0 && !options.allowFailure) {
    throw new CommandError(argv, { exitCode, stdout, stderr });
  }
  return { stdout, stderr, exitCode };
};
