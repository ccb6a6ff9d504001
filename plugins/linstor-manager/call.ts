/**
 * One `linstor-manager` plugin call, from argv to the XenAPI envelope: what the plugin process does
 * (plugins/linstor-manager.ts), or an agent worker for a launcher (agent/worker.ts). It hands
 * `{Status: Success, Value}` or `{Status: Failure, ErrorDescription}` to `emit` with XenAPIPlugin's
 * conventions: a PluginFailure raises its own code; an unknown function is UNKNOWN_XENAPI_PLUGIN_FUNCTION;
 * any other error is XENAPI_PLUGIN_FAILURE [fn, class name, message]. The SMlog lines follow the answer.
 */
import { readHostEnv } from '../../lib/host/env.js';
import { run } from '../../lib/exec/run.js';
import { callEndMessage } from '../../lib/log/call-end.js';
import { createLogger } from '../../lib/log/logger.js';
import { defaultSink } from '../../lib/log/file-sink.js';
import { decodePluginCall, encodePluginFailure, encodePluginSuccess, PluginFailure } from '../../lib/smapi/plugin.js';
import { FUNCTIONS } from './functions.js';

/** Runs the call and resolves once its logs are closed; `emit` throws only if stdout cannot be written. */
export async function callLinstorManager(argv: readonly string[], emit: (document: string) => void): Promise<void> {
  const started = performance.now();
  const env = (() => {
    try {
      return readHostEnv();
    } catch (error) {
      return error as Error;
    }
  })();
  const log = createLogger(defaultSink({ ident: 'SM', file: env instanceof Error ? undefined : env.logFile }), {
    scope: 'linstor-manager',
  });
  let fn = '';
  let response: string;
  let outcome = 'ok';
  try {
    if (env instanceof Error) throw env;
    const call = decodePluginCall(argv);
    fn = call.fn;
    log.info(`${fn} start`, { args: call.args });
    const load = Object.hasOwn(FUNCTIONS, fn) ? FUNCTIONS[fn] : undefined;
    if (!load) throw new PluginFailure('UNKNOWN_XENAPI_PLUGIN_FUNCTION', [fn]);
    const impl = await load();
    const value = await impl({ env, log, exec: run, sessionRef: call.sessionRef }, call.args);
    response = encodePluginSuccess(value);
  } catch (error) {
    const failure =
      error instanceof PluginFailure
        ? error
        : new PluginFailure('XENAPI_PLUGIN_FAILURE', [
            fn,
            error instanceof Error ? error.name : typeof error,
            error instanceof Error ? error.message : String(error),
          ]);
    outcome = `failure ${failure.code}`;
    log.error(`${fn || 'call'} failed: ${failure.message}`);
    response = encodePluginFailure(failure.code, failure.params);
  }
  emit(response);
  log.info(callEndMessage(fn || 'call', performance.now() - started, outcome));
  await log.close();
}
