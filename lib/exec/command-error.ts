/** A child process that could not start, exited non-zero, or was killed. Carries what an operator needs. */
export class CommandError extends Error {
  override name = 'CommandError';
  readonly argv: readonly string[];
  readonly exitCode: number | undefined;
  readonly signal: string | undefined;
  readonly stdout: string;
  readonly stderr: string;

  constructor(
    argv: readonly string[],
    details: { exitCode?: number | undefined; signal?: string | undefined; stdout?: string; stderr?: string; cause?: unknown },
  ) {
    const how =
      details.signal !== undefined
        ? `killed by ${details.signal}`
        : details.exitCode !== undefined
          ? `exit code ${details.exitCode}`
          : 'failed to start';
    const stderr = (details.stderr ?? '').trim();
    super(`${argv.join(' ')}: ${how}${stderr ? `: ${stderr.split('\n').slice(-3).join(' / ')}` : ''}`, {
      cause: details.cause,
    });
    this.argv = argv;
    this.exitCode = details.exitCode;
    this.signal = details.signal;
    this.stdout = details.stdout ?? '';
    this.stderr = details.stderr ?? '';
  }
}
