// The linstor-sr-switch XAPI plugin (what `--pool` calls on each host), run as xapi runs it.
import test from 'ava';
import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { encodePluginCall } from '../../lib/smapi/plugin.js';
import { decodeMethodResponse } from '../../lib/smapi/xmlrpc.js';
import type { StatusReport } from '../../tools/linstor-sr-switch/report.js';
import { testWith } from '../helpers/packaging-tools.js';
import { runBuilt } from '../helpers/run-built.js';

async function plugin(fn: string, args: Record<string, string>, env: Record<string, string> = {}) {
  const result = await runBuilt('linstor-sr-switch-plugin', [encodePluginCall({ fn, sessionRef: 'OpaqueRef:session', args })], env);
  const decoded = decodeMethodResponse(result.stdout);
  return { ...result, value: decoded.kind === 'value' ? (decoded.value as Record<string, unknown>) : undefined };
}

testWith(['rpm'], 'status answers the host\'s switch status as JSON (here: no sm, nothing switched)', async (t) => {
  const root = await mkdtemp(path.join(os.tmpdir(), 'switch-plugin-'));
  const r = await plugin('status', {}, { LINSTOR_SR_ROOT: root });
  t.is(r.exitCode, 0);
  t.is(r.value?.['Status'], 'Success', r.stdout);
  const report = JSON.parse(String(r.value?.['Value'])) as StatusReport;
  t.is(report.state, 'disabled');
  t.is(report.sm, null);
  t.deepEqual(report.paths.map((p) => p.now), ['missing', 'missing', 'missing', 'missing']);
});

testWith(['rpm'], 'a refused switch is a plugin failure carrying the tool\'s reasons', async (t) => {
  const root = await mkdtemp(path.join(os.tmpdir(), 'switch-plugin-'));
  const r = await plugin('enable', { force: 'false' }, { LINSTOR_SR_ROOT: root });
  t.is(r.value?.['Status'], 'Failure');
  const [code, fn, kind, reasons] = r.value?.['ErrorDescription'] as string[];
  t.deepEqual([code, fn, kind], ['XENAPI_PLUGIN_FAILURE', 'enable', 'SwitchRefused']);
  t.regex(reasons ?? '', /is missing and sm is not installed[\s\S]*enable refused: nothing changed/);
});

test('unknown functions and arguments are refused before anything runs', async (t) => {
  const unknown = await plugin('erase', {});
  t.deepEqual(unknown.value?.['ErrorDescription'], ['UNKNOWN_XENAPI_PLUGIN_FUNCTION', 'erase']);
  for (const [fn, args, message] of [
    ['status', { force: 'true' }, 'unknown argument "force"'],
    ['enable', { force: 'yes' }, 'force must be true or false, got "yes"'],
    ['disable', { pool: 'true' }, 'unknown argument "pool"'],
  ] as const) {
    const r = await plugin(fn, args);
    t.deepEqual(r.value?.['ErrorDescription'], ['XENAPI_PLUGIN_FAILURE', fn, 'ArgumentError', message]);
  }
});
