import test from 'ava';
import { request } from 'node:http';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createXapi, EPOCH, fieldEquals, NULL_REF, type Xapi } from '../../../lib/xapi/index.js';
import { XapiSimulator } from '../../../sim/xapi/simulator.js';
import { createSr, startPool, type TestPool } from './helpers/pool.js';

const code = async (t: { throwsAsync: (p: Promise<unknown>) => Promise<unknown> }, p: Promise<unknown>): Promise<{ code: string; params: string[] }> =>
  (await t.throwsAsync(p)) as { code: string; params: string[] };

/** A session that carries `_sm_session = sr`, as xapi gives a driver (made directly in the DB). */
function smClient(pool: TestPool, sr: string): Xapi {
  const session = pool.sim.db.create('session', { auth_user_name: '__sm__backend', other_config: { _sm_session: sr } });
  return createXapi({ endpoint: { socketPath: pool.sim.host('host1').socketPath }, sessionRef: session });
}

test('hosts, PIFs on two networks, the pool and its master have XAPI\'s record shapes', async (t) => {
  const pool = await startPool(t, 2);
  const { xapi } = pool;
  t.is(await xapi.pool.getMaster(), pool.ref('host1'));
  const host2 = await xapi.host.getRecord(pool.ref('host2'));
  t.like(host2, { name_label: 'host2', hostname: 'host2', address: pool.sim.host('host2').address, enabled: true, uuid: pool.sim.host('host2').uuid });
  t.is(host2.PIFs.length, 2);
  const pifs = await Promise.all(host2.PIFs.map((p) => xapi.pif.getRecord(p)));
  const [mgmt, storage] = [pifs.find((p) => p.management), pifs.find((p) => !p.management)];
  t.like(mgmt, { IP: pool.sim.host('host2').address, device: 'eth0', currently_attached: true, netmask: '255.255.255.0', host: pool.ref('host2') });
  t.deepEqual(mgmt?.IPv6, []);
  t.truthy(storage?.IP);
  t.not(storage?.network, mgmt?.network);
  t.is(await xapi.host.getByUuid(pool.sim.host('host2').uuid), pool.ref('host2'));
  t.deepEqual(await xapi.host.getByNameLabel('host2'), [pool.ref('host2')]);
  const dom0s = await xapi.vm.getAllRecordsWhere('field "is_control_domain" = "true" and field "resident_on" = "' + pool.ref('host2') + '"');
  t.is(Object.keys(dom0s).length, 1);
  const [sm] = Object.values(await xapi.sm.byType('linstor'));
  t.like(sm, { type: 'linstor', driver_filename: '/opt/xensource/sm/LinstorSR', required_api_version: '1.0' });
  t.true(sm?.capabilities.includes('VDI_ACTIVATE'));
  t.false(sm?.capabilities.includes('ATOMIC_PAUSE'), 'xapi drops capability names it does not know');
});

test('bad sessions, refs, uuids, counts, methods and types get XAPI\'s errors', async (t) => {
  const pool = await startPool(t, 1);
  const { xapi } = pool;
  t.like(await code(t, xapi.client.callWithoutSession('VDI.get_all', 'OpaqueRef:bogus')), { code: 'SESSION_INVALID', params: ['OpaqueRef:bogus'] });
  t.like(await code(t, xapi.vdi.getRecord('OpaqueRef:nope')), { code: 'HANDLE_INVALID', params: ['VDI', 'OpaqueRef:nope'] });
  t.like(await code(t, xapi.host.getByUuid('00000000-0000-0000-0000-000000000000')), { code: 'UUID_INVALID', params: ['host', '00000000-0000-0000-0000-000000000000'] });
  t.like(await code(t, xapi.call('host.get_record')), { code: 'MESSAGE_PARAMETER_COUNT_MISMATCH', params: ['host.get_record', '2', '1'] });
  t.like(await code(t, xapi.call('host.fly_away', 'x')), { code: 'MESSAGE_METHOD_UNKNOWN', params: ['host.fly_away'] });
  t.like(await code(t, xapi.call('host.set_name_label', pool.ref('host1'), true)), { code: 'FIELD_TYPE_ERROR' });
  t.like(await code(t, xapi.vdi.getAllRecordsWhere('field "SR" =')), { code: 'INTERNAL_ERROR' });
});

