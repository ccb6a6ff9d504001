/**
 * `linstor-gc`: the garbage collector of one LINSTOR SR (what `SMGC@<sr>` runs for the Python driver),
 * started detached by the driver or by hand. Reports go to stdout (a progress prefix on a terminal,
 * plain lines otherwise); logs go to syslog with ident SMGC (to the file LINSTOR_SR_LOG_FILE names, when set). Exit status: 0 done, 1 error, 2 usage,
 * 3 another collector runs, 4 aborted.
 */
import { run } from '../lib/exec/run.js';
import { readHostEnv } from '../lib/host/env.js';
import { SmLocks } from '../lib/host/sm-lock.js';
import { defaultSink } from '../lib/log/file-sink.js';
import { createLogger } from '../lib/log/logger.js';
import { parseArgs, USAGE, UsageError, wantsHelp } from './args.js';
import { runCollector } from './collector.js';
import { abortCollector } from './locks.js';
import { openGcContext } from './sr-context.js';

async function main(argv: readonly string[]): Promise<number> {
  if (wantsHelp(argv)) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  let args;
  try {
    args = parseArgs(argv);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`linstor-gc: ${error.message}\n${USAGE}\n`);
    return 2;
  }
  const env = readHostEnv();
  const log = createLogger(defaultSink({ ident: 'SMGC', file: env.logFile })).child('gc');
  const tty = process.stdout.isTTY === true;
  let step = 0;
  const print = (line: string) => {
    step += 1;
    // On a terminal each line carries a spinner-like step counter; pipes get plain lines.
    process.stdout.write(tty ? `[${'#'.repeat(step % 11).padEnd(10, '.')}] ${line}\n` : `${line}\n`);
  };
  const locks = new SmLocks({ root: env.root });
  try {
    if (args.abort) {
      const stopped = await abortCollector({ locks, sr: args.sr, env, callerHoldsSrLock: args.srLocked });
      print(stopped ? 'no collector runs' : 'the running collector did not stop');
      return stopped ? 0 : 4;
    }
    log.info(`collector start on SR ${args.sr}`, { once: args.once, dryRun: args.dryRun, status: args.status, force: args.force });
    // The lock helper (a Python process) starts while we log in and find the controller; a read-only
    // look (--status, --dry-run) takes no lock.
    if (!args.status && !args.dryRun) locks.start();
    const ctx = await openGcContext({ env, log, exec: run, srUuid: args.sr, calledByDriver: args.srLocked });
    try {
      const outcome = await runCollector(ctx, locks, {
        once: args.once,
        dryRun: args.dryRun,
        status: args.status,
        force: args.force,
        callerHoldsSrLock: args.srLocked,
        print,
        // A merge draws one redrawn progress bar on a terminal (plain lines otherwise).
        isTTY: tty,
        write: (text) => void process.stdout.write(text),
      });
      log.info(`collector end on SR ${args.sr}: ${outcome}`);
      return outcome === 'done' ? 0 : outcome === 'busy' ? 3 : 4;
    } finally {
      await ctx.close();
    }
  } catch (error) {
    log.error(`collector failed: ${(error as Error).message}`, { error: String((error as Error).stack ?? error) });
    process.stderr.write(`linstor-gc: ${(error as Error).message}\n`);
    return 1;
  } finally {
    await locks.close();
    await log.close();
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`linstor-gc: ${String(error)}\n`);
    process.exitCode = 1;
  },
);
