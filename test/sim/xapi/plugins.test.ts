import test from 'ava';
import { chmod, mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { decodeMethodCall } from '../../../lib/smapi/xmlrpc.js';
import { startPool, type TestPool } from './helpers/pool.js';

const ENVELOPE = (inner: string) => `<methodResponse><params><param><value><struct>${inner}</struct></value></param></params></methodResponse>`;
const member = (name: string, value: string) => `<member><name>${name}</name>${value}</member>`;

/** Writes an executable plugin into a host's /etc/xapi.d/plugins. `body` is JS run with `xml` and `out(text)`. */
async function installPlugin(pool: TestPool, host: string, name: string, body: string): Promise<void> {
  const dir = path.join(pool.sim.host(host).root, 'etc/xapi.d/plugins');
  await mkdir(dir, { recursive: true });
  const file = path.join(dir, name);
  await writeFile(file, `#!/usr/bin/env node\nconst xml = process.argv[2] || '';\nconst out = (s) => process.stdout.write(s);\n${body}\n`);
  await chmod(file, 0o755);
}

test('host.call_plugin runs the plugin on the target host with [plugin, methodCall(fn, [session, args])] and PATH only', async (t) => {
  const pool = await startPool(t, 3);
  const echo = `const v = JSON.stringify({ argv: process.argv.slice(1), env: process.env }).replace(/&/g, '&amp;').replace(/</g, '&lt;');
out('${ENVELOPE(member('Status', '<value>Success</value>') + member('Value', "<value>' + v + '</value>"))}');`;
  await installPlugin(pool, 'host3', 'echo', echo);
  const value = await pool.xapi.host.callPlugin(pool.ref('host3'), 'echo', 'whoami', { vdiUuid: 'abc', 'a&b': '<x>' });
  const seen = JSON.parse(value) as { argv: string[]; env: Record<string, string> };
  const host3 = pool.sim.host('host3');
  t.is(seen.argv[0], path.join(host3.root, 'etc/xapi.d/plugins/echo'));
  t.is(seen.argv.length, 2);
  const call = decodeMethodCall(seen.argv[1] ?? '');
  t.is(call.method, 'whoami');
  t.deepEqual(call.params.length, 2);
  t.is(call.params[0], pool.xapi.client.sessionRef);
  t.deepEqual({ ...(call.params[1] as object) }, { vdiUuid: 'abc', 'a&b': '<x>' });
  t.deepEqual({ ...seen.env }, { PATH: `${host3.toolsPath}:/sbin:/usr/sbin:/bin:/usr/bin`, LINSTOR_SR_ROOT: host3.root, LINSTOR_SR_TIME_SCALE: '0.01' });
  const run = pool.sim.executions.at(-1);
  t.like(run, { kind: 'plugin', plugin: 'echo', name: 'whoami', host: 'host3', outcome: { kind: 'ok' } });
  // Not installed on host1, and no built-in of that name.
  t.like(await t.throwsAsync(pool.xapi.host.callPlugin(pool.ref('host1'), 'echo', 'whoami', {})), { code: 'XENAPI_MISSING_PLUGIN', params: ['echo'] });
  t.like(await t.throwsAsync(pool.xapi.host.callPlugin(pool.ref('host3'), '../plugins/echo', 'f', {})), { code: 'XENAPI_MISSING_PLUGIN' });
});

test('a plugin\'s Failure raises its own code; faults, garbage and crashes become XENAPI_PLUGIN_FAILURE', async (t) => {
  const pool = await startPool(t, 2);
  const failure = ENVELOPE(member('Status', '<value>Failure</value>') + member('ErrorDescription', '<value><array><data><value>MY_CODE</value><value>p1</value></data></array></value>'));
  await installPlugin(pool, 'host2', 'p', `
if (xml.includes('>fail<')) out('${failure}');
else if (xml.includes('>fault<')) out('<methodResponse><fault><value><struct><member><name>faultCode</name><value><int>12</int></value></member><member><name>faultString</name><value>bad</value></member></struct></value></fault></methodResponse>');
else if (xml.includes('>garbage<')) out('not xml at all');
else if (xml.includes('>crash<')) { process.stderr.write('dying'); process.exit(2); }
else out('<methodResponse><params><param><value>bare string</value></param></params></methodResponse>');`);
  const call = (fn: string) => t.throwsAsync(pool.xapi.host.callPlugin(pool.ref('host2'), 'p', fn, {}));
  t.like(await call('fail'), { code: 'MY_CODE', params: ['p1'] });
  t.like(await call('fault'), { code: 'XENAPI_PLUGIN_FAILURE', params: ['fault', '12', 'bad'] });
  const garbage = (await call('garbage')) as unknown as { code: string; params: string[] };
  t.is(garbage.code, 'XENAPI_PLUGIN_FAILURE');
  t.deepEqual(garbage.params.slice(0, 2), ['failed to parse plugin output', 'not xml at all']);
  t.like(await call('crash'), { code: 'XENAPI_PLUGIN_FAILURE', params: ['non-zero exit', '', 'dying'] });
  t.like(await call('other'), { code: 'XENAPI_PLUGIN_FAILURE', params: ['unexpected XMLRPC result'] });
  t.is(pool.sim.executions.filter((e) => e.kind === 'plugin' && e.host === 'host2').length, 5);
});