test('maps: add_to_ refuses a duplicate key (MAP_DUPLICATE_KEY), remove_from_ tolerates a missing one', async (t) => {
  const pool = await startPool(t, 1);
  const host = pool.ref('host1');
  await pool.xapi.host.addToMap(host, 'other_config', 'k', 'v1');
  t.like(await code(t, pool.xapi.host.addToMap(host, 'other_config', 'k', 'v2')), { code: 'MAP_DUPLICATE_KEY', params: ['host', 'other_config', host, 'k'] });
  await pool.xapi.host.putInMap(host, 'other_config', 'k', 'v2');
  await pool.xapi.host.removeFromMap(host, 'other_config', 'absent');
  t.deepEqual({ ...(await pool.xapi.host.get(host, 'other_config')) }, { k: 'v2' });
});

test('the SM-session-only calls are refused to other sessions (PERMISSION_DENIED) and allowed to the SR\'s SM session', async (t) => {
  const pool = await startPool(t, 1);
  const sr = await createSr(pool);
  const vdi = await pool.xapi.vdi.create({ SR: sr, virtual_size: 1 << 20 });
  t.like(await code(t, pool.xapi.vdi.setVirtualSize(vdi, 2 << 20)), { code: 'PERMISSION_DENIED' });
  t.like(await code(t, pool.xapi.sr.setPhysicalSize(sr, 1 << 30)), { code: 'PERMISSION_DENIED' });
  t.like(await code(t, pool.xapi.vdi.dbForget(vdi)), { code: 'PERMISSION_DENIED' });
  const other = await pool.xapi.sr.create({ host: pool.ref('host1'), deviceConfig: {}, nameLabel: 'other', type: 'linstor', shared: false });
  t.like(await code(t, smClient(pool, other).vdi.setVirtualSize(vdi, 2 << 20)), { code: 'PERMISSION_DENIED' });
  const sm = smClient(pool, sr);
  await sm.vdi.setVirtualSize(vdi, 10737418240);
  await sm.sr.setPhysicalSize(sr, 2n ** 40n);
  t.is(await pool.xapi.vdi.get(vdi, 'virtual_size'), '10737418240');
  t.is(await pool.xapi.sr.get(sr, 'physical_size'), '1099511627776');
});

test('VDI.db_introduce takes 19 arguments, checks the uuid and the location\'s uniqueness, and keeps every field', async (t) => {
  const pool = await startPool(t, 1);
  const sr = await createSr(pool);
  const sm = smClient(pool, sr);
  const fields = {
    uuid: '6d2b9c3e-4a8f-4c1e-9b2d-3f4a5b6c7d8e', name_label: 'intro', name_description: 'desc', SR: sr, type: 'user', sharable: false, read_only: true,
    other_config: { a: 'b' }, location: '6d2b9c3e-4a8f-4c1e-9b2d-3f4a5b6c7d8e', xenstore_data: {}, sm_config: { 'vhd-parent': 'x' }, managed: false,
    virtual_size: 3n * 2n ** 40n, physical_utilisation: 4096, metadata_of_pool: NULL_REF, is_a_snapshot: false, snapshot_time: EPOCH, snapshot_of: NULL_REF, cbt_enabled: false,
  };
  const ref = await sm.vdi.dbIntroduce(fields);
  const record = await pool.xapi.vdi.getRecord(ref);
  t.like(record, { uuid: fields.uuid, location: fields.location, read_only: true, managed: false, virtual_size: '3298534883328', physical_utilisation: '4096', SR: sr });
  t.deepEqual({ ...record.sm_config }, { 'vhd-parent': 'x' });
  t.is(record.snapshot_time.getTime(), 0);
  t.deepEqual(Object.keys(await pool.xapi.vdi.recordsOfSr(sr)), [ref]);
  t.like(await code(t, sm.vdi.dbIntroduce({ ...fields, uuid: '7d2b9c3e-4a8f-4c1e-9b2d-3f4a5b6c7d8e' })), { code: 'LOCATION_NOT_UNIQUE' });
  t.like(await code(t, sm.vdi.dbIntroduce({ ...fields, uuid: 'not-a-uuid', location: 'elsewhere' })), { code: 'UUID_INVALID' });
  t.like(await code(t, sm.call('VDI.db_introduce', 'only', 'three', 'args')), { code: 'MESSAGE_PARAMETER_COUNT_MISMATCH', params: ['VDI.db_introduce', '20', '4'] });
  await sm.vdi.dbForget(ref);
  t.deepEqual(await pool.xapi.vdi.getAll(), []);
});

