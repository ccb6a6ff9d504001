import test from 'ava';
import { chmod, mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { encodePluginCall } from '../../lib/smapi/plugin.js';
import { decodeMethodResponse } from '../../lib/smapi/xmlrpc.js';
import { nodeOnlyPath, parseWithPython, runBuilt } from '../helpers/run-built.js';

/** A directory holding a stand-in `systemctl` that reports linstor-controller as `state`. */
async function fakeSystemctl(active: boolean): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'bin-'));
  const file = path.join(dir, 'systemctl');
  await writeFile(
    file,
    `#!/bin/sh\necho "$@" >> "${dir}/calls"\n[ "$1 $2 $3" = "is-active --quiet linstor-controller" ] && exit ${active ? 0 : 3}\nexit 1\n`,
  );
  await chmod(file, 0o755);
  return dir;
}

async function plugin(fn: string, args: Record<string, string>, env: Record<string, string> = {}, raw?: string[]) {
  const argv = raw ?? [encodePluginCall({ fn, sessionRef: 'OpaqueRef:session', args })];
  const result = await runBuilt('linstor-manager', argv, env);
  return { ...result, decoded: decodeMethodResponse(result.stdout) };
}

test('hasControllerRunning asks systemctl and answers True or False', async (t) => {
  for (const active of [true, false]) {
    const bin = await fakeSystemctl(active);
    const { decoded, exitCode, stderr, stdout } = await plugin('hasControllerRunning', {}, { PATH: `${bin}:/usr/bin:/bin` });
    t.is(exitCode, 0);
    t.is(stderr, '');
    t.deepEqual(JSON.parse(JSON.stringify(decoded)), { kind: 'value', value: { Status: 'Success', Value: active ? 'True' : 'False' } });
    const py = (await parseWithPython(stdout)) as { params: [{ Status: string; Value: string }] };
    t.is(py.params[0].Value, active ? 'True' : 'False');
  }
});

test('without systemctl the call fails as a plugin failure, not a crash', async (t) => {
  const { decoded, exitCode } = await plugin('hasControllerRunning', {}, { PATH: await nodeOnlyPath() });
  t.is(exitCode, 0);
  const value = decoded.kind === 'value' ? (decoded.value as { Status: string; ErrorDescription: string[] }) : undefined;
  t.is(value?.Status, 'Failure');
  t.deepEqual(value?.ErrorDescription.slice(0, 3), ['XENAPI_PLUGIN_FAILURE', 'hasControllerRunning', 'CommandError']);
});

test('an unknown function is UNKNOWN_XENAPI_PLUGIN_FUNCTION', async (t) => {
  const { decoded } = await plugin('lsofResource', {});
  t.deepEqual(JSON.parse(JSON.stringify(decoded)), {
    kind: 'value',
    value: { Status: 'Failure', ErrorDescription: ['UNKNOWN_XENAPI_PLUGIN_FUNCTION', 'lsofResource'] },
  });
});

test('a function name inherited from Object is not a function', async (t) => {
  const { decoded } = await plugin('constructor', {});
  t.true(decoded.kind === 'value' && (decoded.value as { ErrorDescription: string[] }).ErrorDescription[0] === 'UNKNOWN_XENAPI_PLUGIN_FUNCTION');
});

test('malformed input is a failure envelope with exit status 0', async (t) => {
  for (const raw of [[], ['not xml'], ['a', 'b']]) {
    const { decoded, exitCode } = await plugin('', {}, {}, raw);
    t.is(exitCode, 0);
    t.true(decoded.kind === 'value' && (decoded.value as { Status: string }).Status === 'Failure');
  }
});
