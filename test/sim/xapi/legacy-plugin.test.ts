/**
 * A mixed pool: host2's `linstor-manager` answers as the pre-2026 Python plugin (sim/xapi/legacy-plugin.ts),
 * host1's as linstor-sr's. The cowutil functions called through XAPI on each, with the argument shape of
 * an older caller (no vdiType, `jfile`) and of LinstorCowUtil (vdiType, `jFile`), show what a caller of
 * each generation meets on each host.
 */
import test from 'ava';
import { isXapiError } from '../../../lib/xapi/index.js';
import { createVhd, openChain, readChain, writeChain } from '../../../lib/vhd/index.js';
import { decodePluginCall } from '../../../lib/smapi/plugin.js';
import { decodeMethodResponse } from '../../../lib/smapi/xmlrpc.js';
import { legacyLinstorManager } from '../../../sim/xapi/legacy-plugin.js';
import { XapiSimulator } from '../../../sim/xapi/simulator.js';
import { srFixture } from '../../../sim/fixtures/sr.js';
import { seedVhdChain } from '../../e2e/sr-helpers.js';
import { callPlugin } from '../../../sim/fixtures/plugin.js';

const PARENT = '66666666-6666-4666-8666-000000000001';
const CHILD = '66666666-6666-4666-8666-000000000002';
const GARBAGE = '66666666-6666-4666-8666-000000000003';
const MIB = 1024 * 1024;
const SHAPES = { old: {}, cow: { vdiType: 'vhd' } } as const;
type Shape = keyof typeof SHAPES;

/** The XenAPI error a call raised, as `[code, ...params]`. */
async function xapiError(promise: Promise<unknown>): Promise<string[]> {
  try {
    await promise;
  } catch (error) {
    if (isXapiError(error)) return [error.code, ...error.params];
    throw error;
  }
  throw new Error('the call succeeded');
}

test('the older plugin: getInfo unknown, vdiType dropped, setSizeVirt reading jfile only; every other call unchanged', (t) => {
  const dev = { devicePath: '/dev/drbd/by-res/xcp-volume-a/0', groupName: 'linstor_group/thin_device' };
  const answered = (fn: string, args: Record<string, string>) => {
    const call = legacyLinstorManager(fn, args);
    if (call.kind !== 'answer') return call;
    const reply = decodeMethodResponse(call.stdout);
    return reply.kind === 'value' ? reply.value : reply;
  };
  t.deepEqual(answered('getInfo', { ...dev, vdiType: 'vhd' }), { Status: 'Failure', ErrorDescription: ['UNKNOWN_XENAPI_PLUGIN_FUNCTION', 'getInfo'] });
  t.deepEqual(answered('check', { ...dev, vdiType: 'vhd', fast: 'False' }), { kind: 'run', args: { ...dev, fast: 'False' } });
  t.deepEqual(answered('coalesce', dev), { kind: 'run', args: dev });
  t.deepEqual(answered('setSizeVirt', { ...dev, size: '8', jFile: '/j' }), { Status: 'Failure', ErrorDescription: ['XENAPI_PLUGIN_FAILURE', 'setSizeVirt', 'KeyError', "'jfile'"] });
  t.deepEqual(answered('setSizeVirt', { ...dev, size: '8', jfile: '/j', jFile: '/j', vdiType: 'vhd' }), { kind: 'run', args: { ...dev, size: '8', jfile: '/j' } });
  t.deepEqual(answered('listDrbdVolumes', { volume_group: 'linstor_group' }), { kind: 'run', args: { volume_group: 'linstor_group' } });
});

test('a pool cannot name a legacy plugin host it does not have', (t) => {
  const hosts = [{ name: 'host1', uuid: '00000000-0000-4000-8000-000000000001', address: '127.0.0.1', root: '/nonexistent/host1' }];
  t.throws(() => new XapiSimulator({ hosts, legacyPluginHosts: ['host2'], tcpPort: false }), { message: /legacyPluginHosts names hosts not in the pool: host2/ });
  t.deepEqual([...new XapiSimulator({ hosts, legacyPluginHosts: ['host1'], tcpPort: false }).legacyPluginHosts], ['host1']);
});

