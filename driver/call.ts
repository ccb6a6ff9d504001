/**
 * One driver call, from argv to the response document: what `LinstorSR '<methodCall>'` does, whether
 * the process runs for this call alone (main.ts) or a warm agent worker runs it (agent/worker.ts).
 * Contract (spec/smapi-protocol.md §1.2, §2): exactly one methodResponse — a result or an SM fault —
 * handed to `emit` as soon as it exists; the SMlog lines follow it. The call reads its host from the
 * process environment, which an agent worker sets to the launcher's for each call.
 */
import { readHostEnv, type HostEnv } from '../lib/host/env.js';
import { run } from '../lib/exec/run.js';
import { callEndMessage } from '../lib/log/call-end.js';
import { createLogger } from '../lib/log/logger.js';
import { defaultSink } from '../lib/log/file-sink.js';
import { decodeRequest, type AnyRequest } from '../lib/smapi/request.js';
import { encodeResult, encodeSrFault } from '../lib/smapi/response.js';
import type { Verb } from '../lib/smapi/verbs.js';
import { checkSr } from './check-sr.js';
import { dispatch } from './dispatch.js';
import { toSrError } from './faults.js';

/** The launcher's `check_sr` runs `LinstorSR --check-sr <sr_uuid>` (dom0/LinstorSR.py). */
const CHECK_SR = '--check-sr';

/**
 * Runs the call and resolves once its logs are closed. `emit` receives the response (never called for
 * `--check-sr`, which answers nothing); it throws only if stdout itself cannot be written.
 */
export async function callDriver(argv: readonly string[], emit: (document: string) => void): Promise<void> {
  const started = performance.now();
  let env: HostEnv | undefined;
  let envError: unknown;
  try {
    env = readHostEnv();
  } catch (error) {
    envError = error;
  }
  const log = createLogger(defaultSink({ ident: 'SM', file: env?.logFile }));
  if (argv[0] === CHECK_SR && env) {
    // Not an SMAPI call: the launcher's check_sr (sm's health check); no response on stdout.
    await checkSr({ env, log, exec: run }, argv[1] ?? '');
    await log.close();
    return;
  }
  let verb: Verb | undefined;
  let response: string;
  let outcome = 'ok';
  try {
    if (!env) throw envError;
    const request: AnyRequest = decodeRequest(argv);
    verb = request.verb;
    log.info(`${verb} start`, { params: request.params });
    const result = await dispatch({ env, log, exec: run }, request);
    response = encodeResult(result);
  } catch (error) {
    const fault = toSrError(error, verb);
    outcome = `fault ${fault.faultCode}`;
    log.error(`${verb ?? 'request'} failed: ${fault.faultString}`, { error: describe(error) });
    response = encodeSrFault(fault);
  }
  emit(response);
  log.info(callEndMessage(verb ?? 'request', performance.now() - started, outcome));
  await log.close();
}

/** The error chain, for the log only (the response carries the fault string). */
function describe(error: unknown): string {
  const parts: string[] = [];
  for (let e: unknown = error, depth = 0; e !== undefined && depth < 5; depth += 1) {
    if (e instanceof Error) {
      parts.push(`${e.name}: ${e.message}`);
      e = e.cause;
    } else {
      parts.push(String(e));
      break;
    }
  }
  return parts.join(' <- ');
}
