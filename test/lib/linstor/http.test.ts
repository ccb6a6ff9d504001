import test from 'ava';
import { spawn } from 'node:child_process';
import http from 'node:http';
import { createServer } from 'node:net';
import {
  createLinstorClient,
  LinstorApiError,
  LinstorHttp,
  LinstorNetworkError,
  LinstorNotFoundError,
  LinstorResponseError,
  LinstorTimeoutError,
  RC,
  hasRetCode,
  ignoreNotFound,
  isNotFound,
  retCodeCode,
} from '../../../lib/linstor/index.js';
import { startLinstorSim } from '../../../sim/linstor/simulator.js';
import { startEnv } from '../../sim/linstor/sim-env.js';

const unhandled: unknown[] = [];
process.on('unhandledRejection', (reason) => unhandled.push(reason));
test.after.always('no request ever leaves an unhandled rejection', (t) => {
  t.deepEqual(unhandled, []);
});

/** A port on 127.0.0.1 nobody listens on. */
async function deadPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

test('a 404 with an ApiCallRc list is a LinstorNotFoundError carrying the bare code and the URL', async (t) => {
  const { client, sim } = await startEnv(t);
  const error = await t.throwsAsync(client.resourceDefinitions.get('missing'), { instanceOf: LinstorNotFoundError });
  t.is(error.status, 404);
  t.is(error.retCodes[0]?.ret_code, -4611686018427387603n);
  t.true(error.hasCode(RC.FAIL_NOT_FOUND_RSC_DFN));
  t.is(error.url, `${sim.url}/v1/resource-definitions/missing`);
  t.is(error.method, 'GET');
  t.true(isNotFound(error));
  t.is(await ignoreNotFound(client.nodes.get('nobody')), undefined);
});

test('an injected 500 with a 64-bit ret_code keeps its exact value and code', async (t) => {
  const { client, sim } = await startEnv(t);
  const retCode = -4611686018406940171n;
  sim.controls.addFault({ method: 'POST', path: '/v1/resource-definitions', status: 500, retCode, message: 'A resource definition with the name r1 already exists' });
  const error = await t.throwsAsync(client.resourceDefinitions.create({ resource_definition: { name: 'r1' } }), { instanceOf: LinstorApiError });
  t.is(error.status, 500);
  t.is(error.retCodes[0]?.ret_code, retCode);
  t.is(retCodeCode(retCode), RC.FAIL_EXISTS_RSC_DFN);
  t.true(hasRetCode(error, RC.FAIL_EXISTS_RSC_DFN));
  t.false(hasRetCode(error, RC.FAIL_EXISTS_VLM_DFN));
  t.regex(error.message, /already exists/);
});

test('warnings on a 200 are returned, not thrown (delete of a missing RD)', async (t) => {
  const { client } = await startEnv(t);
  const rcs = await client.resourceDefinitions.delete('ghost');
  t.is(rcs.length, 1);
  t.is(retCodeCode(rcs[0]!.ret_code), RC.WARN_NOT_FOUND);
});

test('an HTML error page, malformed JSON and an unknown URL become typed errors', async (t) => {
  const { client, sim } = await startEnv(t);
  sim.controls.addFault({ path: '/v1/nodes', status: 502, rawBody: '<html><head><title>Bad Gateway</title></head></html>' });
  const html = await t.throwsAsync(client.nodes.list(), { instanceOf: LinstorResponseError });
  t.is(html.status, 502);
  t.regex(html.message, /HTTP status 502: Bad Gateway/);
  sim.controls.addFault({ path: '/v1/nodes', status: 200, rawBody: '[{"name": "n1",' });
  const broken = await t.throwsAsync(client.nodes.list(), { instanceOf: LinstorResponseError });
  t.true(broken.cause instanceof SyntaxError);
  t.regex(broken.body, /"n1"/);
  const http = new LinstorHttp({ controllers: [sim.url] });
  t.teardown(() => http.close());
  await t.throwsAsync(http.request('GET', '/v1/no-such-thing'), { instanceOf: LinstorNotFoundError });
});

test('a slow controller gives LinstorTimeoutError after the per-request timeout, without a retry', async (t) => {
  const { sim, client: patient } = await startEnv(t);
  const client = createLinstorClient({ controllers: [sim.url], timeoutMs: 300 });
  t.teardown(() => client.close());
  sim.controls.latencyMs = 2000;
  const started = performance.now();
  const error = await t.throwsAsync(client.controller.version(), { instanceOf: LinstorTimeoutError });
  t.true(performance.now() - started < 1500);
  t.is(error.timeoutMs, 300);
  t.is(client.stats().requests, 1);
  sim.controls.latencyMs = 0;
  t.is((await patient.controller.version()).rest_api_version, '1.28.0');
});

test('a refused connection on every controller is a LinstorNetworkError with the socket error as cause', async (t) => {
  const port = await deadPort();
  const client = createLinstorClient({ controllers: [`http://127.0.0.1:${port}`, `linstor://127.0.0.1:${port}`] });
  t.teardown(() => client.close());
  const error = await t.throwsAsync(client.nodes.list(), { instanceOf: LinstorNetworkError });
  t.regex(error.message, /unable to reach any LINSTOR controller/);
  t.is((error.cause as { code?: string }).code, 'ECONNREFUSED');
  t.is(client.stats().failovers, 1);
});

