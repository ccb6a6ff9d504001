/**
 * The command line: `linstor-gc --sr <uuid> [--once] [--dry-run] [--status] [--abort] [--force]`.
 * `--sr-locked` is for the driver only: it holds the SR lock for us (sr_delete, foreground mode), as
 * sm's `gc_force` callers do.
 */

export type GcArgs = {
  readonly sr: string;
  readonly once: boolean;
  readonly dryRun: boolean;
  readonly status: boolean;
  /** Stop a running collector (sm's `cleanup.py -a`) and exit. */
  readonly abort: boolean;
  /** Abort a running collector, then run (sm's `gc_force`). */
  readonly force: boolean;
  readonly srLocked: boolean;
};

/** Thrown for a command line that cannot be run; the message is the usage error. */
export class UsageError extends Error {
  override name = 'UsageError';
}

export const USAGE = 'usage: linstor-gc --sr <uuid> [--once] [--dry-run] [--status] [--abort] [--force]';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** `-h`/`--help` anywhere on the line: print the usage and exit 0, whatever else is there. */
export function wantsHelp(argv: readonly string[]): boolean {
  return argv.some((a) => a === '-h' || a === '--help');
}

export function parseArgs(argv: readonly string[]): GcArgs {
  let sr: string | undefined;
  const flags = new Set<string>();
  for (let i = 0; i < argv.length; i += 1) {
    const a = argv[i] ?? '';
    if (a === '--sr' || a === '-u') {
      sr = argv[(i += 1)];
      if (sr === undefined) throw new UsageError('--sr needs an SR uuid');
    } else if (a.startsWith('--sr=')) {
      sr = a.slice(5);
    } else if (['--once', '--dry-run', '--status', '--abort', '--force', '--sr-locked'].includes(a)) {
      flags.add(a);
    } else {
      throw new UsageError(`unknown argument ${JSON.stringify(a)}`);
    }
  }
  if (sr === undefined) throw new UsageError('--sr is required');
  if (!UUID.test(sr)) throw new UsageError(`not an SR uuid: ${JSON.stringify(sr)}`);
  const modes = ['--dry-run', '--status', '--abort'].filter((f) => flags.has(f));
  if (modes.length > 1) throw new UsageError(`${modes.join(' and ')} cannot be combined`);
  return {
    sr: sr.toLowerCase(),
    once: flags.has('--once'),
    dryRun: flags.has('--dry-run'),
    status: flags.has('--status'),
    abort: flags.has('--abort'),
    force: flags.has('--force'),
    srLocked: flags.has('--sr-locked'),
  };
}
