/**
 * `xostor-sim linstor`: runs the controller simulator as its own process. When it listens it prints
 * exactly one line, `{"url": "http://<host>:<port>"}`, and nothing after it; it serves until
 * SIGTERM/SIGINT, then writes its state and exits 0. State lives in `<dir>/linstor/`, so a restart on
 * the same `--dir` finds every object again.
 */
import { parseArgs } from 'node:util';
import { startLinstorSim } from './simulator.js';

/** Thrown for a command line the simulator cannot use (exit code 2). */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** Parsed options of the subcommand. */
export type LinstorCommandOptions = { host: string; port: number; dir: string; diskSizeGiB: number; disklessNodes: string[] };

/** Parses `--listen`, `--dir`, `--disk-size` and `--diskless`. */
export function parseLinstorArgs(argv: readonly string[]): LinstorCommandOptions {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      listen: { type: 'string' },
      dir: { type: 'string' },
      'disk-size': { type: 'string' },
      diskless: { type: 'string' },
    },
    strict: true,
    allowPositionals: false,
  });
  const listen = /^(.*):(\d+)$/.exec(values.listen ?? '');
  if (!listen) throw new UsageError('--listen <host>:<port|0> is required');
  if (!values.dir) throw new UsageError('--dir <dir> is required');
  const size = /^(\d+(?:\.\d+)?)G?$/i.exec(values['disk-size'] ?? '100G');
  if (!size || Number(size[1]) <= 0) throw new UsageError(`--disk-size must look like 100G, got ${JSON.stringify(values['disk-size'])}`);
  return {
    host: (listen[1] as string).replace(/^\[(.*)\]$/, '$1'),
    port: Number(listen[2]),
    dir: values.dir,
    diskSizeGiB: Number(size[1]),
    disklessNodes: (values.diskless ?? '').split(',').filter((n) => n !== ''),
  };
}

/** The subcommand's main: returns the exit code once the simulator has stopped. */
export async function runLinstorCommand(argv: readonly string[]): Promise<number> {
  let options: LinstorCommandOptions;
  try {
    options = parseLinstorArgs(argv);
  } catch (error) {
    process.stderr.write(`xostor-sim linstor: ${(error as Error).message}\n`);
    return 2;
  }
  const sim = await startLinstorSim({
    host: options.host,
    port: options.port,
    dir: options.dir,
    diskSizeGiB: options.diskSizeGiB,
    disklessNodes: options.disklessNodes,
  });
  process.stdout.write(`{"url": ${JSON.stringify(sim.url)}}\n`);
  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
  });
  await sim.close();
  return 0;
}