test('ints travel as decimal strings and records filter with get_all_records_where', async (t) => {
  const pool = await startPool(t, 1);
  const sr = await createSr(pool);
  await pool.xapi.vdi.create({ SR: sr, virtual_size: 10737418240, name_label: 'big' });
  await pool.xapi.vdi.create({ SR: sr, virtual_size: 1024, name_label: 'small' });
  const where = await pool.xapi.vdi.getAllRecordsWhere(`${fieldEquals('SR', sr)} and not (field "name_label" = "small" or false)`);
  t.deepEqual(Object.values(where).map((r) => r.name_label), ['big']);
  const body = `<methodCall><methodName>VDI.get_all_records</methodName><params><param><value>${pool.xapi.client.sessionRef}</value></param></params></methodCall>`;
  const reply = await new Promise<string>((resolve, reject) => {
    const req = request({ socketPath: pool.sim.host('host1').socketPath, path: '/', method: 'POST' }, (res) => {
      let text = '';
      res.on('data', (c: Buffer) => (text += c.toString()));
      res.on('end', () => resolve(text));
    });
    req.on('error', reject);
    req.end(body);
  });
  t.true(reply.includes('<name>virtual_size</name><value>10737418240</value>'));
  t.false(reply.includes('<?xml'), 'xapi writes no XML declaration');
});

test('logins: trusted on a Unix socket, checked over TCP, HOST_IS_SLAVE on a member\'s TCP address; local login works anywhere', async (t) => {
  const pool = await startPool(t, 2);
  const tcp = (host: string) => createXapi({ endpoint: { url: pool.sim.endpoints(host).url ?? '' } });
  t.like(await code(t, tcp('host1').client.loginWithPassword('root', 'wrong')), { code: 'SESSION_AUTHENTICATION_FAILED' });
  t.like(await code(t, tcp('host2').client.loginWithPassword('root', 'secret')), { code: 'HOST_IS_SLAVE', params: [pool.sim.host('host1').address] });
  const unix = createXapi({ endpoint: { socketPath: pool.sim.host('host2').socketPath } });
  await unix.client.loginWithPassword('root', '', '1.0', 'SM');
  t.is(await unix.pool.getMaster(), pool.ref('host1'));
  const local = tcp('host2');
  const session = await local.client.slaveLocalLogin('root', 'secret');
  t.is(await local.call('session.get_this_host', session), pool.ref('host2'));
  await local.client.logout();
  t.like(await code(t, local.client.callWithoutSession('host.get_all', session)), { code: 'SESSION_INVALID' });
});

test('a socket path past the Unix limit moves to a short path, and processes are told with LINSTOR_SR_XAPI_SOCKET', async (t) => {
  const dir = await mkdtemp(path.join(tmpdir(), 'xapi-long-'));
  const { writeStandInDriver } = await import('../../../sim/xapi/stand-in-driver.js');
  const driver = await writeStandInDriver(path.join(dir, 'driver'));
  const root = path.join(dir, 'x'.repeat(90));
  const sim = new XapiSimulator({ hosts: [{ name: 'h', uuid: '00000000-0000-4000-8000-0000000000aa', address: '127.0.0.1', root }], drivers: { linstor: driver.file }, tcpPort: false });
  t.teardown(async () => {
    await sim.stop();
    await rm(dir, { recursive: true, force: true });
  });
  const started = await sim.start();
  const endpoint = started.hosts['h'];
  t.false(endpoint?.socketAtDefault);
  t.true(Buffer.byteLength(endpoint?.socketPath ?? '') <= 107);
  t.is(started.xapiUrl, undefined);
  t.is(sim.executions[0]?.env['LINSTOR_SR_XAPI_SOCKET'], endpoint?.socketPath);
  const x = createXapi({ endpoint: { socketPath: endpoint?.socketPath ?? '' } });
  await x.client.loginWithPassword('root', '');
  t.is((await x.host.getAll()).length, 1);
});

