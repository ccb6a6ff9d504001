// Process tests: the built dist/linstor-kv-tool given bad input — a group name that is no LINSTOR name,
// a controller answering JSON of the wrong shape — must fail with one clear line, never a TypeError.
import test, { type ExecutionContext } from 'ava';
import { execa } from 'execa';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { startEnv } from '../sim/linstor/sim-env.js';
import { dist } from '../helpers/run-built.js';

const KV = 'xcp-sr-linstor_group_thin_device';
const U1 = '11111111-0000-4000-8000-000000000001';

/** Runs the tool against the controller at `uri`, logging to a private file. */
async function kvTool(t: ExecutionContext, uri: string, args: readonly string[]) {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'kv-tool-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const r = await execa(dist('linstor-kv-tool'), ['-u', uri, ...args], {
    reject: false,
    extendEnv: false,
    stripFinalNewline: false,
    env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', LINSTOR_SR_ROOT: dir, LINSTOR_SR_LOG_FILE: path.join(dir, 'SMlog') },
  });
  return { stdout: String(r.stdout), stderr: String(r.stderr), code: r.exitCode };
}

/** A controller that answers every request with `body` (200, JSON); `requests` counts what it got. */
async function fakeController(t: ExecutionContext, body: string): Promise<{ uri: string; requests: string[] }> {
  const requests: string[] = [];
  const server = createServer((req, res) => {
    requests.push(`${req.method} ${req.url}`);
    req.resume();
    req.on('end', () => res.writeHead(200, { 'content-type': 'application/json' }).end(body));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return { uri: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, requests };
}

const BAD_NAMES = ['../../etc', '..', 'a/b', 'xcp-sr-a..b', '-rf', '.hidden', '+x', 'x y', 'x;id', 'vg\u00e9'];

test('a group name that is not an LVM/LINSTOR name is refused before any request', async (t) => {
  const controller = await fakeController(t, '[]');
  for (const name of BAD_NAMES) {
    for (const action of [['--dump-volumes'], ['--remove-all-volumes'], ['--remove-volume', U1]]) {
      const r = await kvTool(t, controller.uri, [`--group-name=${name}`, ...action]);
      t.is(r.code, 2, `${JSON.stringify(name)} ${action[0]}: ${r.stderr}`);
      t.is(r.stdout, '');
      t.true(r.stderr.endsWith(`linstor-kv-tool: error: invalid group name ${JSON.stringify(name)}: it starts with a letter, a digit or _ and holds only letters, digits and _ + . - (no "..")\n`), r.stderr);
    }
  }
  t.deepEqual(controller.requests, [], 'no request reached the controller');
});

test('valid group names reach the LINSTOR simulator', async (t) => {
  const { sim, client } = await startEnv(t);
  await client.keyValueStore.modify(KV, { override_props: { [`xcp/volume/${U1}/volume-name`]: 'xcp-volume-aaaa' } });
  const dump = await kvTool(t, sim.url, ['-g', KV, '--dump-volumes']);
  t.is(dump.code, 0, dump.stderr);
  t.is(dump.stdout, `{\n  "xcp/volume/${U1}/volume-name": "xcp-volume-aaaa"\n}\n`);
  for (const name of ['_x', '0vg', 'VG.1+2-3', 'linstor_group']) {
    const r = await kvTool(t, sim.url, ['-g', name, '--dump-volumes']);
    t.is(r.code, 0, `${name}: ${r.stderr}`);
    t.is(r.stdout, '{}\n');
  }
});

/** Key-value-store list answers of the wrong shape, and the reason the tool must give. */
const MALFORMED: readonly [string, RegExp][] = [
  ['{"name":"x"}', /key-value-store list: expected a JSON array/],
  ['[null]', /key-value-store list: entry 0 is null, not an object/],
  ['[42]', /key-value-store list: entry 0 is a number, not an object/],
  ['[{"props":{}}]', /key-value-store list: entry 0 has no name/],
  [`[{"name":"other"},{"name":7,"props":{}}]`, /key-value-store list: entry 1 has a name that is a number/],
  [`[{"name":"${KV}","props":"abc"}]`, /key-value-store list: entry 0 \("xcp-sr-linstor_group_thin_device"\) has props that are a string, not an object/],
  [`[{"name":"${KV}","props":["a"]}]`, /entry 0 \("xcp-sr-linstor_group_thin_device"\) has props that are an array, not an object/],
  [`[{"name":"${KV}","props":{"xcp/sr/metadata":{"a":1}}}]`, /entry 0 \("xcp-sr-linstor_group_thin_device"\) has prop "xcp\/sr\/metadata" that is an object, not a string/],
  ['not json', /not JSON/],
];

for (const [body, reason] of MALFORMED) {
  test(`a key-value-store answer ${body}: one line naming what is wrong, exit 1, nothing written`, async (t) => {
    const controller = await fakeController(t, body);
    for (const action of [['--dump-volumes'], ['--remove-all-volumes'], ['--remove-volume', U1]]) {
      const r = await kvTool(t, controller.uri, ['-g', KV, ...action]);
      t.is(r.code, 1, `${action[0]}: ${r.stderr}`);
      t.is(r.stdout, '');
      t.regex(r.stderr, /^linstor-kv-tool: [^\n]+ \(GET http:\/\/127\.0\.0\.1:\d+\/v1\/key-value-store\)\n$/, 'one line naming the request');
      t.regex(r.stderr, reason);
      t.notRegex(r.stderr, /TypeError|Cannot read|is not a function|\n\s+at /);
    }
    t.true(controller.requests.every((r) => r.startsWith('GET ')), 'no change was sent');
  });
}