test('failover: the client moves to the second controller when the first is down, and stays there', async (t) => {
  const first = await startLinstorSim();
  const second = await startLinstorSim();
  t.teardown(async () => {
    await first.close();
    await second.close();
  });
  const client = createLinstorClient({ controllers: [first.url, second.url] });
  t.teardown(() => client.close());
  await client.keyValueStore.modify('xcp-sr-g', { override_props: { a: '1' } });
  t.is(client.origin, first.url);
  first.refuseConnections();
  await client.keyValueStore.modify('xcp-sr-g', { override_props: { b: '2' } });
  t.is(client.origin, second.url);
  t.deepEqual(await client.keyValueStore.props('xcp-sr-g'), { b: '2' });
  t.is(client.stats().failovers, 1);
  await first.acceptConnections();
  await client.keyValueStore.list();
  t.is(client.origin, second.url, 'no switching back while the second answers');
  t.is(second.controls.counters().total, 3);
});

/** A port whose accept queue is full (python3 listens and never accepts): a connect there hangs. */
async function hangingPort(t: { teardown(fn: () => void): void }): Promise<number> {
  const script = [
    'import socket, time',
    "s = socket.socket(); s.bind(('127.0.0.1', 0)); s.listen(0)",
    'fill = [socket.socket() for _ in range(4)]',
    'for c in fill:',
    '    c.setblocking(False)',
    "    try: c.connect(('127.0.0.1', s.getsockname()[1]))",
    '    except BlockingIOError: pass',
    'print(s.getsockname()[1], flush=True)',
    'time.sleep(60)',
  ].join('\n');
  const py = spawn('python3', ['-c', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  t.teardown(() => py.kill());
  const port = await new Promise<number>((resolve, reject) => {
    py.once('error', reject);
    py.stdout.once('data', (d: Buffer) => resolve(Number(String(d).trim())));
  });
  await new Promise((r) => setTimeout(r, 200)); // the kernel completes the filling connects
  return port;
}

test('a controller whose connect hangs is left after connectTimeoutMs for the next one, whatever the method', async (t) => {
  const port = await hangingPort(t);
  const sim = await startLinstorSim();
  t.teardown(() => sim.close());
  const client = createLinstorClient({ controllers: [`http://127.0.0.1:${port}`, sim.url], connectTimeoutMs: 300 });
  t.teardown(() => client.close());
  await client.resourceGroups.create({ name: 'g1' });
  t.is(client.origin, sim.url);
  t.like(client.stats(), { failovers: 1, retries: 0 });
  t.is(sim.controls.counters().byRoute['POST /v1/resource-groups'], 1, 'sent once, to the controller that answered');
});

test('an IPv6 controller URI is reached (the brackets are the URI\'s, not the host\'s)', async (t) => {
  const server = http.createServer((_req, res) => res.end('[]'));
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(0, '::1', resolve));
  t.teardown(() => server.close());
  const client = createLinstorClient({ controllers: [`linstor://[::1]:${(server.address() as { port: number }).port}`] });
  t.teardown(() => client.close());
  t.deepEqual(await client.nodes.list(), []);
});

test('a connection dropped mid-request is retried once for idempotent requests only', async (t) => {
  const { client, sim } = await startEnv(t);
  sim.controls.addFault({ method: 'GET', path: '/v1/nodes', drop: true });
  t.deepEqual(await client.nodes.list(), []);
  t.is(client.stats().retries, 1);
  sim.controls.addFault({ method: 'POST', path: '/v1/resource-groups', drop: true });
  await t.throwsAsync(client.resourceGroups.create({ name: 'g1' }), { instanceOf: LinstorNetworkError, message: /non-idempotent/ });
  t.is(sim.controls.counters().byRoute['POST /v1/resource-groups'], 1);
});

test('controller down from the k-th request on: the k-th and later requests fail over', async (t) => {
  const first = await startLinstorSim();
  const second = await startLinstorSim();
  t.teardown(async () => {
    await first.close();
    await second.close();
  });
  const client = createLinstorClient({ controllers: [first.url, second.url] });
  t.teardown(() => client.close());
  first.controls.refuseFromNth(2);
  await client.controller.version();
  await client.controller.version();
  await client.controller.version();
  t.is(first.controls.counters().total, 2, 'the second request reached the first controller and was cut');
  t.is(second.controls.counters().total, 2);
  t.is(client.origin, second.url);
});

test('bodies of 1000 bytes or more come gzip-compressed when asked for, and the client reads them', async (t) => {
  const { sim, client } = await startEnv(t);
  for (let i = 0; i < 20; i += 1) await client.keyValueStore.modify(`kv${i}`, { override_props: { [`key/${i}`]: 'v'.repeat(50) } });
  const gzipClient = createLinstorClient({ controllers: [sim.url], gzip: true });
  t.teardown(() => gzipClient.close());
  t.is((await gzipClient.keyValueStore.list()).length, 20);
  const { request } = await import('node:http');
  const encoding = await new Promise<string | undefined>((resolve, reject) => {
    request(`${sim.url}/v1/key-value-store`, { headers: { 'accept-encoding': 'gzip' } }, (res) => {
      res.resume();
      resolve(res.headers['content-encoding']);
    })
      .on('error', reject)
      .end();
  });
  t.is(encoding, 'gzip');
});