test('a mixed pool through XAPI: host2 answers as the pre-2026 plugin whatever the caller sends, host1 answers each caller in its own protocol', async (t) => {
  t.timeout(5 * 60_000);
  const f = await srFixture(t, { hosts: 2, redundancy: 2, legacyPluginHosts: ['host2'] });
  await seedVhdChain(f.pool, f.groupName, 'host1', { parent: PARENT, child: CHILD, garbage: GARBAGE });
  const kv = await f.linstor.keyValueStore.props(`xcp-sr-${f.groupName.replace('/', '_')}`);
  const dev = (uuid: string) => `/dev/drbd/by-res/${kv[`/xcp/volume/${uuid}/volume-name`] ?? kv[`xcp/volume/${uuid}/volume-name`]}/0`;
  // 3 sectors of guest data in the child: what coalesce merges (again each time: the count stays).
  const chain = await openChain({ root: f.pool.runtime.host('host1').spec.root }, dev(CHILD), { writable: true });
  await writeChain(chain, 5 * MIB, Buffer.alloc(1536, 0x6b));
  await chain.close();
  const on = (host: string, shape: Shape, fn: string, devicePath: string, extra: Record<string, string> = {}) =>
    callPlugin(f.pool, host, fn, { devicePath, groupName: f.groupName, ...SHAPES[shape], ...extra });

  // getInfo: only the 2026 plugin has it; getVHDInfo answers the same JSON everywhere.
  const info = await on('host1', 'old', 'getVHDInfo', dev(CHILD), { includeParent: 'True' });
  t.is(await on('host1', 'cow', 'getInfo', dev(CHILD), { includeParent: 'True' }), info);
  for (const shape of ['old', 'cow'] as const) {
    t.deepEqual(await xapiError(on('host2', shape, 'getInfo', dev(CHILD), { includeParent: 'True' })), ['UNKNOWN_XENAPI_PLUGIN_FUNCTION', 'getInfo'], `${shape} caller`);
    t.is(await on('host2', shape, 'getVHDInfo', dev(CHILD), { includeParent: 'True' }), info, `${shape} caller`);
  }
  const getInfoRun = f.pool.xapi.executions.findLast((e) => e.host === 'host2' && e.name === 'getInfo');
  t.like(getInfoRun, { kind: 'plugin', durationMs: 0, outcome: { kind: 'error', code: 'UNKNOWN_XENAPI_PLUGIN_FUNCTION' } }, 'answered by the older plugin itself');

  // check: a CheckResult only from host1 to a 2026 caller; 'True' (or a failure) otherwise.
  const checkArgs = { ignoreMissingFooter: 'False', fast: 'False' };
  t.is(await on('host1', 'old', 'check', dev(CHILD), checkArgs), 'True');
  t.is(await on('host1', 'cow', 'check', dev(CHILD), checkArgs), '0');
  t.is(await on('host2', 'old', 'check', dev(CHILD), checkArgs), 'True');
  t.is(await on('host2', 'cow', 'check', dev(CHILD), checkArgs), 'True', 'vdiType ignored');
  const absent = '/dev/drbd/by-res/xcp-volume-absent/0';
  t.is(await on('host1', 'cow', 'check', absent, checkArgs), '2', 'CheckResult.Unavailable');
  t.is((await xapiError(on('host2', 'cow', 'check', absent, checkArgs)))[0], 'XENAPI_PLUGIN_FAILURE', 'the older plugin raises');
  const sent = f.pool.xapi.executions.findLast((e) => e.host === 'host2' && e.name === 'check');
  t.false('vdiType' in decodePluginCall([sent?.argv[1] ?? '']).args, 'the plugin never sees vdiType');

  // coalesce: bytes only from host1 to a 2026 caller; the sector count otherwise.
  t.is(await on('host1', 'cow', 'coalesce', dev(CHILD)), '1536');
  t.is(await on('host1', 'old', 'coalesce', dev(CHILD)), '3');
  t.is(await on('host2', 'cow', 'coalesce', dev(CHILD)), '3', 'vdiType ignored: sectors');
  t.is(await on('host2', 'old', 'coalesce', dev(CHILD)), '3');
  const parent = await openChain({ root: f.pool.runtime.host('host2').spec.root }, dev(PARENT));
  t.deepEqual(await readChain(parent, 5 * MIB, 1536), Buffer.alloc(1536, 0x6b), 'merged into the parent');
  await parent.close();

  // setSizeVirt: the journal argument is `jfile` on the older plugin; `jFile` alone is a KeyError there.
  // (Room to grow: a BAT for 64 MiB, as the driver preallocates one for 2 TiB.)
  await createVhd({ root: f.pool.runtime.host('host1').spec.root }, dev(GARBAGE), { sizeBytes: 16 * MIB, maxSizeBytes: 64 * MIB });
  const size = (n: number) => ({ size: String(n * MIB) });
  t.is(await on('host1', 'cow', 'setSizeVirt', dev(GARBAGE), { ...size(20), jFile: '/tmp/j.jvhd' }), '');
  t.is(await on('host1', 'old', 'setSizeVirt', dev(GARBAGE), { ...size(22), jfile: '/tmp/j.jvhd' }), '');
  t.deepEqual(await xapiError(on('host2', 'cow', 'setSizeVirt', dev(GARBAGE), { ...size(24), jFile: '/tmp/j.jvhd' })), ['XENAPI_PLUGIN_FAILURE', 'setSizeVirt', 'KeyError', "'jfile'"]);
  t.is(await on('host2', 'cow', 'setSizeVirt', dev(GARBAGE), { ...size(24), jfile: '/tmp/j.jvhd', jFile: '/tmp/j.jvhd' }), '', 'jFile beside jfile is ignored');
  t.is(await on('host2', 'old', 'setSizeVirt', dev(GARBAGE), { ...size(26), jfile: '/tmp/j.jvhd' }), '');
  t.is(JSON.parse(await on('host2', 'old', 'getVHDInfo', dev(GARBAGE), { includeParent: 'False' }))['sizeVirt'], 26 * MIB);

  // Not a cowutil function: the same on both hosts.
  t.is(await callPlugin(f.pool, 'host2', 'getDrbdOpeners', { resourceName: 'xcp-volume-absent' }), '{}');
  t.true(isXapiError(await t.throwsAsync(callPlugin(f.pool, 'host2', 'getInfo', {})), 'UNKNOWN_XENAPI_PLUGIN_FUNCTION'));
});
