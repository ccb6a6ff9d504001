/**
 * dist/LinstorSR, what xapi executes once per verb. xapi runs `sr_get_driver_info` for every driver
 * at start-up and it needs nothing but a constant answer, so this small entry answers it without loading the
 * driver: the response is encodeResult(DRIVER_INFO), computed at build time by scripts/build.mjs, and the
 * SMlog lines are main.ts's, written through the same sinks (a winston-free one for a log file). Every other
 * argv — other verbs, anything not certainly a valid driver-info call, an unusable environment — loads the
 * whole driver (dist/LinstorSR-main.cjs, built from driver/main.ts), which decodes it again and answers or
 * faults as it always did.
 */
import { writeSync } from 'node:fs';
import { readHostEnv, type HostEnv } from '../lib/host/env.js';
import { callEndMessage } from '../lib/log/call-end.js';
import { AppendFileSink } from '../lib/log/append-file-sink.js';
import { createLogger } from '../lib/log/logger.js';
import { SyslogSink } from '../lib/log/syslog-sink.js';
import { driverInfoParams } from './driver-info-call.js';

/** Replaced by scripts/build.mjs with the response document (this entry is only ever run built). */
declare const LINSTOR_SR_DRIVER_INFO_RESPONSE: string;
/** The full driver, beside this bundle in dist/ and where make install puts it. */
const FULL_DRIVER = './LinstorSR-main.cjs';

/** Answers sr_get_driver_info exactly as main.ts would; false when argv must go to the full driver. */
async function answerDriverInfo(argv: readonly string[], response: string): Promise<boolean> {
  // process.hrtime, not performance.now(): the perf_hooks modules it loads cost more than this whole answer.
  const started = process.hrtime.bigint();
  let env: HostEnv;
  try {
    env = readHostEnv();
  } catch {
    return false;
  }
  const params = driverInfoParams(argv);
  if (!params) return false;
  const ident = 'SM';
  const log = createLogger(env.logFile ? new AppendFileSink({ file: env.logFile, ident }) : new SyslogSink({ ident }));
  log.info('sr_get_driver_info start', { params });
  writeAll(response);
  log.info(callEndMessage('sr_get_driver_info', Number(process.hrtime.bigint() - started) / 1e6, 'ok'));
  await log.close();
  return true;
}

/**
 * The response, written with writeSync: creating process.stdout costs more than the rest of this answer.
 * Should the fd refuse (a non-blocking pipe that is full), the rest goes through process.stdout as in main.ts.
 */
function writeAll(text: string): void {
  const bytes = Buffer.from(text, 'utf8');
  let done = 0;
  try {
    while (done < bytes.length) done += writeSync(1, bytes, done);
  } catch {
    process.stdout.write(bytes.subarray(done));
  }
}

/** The bundle's own CommonJS require, which resolves FULL_DRIVER beside it (node:module would load the ESM loader). */
function runFullDriver(): void {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  require(FULL_DRIVER);
}

const response = typeof LINSTOR_SR_DRIVER_INFO_RESPONSE === 'string' ? LINSTOR_SR_DRIVER_INFO_RESPONSE : undefined;
const argv = process.argv.slice(2);
(response === undefined ? Promise.resolve(false) : answerDriverInfo(argv, response)).then(
  (answered) => {
    if (answered) process.exitCode = 0;
    else runFullDriver();
  },
  (error: unknown) => {
    // As in main.ts: only reached if stdout itself could not be written.
    process.stderr.write(`LinstorSR: ${String(error)}\n`);
    process.exitCode = 1;
  },
);
