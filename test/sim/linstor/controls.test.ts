// The /sim/… controls over HTTP: what a standalone simulator offers tests and the pool simulator.
import test from 'ava';
import { createLinstorClient, LinstorApiError, LinstorHttp, LinstorNetworkError, makeRetCode, RC } from '../../../lib/linstor/index.js';
import { startEnv } from './sim-env.js';

async function control(url: string, method: string, path: string, body?: unknown): Promise<unknown> {
  const res = await fetch(url + path, { method, body: body === undefined ? null : JSON.stringify(body), headers: { 'content-type': 'application/json' } });
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
  return res.json();
}

test('fail only the k-th matching request, by route template, with a given status and ApiCallRc', async (t) => {
  const { client, sim } = await startEnv(t);
  const retCode = makeRetCode('error', RC.FAIL_NOT_ALL_UPTODATE, 0x0200_0000n, 0x30_0000n);
  await control(sim.url, 'POST', '/sim/faults', {
    method: 'PUT',
    path: '/v1/key-value-store/{instance}',
    nth: 2,
    status: 500,
    ret_code: retCode.toString(),
    message: 'Cannot resize volume, because we have a non-UpToDate DRBD device.',
  });
  await client.keyValueStore.modify('kv', { override_props: { a: '1' } });
  const error = await t.throwsAsync(client.keyValueStore.modify('kv', { override_props: { b: '2' } }), { instanceOf: LinstorApiError });
  t.is(error.retCodes[0]!.ret_code, retCode);
  await client.keyValueStore.modify('kv', { override_props: { c: '3' } });
  t.deepEqual(await client.keyValueStore.props('kv'), { a: '1', c: '3' });
});

test('fail the next N requests of any kind, then recover; counters count by method and template', async (t) => {
  const { client, sim } = await startEnv(t);
  await control(sim.url, 'POST', '/sim/faults', { count: 2, status: 503 });
  await t.throwsAsync(client.nodes.list(), { instanceOf: Error });
  await t.throwsAsync(client.resourceGroups.get('DfltRscGrp'), { instanceOf: Error });
  t.is((await client.resourceGroups.get('dfltrscgrp')).name, 'DfltRscGrp');
  const counters = (await control(sim.url, 'GET', '/sim/counters')) as { total: number; byRoute: Record<string, number> };
  t.deepEqual(counters, { total: 3, byRoute: { 'GET /v1/nodes': 1, 'GET /v1/resource-groups/{resource_group}': 2 } });
  await control(sim.url, 'DELETE', '/sim/counters');
  t.is(sim.controls.counters().total, 0);
});

test("counters per client process: the pid a User-Agent names, this process's by default, in order; others not credited", async (t) => {
  const { client, sim } = await startEnv(t);
  const other = createLinstorClient({ controllers: [sim.url], userAgent: 'linstor-sr (pid 4242)' });
  t.teardown(() => other.close());
  const anonymous = createLinstorClient({ controllers: [sim.url], userAgent: 'PythonLinstor/1.0' });
  t.teardown(() => anonymous.close());
  await client.nodes.list();
  await other.resourceGroups.get('DfltRscGrp');
  await anonymous.nodes.list();
  await client.keyValueStore.modify('kv', { override_props: { a: '1' } });
  t.deepEqual(sim.controls.countersOf(process.pid), {
    total: 2,
    byRoute: { 'GET /v1/nodes': 1, 'PUT /v1/key-value-store/{instance}': 1 },
    sequence: ['GET /v1/nodes', 'PUT /v1/key-value-store/{instance}'],
  });
  t.is(sim.controls.countersOf(4242).total, 1);
  t.is(sim.controls.counters().total, 4, 'the pool-wide counters count every request');
  sim.controls.resetCounters();
  t.is(sim.controls.countersOf(process.pid).total, 0);
});

