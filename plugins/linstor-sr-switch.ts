/**
 * The `linstor-sr-switch` XAPI host plugin: `linstor-sr-switch status|enable|disable --pool` on one host
 * calls it on every host. Functions `status`, `enable` and `disable` (argument `force`: `true` or
 * `false`) run the linstor-sr-switch tool installed beside this bundle and answer its JSON status;
 * a refused switch is XENAPI_PLUGIN_FAILURE [fn, SwitchRefused, the tool's reasons]. The package
 * installs it at /etc/xapi.d/plugins/linstor-sr-switch, a path sm does not own, so it answers on every
 * host with the package, whichever driver the host runs.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { run } from '../lib/exec/run.js';
import { decodePluginCall, encodePluginFailure, encodePluginSuccess, PluginFailure } from '../lib/smapi/plugin.js';
import { writeResponse } from '../lib/smapi/stdout.js';

const FUNCTIONS = new Set(['status', 'enable', 'disable']);

/** The tool's arguments for a call, or a failure naming the bad argument (nothing runs then). */
function toolArgs(fn: string, args: Readonly<Record<string, string>>): string[] {
  if (!FUNCTIONS.has(fn)) throw new PluginFailure('UNKNOWN_XENAPI_PLUGIN_FUNCTION', [fn]);
  const allowed = fn === 'status' ? [] : ['force'];
  for (const key of Object.keys(args)) {
    if (!allowed.includes(key)) throw new PluginFailure('XENAPI_PLUGIN_FAILURE', [fn, 'ArgumentError', `unknown argument ${JSON.stringify(key)}`]);
  }
  const force = args['force'];
  if (force !== undefined && force !== 'true' && force !== 'false') throw new PluginFailure('XENAPI_PLUGIN_FAILURE', [fn, 'ArgumentError', `force must be true or false, got ${JSON.stringify(force)}`]);
  return [fn, '--json', ...(force === 'true' ? ['--force'] : [])];
}

async function main(argv: readonly string[]): Promise<void> {
  let fn = '';
  let response: string;
  try {
    const call = decodePluginCall(argv);
    fn = call.fn;
    const args = toolArgs(fn, call.args);
    // The tool sits beside this bundle's real file (the plugin path is a link into the package's tree).
    const tool = path.join(path.dirname(fileURLToPath(import.meta.url)), 'linstor-sr-switch');
    const r = await run(process.execPath, [tool, ...args], { allowFailure: true, timeoutMs: 300_000 });
    // status answers 1 when it lists a problem: the report is still the answer.
    if (r.exitCode === 0 || (fn === 'status' && r.exitCode === 1)) response = encodePluginSuccess(r.stdout.trim());
    else {
      const reasons = r.stderr.split('\n').map((l) => l.replace(/^linstor-sr-switch: /, '').trim()).filter(Boolean);
      throw new PluginFailure('XENAPI_PLUGIN_FAILURE', [fn, r.exitCode === 1 ? 'SwitchRefused' : 'SwitchFailed', reasons.join('\n')]);
    }
  } catch (error) {
    const failure =
      error instanceof PluginFailure
        ? error
        : new PluginFailure('XENAPI_PLUGIN_FAILURE', [fn, error instanceof Error ? error.name : typeof error, error instanceof Error ? error.message : String(error)]);
    response = encodePluginFailure(failure.code, failure.params);
  }
  writeResponse(response);
}

main(process.argv.slice(2)).then(
  () => {
    process.exitCode = 0;
  },
  (error: unknown) => {
    process.stderr.write(`linstor-sr-switch plugin: ${String(error)}\n`);
    process.exitCode = 1;
  },
);
