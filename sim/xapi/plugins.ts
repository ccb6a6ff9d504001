/**
 * `host.call_plugin` (spec/smapi-protocol.md §5): the call is forwarded to the target host, which runs
 * `<its root>/etc/xapi.d/plugins/<plugin>` (or the simulator's built-in for that name) with argv
 * `[plugin, methodCall(fn, [session, args])]` and PATH only (plus LINSTOR_SR_* for the simulated host),
 * then reads the XenAPI envelope it printed: Success → Value; Failure → its own code; anything else →
 * XENAPI_PLUGIN_FAILURE with the reason xapi gives. On the hosts a pool lists in `legacyPluginHosts`,
 * `linstor-manager` calls go through legacy-plugin.ts first, which plays the pre-2026 Python plugin.
 */
import { decodeMethodCall, decodeMethodResponse, isStruct, type XmlRpcValue } from '../../lib/smapi/xmlrpc.js';
import { ApiError, fail } from './api-error.js';
import { argMap, argRef, argString, type CallContext, type MethodTable } from './context.js';
import type { ExecutionOutcome } from './executions.js';
import { processEnv } from './sm-exec.js';
import { hostArgv } from './host-interpreter.js';
import { legacyLinstorManager, LINSTOR_MANAGER } from './legacy-plugin.js';
import { runProcess, type SpawnResult } from './spawn.js';
import { methodCallXml } from './xml.js';

/** What xapi makes of a plugin run: the string value, or the error it raises. */
export function readPluginResult(run: SpawnResult): string {
  const { stdout, stderr } = run;
  if (run.spawnError !== undefined) fail('XENAPI_PLUGIN_FAILURE', 'exec failed', run.spawnError, stderr);
  if (run.timedOut) fail('XENAPI_PLUGIN_FAILURE', 'signal: SIGKILL (timed out)', stdout, stderr);
  if (run.signal !== null) fail('XENAPI_PLUGIN_FAILURE', `signal: ${run.signal}`, stdout, stderr);
  if (run.exitCode !== 0) fail('XENAPI_PLUGIN_FAILURE', 'non-zero exit', stdout, stderr);
  let decoded;
  try {
    decoded = decodeMethodResponse(stdout);
  } catch (error) {
    return fail('XENAPI_PLUGIN_FAILURE', 'failed to parse plugin output', stdout, (error as Error).message);
  }
  if (decoded.kind === 'fault') fail('XENAPI_PLUGIN_FAILURE', 'fault', String(decoded.fault.faultCode), decoded.fault.faultString);
  const reply = decoded.value;
  if (isStruct(reply) && reply['Status'] === 'Success' && typeof reply['Value'] === 'string') return reply['Value'];
  if (isStruct(reply) && reply['Status'] === 'Failure' && Array.isArray(reply['ErrorDescription'])) {
    const [code, ...params] = reply['ErrorDescription'].map((p: XmlRpcValue) => (typeof p === 'string' ? p : JSON.stringify(p)));
    throw new ApiError(code ?? 'XENAPI_PLUGIN_FAILURE', params);
  }
  return fail('XENAPI_PLUGIN_FAILURE', 'unexpected XMLRPC result', stdout);
}

/** Plugin faults the simulator plays itself: the process killed before it runs, or after its work. */
export const PLUGIN_START_KILL = 'plugin-start:kill';
export const PLUGIN_END_KILL = 'plugin-end:kill';

function killedRun(): SpawnResult {
  return { stdout: '', stderr: '', exitCode: null, signal: 'SIGKILL', timedOut: false, spawnError: undefined, durationMs: 0, pid: undefined };
}

/** A run that printed `stdout` and exited 0: what the simulated older plugin answers without running the real one. */
function printedRun(stdout: string): SpawnResult {
  return { stdout, stderr: '', exitCode: 0, signal: null, timedOut: false, spawnError: undefined, durationMs: 0, pid: undefined };
}

async function callPlugin(ctx: CallContext, args: readonly XmlRpcValue[]): Promise<string> {
  const { sim } = ctx;
  const host = sim.hostByRef(argRef(ctx, args[0], 'host', 'host'));
  const plugin = argString(args[1], 'plugin');
  const fn = argString(args[2], 'fn');
  const pluginArgs = argMap(args[3], 'args');
  if (sim.downHosts.has(host.name)) fail('HOST_OFFLINE', host.ref);
  // xapi lists the plugin directory: no subdirectories, no path tricks.
  const file = plugin.includes('/') || plugin === '' || plugin === '.' || plugin === '..' ? undefined : sim.pluginFor(host, plugin);
  if (file === undefined) fail('XENAPI_MISSING_PLUGIN', plugin);
  // On a host of the pool's older generation, the pre-2026 plugin reads the call (or answers it itself).
  const legacy = plugin === LINSTOR_MANAGER && sim.legacyPluginHosts.has(host.name) ? legacyLinstorManager(fn, pluginArgs) : undefined;
  const xml = methodCallXml(fn, [ctx.sessionRef, legacy?.kind === 'run' ? legacy.args : pluginArgs]);
  const argv = [file, xml];
  // A fault armed for `plugin:<fn>` (the chaos soak): killed before it starts or after its work, before
  // it answers; any other `<point>:<action>` goes to the plugin as LINSTOR_SR_FAULTS.
  const fault = sim.takeFault(host.name, `plugin:${fn}`);
  const env = processEnv(sim, host, false, fault === PLUGIN_START_KILL || fault === PLUGIN_END_KILL ? undefined : fault);
  const startedAt = new Date();
  let run: SpawnResult;
  if (fault === PLUGIN_START_KILL) run = killedRun();
  else if (legacy?.kind === 'answer') run = printedRun(legacy.stdout);
  else run = await runProcess(hostArgv(host.root, argv), env, sim.settings.pluginTimeoutMs, sim.processes);
  if (fault === PLUGIN_END_KILL) run = { ...killedRun(), durationMs: run.durationMs, pid: run.pid };
  let outcome: ExecutionOutcome;
  let value = '';
  try {
    value = readPluginResult(run);
    outcome = { kind: 'ok', value };
  } catch (error) {
    if (!(error instanceof ApiError)) throw error;
    outcome = { kind: 'error', code: error.code, params: error.params };
  }
  sim.record({
    kind: 'plugin', name: fn, plugin, host: host.name, hostRef: host.ref, argv, env, params: decodeMethodCall(xml).params, startedAt,
    durationMs: run.durationMs, pid: run.pid, exitCode: run.exitCode, signal: run.signal, timedOut: run.timedOut, stdout: run.stdout, stderr: run.stderr, outcome,
  });
  sim.log?.info(`plugin ${plugin}.${fn} on ${host.name}: ${outcome.kind === 'ok' ? 'ok' : outcome.code} in ${run.durationMs} ms`);
  if (outcome.kind === 'error') throw new ApiError(outcome.code, outcome.params);
  return value;
}

/** host.call_plugin. */
export function pluginMethods(): MethodTable {
  return { 'host.call_plugin': { arity: 4, fn: (ctx, args) => callPlugin(ctx, args) } };
}
