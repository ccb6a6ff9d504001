import test from 'ava';
import { execa } from 'execa';
import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { moveController, setHostPower } from '../../../sim/pool/failover.js';
import { callPlugin } from '../../../sim/fixtures/plugin.js';
import { createSr, THIN } from '../../../sim/fixtures/sr-create.js';
import { linstorOf } from '../../../sim/fixtures/linstor.js';
import { startFixture } from '../../../sim/fixtures/pool-session.js';
import { tool } from '../../../sim/fixtures/host-tool.js';

const DIST = path.join(path.dirname(fileURLToPath(import.meta.url)), '../../../dist');
const MIB = 1024 * 1024;

test('after a controller move the driver, plugin and tools find it again; a verb caught by the move fails cleanly and succeeds when retried; a host down leaves the others working', async (t) => {
  t.timeout(10 * 60_000);
  const f = await startFixture(t, 3);
  const sr = await createSr(f, THIN);
  const a = await f.xapi.vdi.create({ SR: sr, virtual_size: 16 * MIB, name_label: 'a' });
  const first = f.pool.runtime.controller.runningOn!;
  const second = ['host1', 'host2', 'host3'].find((h) => h !== first)!;
  const address = (h: string) => f.pool.spec.hosts.find((x) => x.name === h)!.address;

  t.deepEqual(await moveController(f.pool.runtime, second), { from: first, to: second });
  t.is(f.pool.runtime.primaryOf('xcp-persistent-database'), second, 'the database is Primary where the controller runs');
  t.false(f.pool.runtime.host(first).mounts.has('/var/lib/linstor'));
  const b = await f.xapi.vdi.create({ SR: sr, virtual_size: 8 * MIB, name_label: 'b' });
  await f.xapi.vdi.resize(a, 24 * MIB);
  await f.xapi.sr.scan(sr);
  const health = JSON.parse(await callPlugin(f.pool, 'host1', 'healthCheck', { groupName: THIN['group-name'] })) as { 'controller-uri': string; errors: unknown[] };
  t.is(health['controller-uri'], `linstor://${address(second)}`);
  t.deepEqual(health.errors, []);
  const h3 = f.pool.spec.hosts[2]!;
  const kv = await execa(path.join(DIST, 'linstor-kv-tool'), ['-g', 'xcp-sr-linstor_group_thin_device', '--dump-volumes'], {
    reject: false, extendEnv: false, env: { PATH: f.pool.pathFor('host3'), LINSTOR_SR_ROOT: h3.root, LINSTOR_SR_XAPI_SOCKET: f.pool.xapiSockets['host3']!, LINSTOR_SR_TIME_SCALE: '0.01' },
  });
  t.is(kv.exitCode, 0, String(kv.stderr));
  t.true(String(kv.stdout).includes(`xcp/volume/${await f.xapi.vdi.getUuid(b)}/volume-name`), 'the tool found the moved controller');

  // The controller goes away after a few requests of a VDI.create: the verb fails with an SR error, and
  // once drbd-reactor has started the controller elsewhere the same call succeeds.
  f.pool.runtime.controller.sim!.controls.refuseFromNth(3);
  const caught = await f.xapi.vdi.create({ SR: sr, virtual_size: 8 * MIB, name_label: 'c' }).then(
    () => undefined,
    (e: { code?: string; params?: string[] }) => e,
  );
  t.truthy(caught, 'the caught verb failed');
  t.is(caught?.code, 'SR_BACKEND_FAILURE_47', `SRUnavailable, got ${JSON.stringify(caught)}`);
  await moveController(f.pool.runtime, first);
  const c = await f.xapi.vdi.create({ SR: sr, virtual_size: 8 * MIB, name_label: 'c' });
  await f.xapi.sr.scan(sr);
  const labels = Object.values(await f.xapi.vdi.recordsOfSr(sr)).map((r) => r.name_label).sort();
  t.deepEqual(labels, ['a', 'b', 'c'], 'one c, nothing left from the failed attempt');
  const linstor = linstorOf(f.pool);
  const volumes = new Set((await linstor.resources.view()).map((r) => r.name).filter((n) => n.startsWith('xcp-volume-')));
  t.is(volumes.size, 3, 'three volumes in LINSTOR');

  // A member powered off: its satellite is offline and its tools fail; verbs needing other replicas work.
  const off = ['host2', 'host3'].find((h) => h !== f.pool.runtime.controller.runningOn)!;
  await setHostPower(f.pool.runtime, f.pool.xapi, off, false);
  t.is((await linstor.nodes.get(off)).connection_status, 'OFFLINE');
  t.regex((await tool(f.pool, off, 'drbdadm', ['status'])).stderr, /is down/);
  await t.throwsAsync(callPlugin(f.pool, off, 'hasControllerRunning'), { message: /HOST_OFFLINE/ });
  const d = await f.xapi.vdi.create({ SR: sr, virtual_size: 8 * MIB, name_label: 'd' });
  await f.xapi.vdi.destroy(c);
  await f.xapi.sr.scan(sr);
  t.deepEqual(Object.values(await f.xapi.vdi.recordsOfSr(sr)).map((r) => r.name_label).sort(), ['a', 'b', 'd']);
  await setHostPower(f.pool.runtime, f.pool.xapi, off, true);
  t.is((await linstor.nodes.get(off)).connection_status, 'ONLINE');
  t.is(await callPlugin(f.pool, off, 'hasControllerRunning'), 'False');
  await f.xapi.vdi.destroy(d);
  await linstor.close();

  // Verbs in flight while the controller moves: each succeeds or fails with SRUnavailable, and a retry
  // of the failed ones succeeds; no volume is lost or left over.
  const runs = f.pool.xapi.executions.length;
  const names = ['e1', 'e2', 'e3'];
  const inFlight = names.map((n) => f.xapi.vdi.create({ SR: sr, virtual_size: 8 * MIB, name_label: n }).then(() => undefined, (e: { code?: string }) => e.code ?? String(e)));
  while (f.pool.xapi.executions.length === runs) await new Promise((r) => setTimeout(r, 20));
  await moveController(f.pool.runtime, ['host1', 'host2', 'host3'].find((h) => h !== f.pool.runtime.controller.runningOn)!);
  const outcomes = await Promise.all(inFlight);
  t.log(`in-flight outcomes: ${JSON.stringify(outcomes)}`);
  t.true(outcomes.every((o) => o === undefined || o === 'SR_BACKEND_FAILURE_47'), `outcomes ${JSON.stringify(outcomes)}`);
  for (const [i, o] of outcomes.entries()) if (o !== undefined) await f.xapi.vdi.create({ SR: sr, virtual_size: 8 * MIB, name_label: names[i]! });
  await f.xapi.sr.scan(sr);
  t.deepEqual(Object.values(await f.xapi.vdi.recordsOfSr(sr)).map((r) => r.name_label).sort(), ['a', 'b', 'e1', 'e2', 'e3']);
  const after = linstorOf(f.pool);
  t.is(new Set((await after.resources.view()).map((r) => r.name).filter((n) => n.startsWith('xcp-volume-'))).size, 5, 'one volume per VDI');
  await after.close();
});

