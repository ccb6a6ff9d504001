/**
 * The `linstor-manager` XAPI host plugin, executed by xapi for `host.call_plugin(…, 'linstor-manager',
 * fn, args)` as `linstor-manager '<methodCall fn(session, {args})>'`. It prints one XenAPI envelope:
 * `{Status: Success, Value}` or `{Status: Failure, ErrorDescription}` with XenAPIPlugin's conventions:
 * a PluginFailure raises its own code; an unknown function is UNKNOWN_XENAPI_PLUGIN_FUNCTION; any other
 * error is XENAPI_PLUGIN_FAILURE [fn, class name, message]. Exit status 0 either way.
 */
import { readHostEnv } from '../lib/host/env.js';
import { run } from '../lib/exec/run.js';
import { callEndMessage } from '../lib/log/call-end.js';
import { createLogger } from '../lib/log/logger.js';
import { defaultSink } from '../lib/log/file-sink.js';
import { decodePluginCall, encodePluginFailure, encodePluginSuccess, PluginFailure } from '../lib/smapi/plugin.js';
import { writeResponse } from '../lib/smapi/stdout.js';
import { FUNCTIONS } from './linstor-manager/functions.js';

async function main(argv: readonly string[]): Promise<void> {
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
  writeResponse(response);
  log.info(callEndMessage(fn || 'call', performance.now() - started, outcome));
  await log.close();
}

main(process.argv.slice(2)).then(
  () => {
    process.exitCode = 0;
  },
  (error: unknown) => {
    process.stderr.write(`linstor-manager: ${String(error)}\n`);
    process.exitCode = 1;
  },
);
