// Process tests: the built dist/linstor-kv-tool run on a simulated host as an operator runs it.
import test from 'ava';
import { execa } from 'execa';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { setHostPower } from '../../sim/pool/failover.js';
import type { SimPool } from '../../sim/pool/pool.js';
import { controllerOn, seedResource, tmpPool } from '../sim/pool/helpers.js';
import { tool } from '../../sim/fixtures/host-tool.js';

const TOOL = path.join(path.dirname(fileURLToPath(import.meta.url)), '../../dist/linstor-kv-tool');
const KV = 'xcp-sr-linstor_group_thin_device';
const U1 = '11111111-0000-4000-8000-000000000001';
const U2 = '11111111-0000-4000-8000-000000000002';

async function run(pool: SimPool, host: string, args: string[]) {
  const h = pool.spec.hosts.find((x) => x.name === host)!;
  const r = await execa(TOOL, args, {
    reject: false,
    extendEnv: false,
    stripFinalNewline: false,
    env: { PATH: pool.pathFor(host), LINSTOR_SR_ROOT: h.root, LINSTOR_SR_XAPI_SOCKET: pool.xapiSockets[host]!, LINSTOR_SR_TIME_SCALE: '0.01' },
  });
  return { stdout: String(r.stdout), stderr: String(r.stderr), code: r.exitCode };
}

test('dump, remove one volume, remove all volumes — finding the controller itself, with a node offline and a replica degraded', async (t) => {
  t.timeout(5 * 60_000);
  const pool = await tmpPool(t, 3);
  const api = await controllerOn(pool, 'host1');
  await seedResource(api, pool, 'xcp-volume-aaaa', ['host1', 'host2']);
  await pool.runtime.controller.sim!.setResourceState('xcp-volume-aaaa', 'host2', { diskState: 'Outdated' });
  await setHostPower(pool.runtime, pool.xapi, 'host3', false);
  // Keys as the Python driver writes them (leading '/') and as LINSTOR lists them (without).
  await api.keyValueStore.modify(KV, {
    override_props: {
      [`/xcp/volume/${U1}/volume-name`]: 'xcp-volume-aaaa',
      [`/xcp/volume/${U1}/not-exists`]: '0',
      [`/xcp/volume/${U2}/volume-name`]: 'xcp-volume-bbbb',
      [`/xcp/volume/${U2}/metadata`]: '{"name_label": "d\u00e9j\u00e0"}',
      '/xcp/sr/journal/clone/abc': 'x',
      '/xcp/sr/metadata': '{"name_label": "XOSTOR"}',
    },
  });

  const all = await run(pool, 'host2', ['-g', KV, '--dump-volumes']);
  t.is(all.code, 0, all.stderr);
  t.is(
    all.stdout,
    [
      '{',
      '  "xcp/sr/journal/clone/abc": "x",',
      '  "xcp/sr/metadata": "{\\"name_label\\": \\"XOSTOR\\"}",',
      `  "xcp/volume/${U1}/not-exists": "0",`,
      `  "xcp/volume/${U1}/volume-name": "xcp-volume-aaaa",`,
      `  "xcp/volume/${U2}/metadata": "{\\"name_label\\": \\"d\\u00e9j\\u00e0\\"}",`,
      `  "xcp/volume/${U2}/volume-name": "xcp-volume-bbbb"`,
      '}',
      '',
    ].join('\n'),
    'json.dumps(sort_keys=True, indent=2), ASCII only',
  );
  const volumes = await run(pool, 'host1', ['-u', pool.runtime.controller.url()!, '-g', KV, '-n', '/xcp/volume', '--dump-volumes']);
  t.deepEqual(Object.keys(JSON.parse(volumes.stdout)), [`${U1}/not-exists`, `${U1}/volume-name`, `${U2}/metadata`, `${U2}/volume-name`], 'keys relative to the namespace');
  t.is((await run(pool, 'host1', ['-g', 'xcp-sr-other', '--dump-volumes'])).stdout, '{}\n', 'an unknown KV is empty');

  t.is((await run(pool, 'host2', ['-g', KV, '--remove-volume', U1])).code, 0);
  t.deepEqual(Object.keys(await api.keyValueStore.props(KV)).sort(), ['xcp/sr/journal/clone/abc', 'xcp/sr/metadata', `xcp/volume/${U2}/metadata`, `xcp/volume/${U2}/volume-name`]);
  t.is((await run(pool, 'host2', ['-g', KV, '--remove-all-volumes'])).code, 0);
  t.deepEqual(Object.keys(await api.keyValueStore.props(KV)), ['xcp/sr/metadata'], "the SR's own keys stay");

  // Usage errors: argparse's exit status 2, nothing touched.
  for (const args of [['--dump-volumes'], ['-g', KV], ['-g', KV, '--dump-volumes', '--remove-all-volumes'], ['-g', KV, '--remove-volume', '../sr']]) {
    const r = await run(pool, 'host2', args);
    t.is(r.code, 2, args.join(' '));
    t.regex(r.stderr, /^usage: linstor-kv-tool/);
  }
  t.regex((await run(pool, 'host2', ['-h'])).stdout, /--remove-all-volumes/);
  // The controller down: a clear failure.
  await tool(pool, 'host1', 'systemctl', ['stop', 'linstor-controller']);
  const down = await run(pool, 'host2', ['-g', KV, '--dump-volumes']);
  t.is(down.code, 1);
  t.regex(down.stderr, /linstor-kv-tool: no LINSTOR controller found/);
  t.is(down.stdout, '');
});