test('JSON-RPC on /jsonrpc answers result or error {message: <XAPI code>, data: params}', async (t) => {
  const pool = await startPool(t, 1);
  const url = `${pool.sim.endpoints('host1').url ?? ''}/jsonrpc`;
  const rpc = async (method: string, params: unknown[]): Promise<{ result?: unknown; error?: { message: string; data: string[] } }> => {
    const res = await fetch(url, { method: 'POST', body: JSON.stringify({ jsonrpc: '2.0', method, params, id: 7 }) });
    t.is(res.headers.get('content-type'), 'application/json');
    return (await res.json()) as { result?: unknown; error?: { message: string; data: string[] } };
  };
  const login = await rpc('session.login_with_password', ['root', 'secret', '1.0', 'json']);
  t.regex(String(login.result), /^OpaqueRef:/);
  const records = (await rpc('host.get_all_records', [login.result])).result as Record<string, { hostname: string }>;
  t.deepEqual(Object.values(records).map((h) => h.hostname), ['host1']);
  t.deepEqual((await rpc('VDI.get_record', [login.result, 'OpaqueRef:x'])).error, { code: 1, message: 'HANDLE_INVALID', data: ['VDI', 'OpaqueRef:x'] } as never);
});

test('Async.<method> returns a task at once and leaves the result or the error on it', async (t) => {
  const pool = await startPool(t, 1);
  const sr = await createSr(pool);
  const settle = async (task: string) => {
    for (let i = 0; i < 200; i += 1) {
      const record = await pool.xapi.task.getRecord(task);
      if (record.status !== 'pending') return record;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new Error('task never finished');
  };
  const task = await pool.xapi.call<string>('Async.VDI.create', { SR: sr, virtual_size: '1048576', name_label: 'a', name_description: '', type: 'user', sharable: false, read_only: false, other_config: {}, xenstore_data: {}, sm_config: {}, tags: [] });
  t.regex(task, /^OpaqueRef:/);
  const done = await settle(task);
  t.is(done.status, 'success');
  const [vdi] = await pool.xapi.vdi.getAll();
  t.is(done.result, `<value>${vdi}</value>`);
  const failed = await settle(await pool.xapi.call<string>('Async.VDI.destroy', 'OpaqueRef:gone'));
  t.deepEqual([failed.status, ...failed.error_info], ['failure', 'HANDLE_INVALID', 'VDI', 'OpaqueRef:gone']);
});

test('VDI operations need the SR type\'s capability, and logging out an SM session is noted as a violation', async (t) => {
  const pool = await startPool(t, 1);
  const { writeStandInDriver } = await import('../../../sim/xapi/stand-in-driver.js');
  const bare = await writeStandInDriver(path.join(pool.dir, 'bare'), { capabilities: ['VDI_CREATE'] });
  await pool.sim.registerDriver('bare', bare.file);
  const sr = await pool.xapi.sr.create({ host: pool.ref('host1'), deviceConfig: {}, nameLabel: 'bare', type: 'bare', shared: false });
  const vdi = await pool.xapi.vdi.create({ SR: sr, virtual_size: 1 << 20 });
  const ops = [() => pool.xapi.vdi.snapshot(vdi), () => pool.xapi.vdi.clone(vdi), () => pool.xapi.vdi.resize(vdi, 2 << 20), () => pool.xapi.vdi.destroy(vdi)];
  for (const op of ops) t.like(await code(t, op()), { code: 'SR_OPERATION_NOT_SUPPORTED', params: [sr] });
  const session = pool.sim.db.create('session', { auth_user_name: '__sm__backend', other_config: { _sm_session: sr } });
  t.deepEqual(pool.sim.violations, []);
  await createXapi({ endpoint: { socketPath: pool.sim.host('host1').socketPath }, sessionRef: session }).call('session.logout');
  t.is(pool.sim.violations.length, 1);
});