test('latency, in-use marking and reset through HTTP', async (t) => {
  const { client, sim, dir } = await startEnv(t);
  await client.nodes.create({ name: 'h1', type: 'Combined', net_interfaces: [{ name: 'default', address: '127.0.0.1' }] });
  await client.storagePools.create('h1', { storage_pool_name: 'sp1', provider_kind: 'LVM', props: { 'StorDriver/StorPoolName': 'linstor_group' } });
  await client.resourceDefinitions.create({ resource_definition: { name: 'r1' } });
  await client.volumeDefinitions.create('r1', { volume_definition: { size_kib: 4096 } });
  await client.resources.createOn('r1', 'h1', { resource: { props: { StorPoolName: 'sp1' } } });
  await control(sim.url, 'PUT', '/sim/resources/r1/h1', { in_use: true });
  t.is((await client.resources.get('r1', 'h1')).state?.in_use, true);
  await control(sim.url, 'PUT', '/sim/latency', { ms: 150 });
  const started = performance.now();
  await client.nodes.list();
  t.true(performance.now() - started >= 140);
  await control(sim.url, 'POST', '/sim/reset');
  t.deepEqual(await client.nodes.list(), []);
  t.is(sim.controls.latencyMs, 0);
  const { access } = await import('node:fs/promises');
  await t.throwsAsync(access(`${dir}/hosts/h1/dev/drbd1000`), { code: 'ENOENT' });
});

test('refuse connections now: the controller looks down until it accepts again', async (t) => {
  const { sim } = await startEnv(t);
  const http = new LinstorHttp({ controllers: [sim.url], connectTimeoutMs: 500 });
  t.teardown(() => http.close());
  await http.request('GET', '/v1/controller/version');
  await control(sim.url, 'POST', '/sim/refuse', {});
  await new Promise((r) => setTimeout(r, 50));
  const error = await t.throwsAsync(http.request('GET', '/v1/controller/version'), { instanceOf: LinstorNetworkError });
  t.is((error.cause as { code?: string }).code, 'ECONNREFUSED');
  await sim.acceptConnections();
  t.is((await http.request('GET', '/v1/controller/version')).status, 200);
  await control(sim.url, 'POST', '/sim/refuse', { for_ms: 300 });
  await new Promise((r) => setTimeout(r, 50));
  await t.throwsAsync(http.request('GET', '/v1/controller/version'), { instanceOf: LinstorNetworkError });
  await new Promise((r) => setTimeout(r, 600));
  t.is((await http.request('GET', '/v1/controller/version')).status, 200, 'back by itself after for_ms');
});

test('a JSON parse error answers API_CALL_PARSE_ERROR: 400 on synchronous endpoints, 500 on reactive ones', async (t) => {
  const { sim } = await startEnv(t);
  const post = (path: string) => fetch(sim.url + path, { method: 'POST', body: '{"broken"', headers: { 'content-type': 'application/json' } });
  const sync = await post('/v1/resource-definitions');
  t.is(sync.status, 400);
  t.regex(await sync.text(), /^\[\{"ret_code":-3458764513820540931,"message":"Unable to parse input json\."/);
  const reactive = await post('/v1/resource-definitions/r1/autoplace');
  t.is(reactive.status, 500);
});

test('a node can report VERSION_MISMATCH and go back ONLINE through HTTP', async (t) => {
  const { client, sim } = await startEnv(t);
  await client.nodes.create({ name: 'h1', type: 'Combined', net_interfaces: [{ name: 'default', address: '127.0.0.1' }] });
  await control(sim.url, 'PUT', '/sim/nodes/h1', { connection_status: 'VERSION_MISMATCH' });
  t.is((await client.nodes.get('h1')).connection_status, 'VERSION_MISMATCH');
  await control(sim.url, 'PUT', '/sim/nodes/h1', { connection_status: 'ONLINE' });
  t.is((await client.nodes.get('h1')).connection_status, 'ONLINE');
  await t.throwsAsync(control(sim.url, 'PUT', '/sim/nodes/h1', { connection_status: 'SOMETHING' }), { message: /400/ });
});