test('xostor-sim controller and host: clear errors, and a host powered off and on', async (t) => {
  const f = await startFixture(t, 3);
  await t.throwsAsync(moveController(f.pool.runtime, 'host2'), { message: /no xcp-persistent-database resource: create the SR first/ });
  await t.throwsAsync(moveController(f.pool.runtime, 'host9'), { message: /unknown host host9/ });
  await t.throwsAsync(setHostPower(f.pool.runtime, f.pool.xapi, 'host1', false), { message: /host1 is the pool master/ });
  t.like(await setHostPower(f.pool.runtime, f.pool.xapi, 'host2', false), { host: 'host2', up: false });
  t.is((await tool(f.pool, 'host2', 'systemctl', ['is-active', 'linstor-satellite'])).exitCode, 1, 'its tools do not answer');
  t.like(await setHostPower(f.pool.runtime, f.pool.xapi, 'host2', true), { host: 'host2', up: true });
  t.is((await tool(f.pool, 'host2', 'systemctl', ['is-active', 'linstor-satellite'])).exitCode, 0, 'booted with its enabled satellite');
});

test('the command line: xostor-sim controller/host on a running pool print one JSON line, or fail with the reason', async (t) => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'failover-cli-'));
  const sim = (args: string[]) => execa(path.join(DIST, 'xostor-sim'), args, { reject: false });
  const pool = execa(path.join(DIST, 'xostor-sim'), ['up', '--hosts', '3', '--dir', dir], { reject: false });
  t.teardown(async () => {
    await sim(['down', '--dir', dir]);
  });
  const info = await new Promise<{ hosts: Record<string, { root: string }> }>((resolve, reject) => {
    pool.stdout!.once('data', (chunk: Buffer) => resolve(JSON.parse(chunk.toString()) as { hosts: Record<string, { root: string }> }));
    void pool.then((r) => reject(new Error(`up exited: ${String(r.stderr)}`)));
  });
  const noDb = await sim(['controller', '--dir', dir, '--to', 'host2']);
  t.is(noDb.exitCode, 1);
  t.regex(String(noDb.stderr), /no xcp-persistent-database resource: create the SR first/);
  const down = await sim(['host', '--dir', dir, '--host', 'host2', 'down']);
  t.is(down.exitCode, 0, String(down.stderr));
  t.deepEqual(JSON.parse(String(down.stdout)), { host: 'host2', up: false });
  const satellite = await execa(path.join(info.hosts['host2']!.root, 'sim/bin/systemctl'), ['is-active', 'linstor-satellite'], { reject: false });
  t.regex(String(satellite.stderr), /host host2 is down/);
  t.regex(String((await sim(['host', '--dir', dir, '--host', 'host1', 'down'])).stderr), /host1 is the pool master/);
  t.regex(String((await sim(['host', '--dir', dir, '--host', 'host2', 'sideways'])).stderr), /usage: host --dir <dir> --host <h> down\|up/);
  t.deepEqual(JSON.parse(String((await sim(['host', '--dir', dir, '--host', 'host2', 'up'])).stdout)), { host: 'host2', up: true });
  t.is((await execa(path.join(info.hosts['host2']!.root, 'sim/bin/systemctl'), ['is-active', 'linstor-satellite'], { reject: false })).exitCode, 0);
});
