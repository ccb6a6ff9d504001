import test from 'ava';
import { createSr, lastParams, startPool } from './helpers/pool.js';

const SR_KEYS = ['host_ref', 'command', 'args', 'device_config', 'session_ref', 'sr_ref', 'sr_uuid', 'subtask_of'];
const VDI_KEYS = [
  'host_ref', 'command', 'args', 'device_config', 'session_ref', 'sr_ref', 'sr_uuid', 'vdi_ref', 'vdi_location', 'vdi_uuid', 'subtask_of',
  'vdi_on_boot', 'vdi_allow_caching',
];
const COPY_KEYS = [...VDI_KEYS.slice(0, 10), 'driver_params', ...VDI_KEYS.slice(10)];
const CREATE_KEYS = ['host_ref', 'command', 'args', 'device_config', 'session_ref', 'sr_ref', 'vdi_type', 'sr_uuid', 'vdi_sm_config', 'subtask_of'];

test('SR.create runs sr_create on the named host, then sr_attach on every host, master first, with xapi\'s parameters', async (t) => {
  const pool = await startPool(t, 3);
  const mark = pool.mark();
  const sr = await createSr(pool);
  t.deepEqual(pool.runs(mark), [['sr_create', 'host1'], ['sr_attach', 'host1'], ['sr_attach', 'host2'], ['sr_attach', 'host3']]);
  const create = lastParams(pool.sim, 'sr_create');
  t.deepEqual(Object.keys(create), SR_KEYS);
  t.deepEqual(create['args'], ['0']);
  t.is(create['host_ref'], pool.ref('host1'));
  t.is(create['sr_ref'], sr);
  t.is(create['sr_uuid'], await pool.xapi.sr.getUuid(sr));
  t.deepEqual({ ...(create['device_config'] as object) }, { 'group-name': 'linstor_group/thin_device', redundancy: '2', SRmaster: 'true' });
  const attach2 = pool.sim.executions.find((e) => e.name === 'sr_attach' && e.host === 'host2');
  t.is((attach2?.params[0] as Record<string, Record<string, string>>)['device_config']?.['SRmaster'], 'false');
  const pbds = await pool.xapi.pbd.recordsOfSr(sr);
  t.is(Object.keys(pbds).length, 3);
  t.true(Object.values(pbds).every((p) => p.currently_attached));
  // The per-call __sm__backend session is gone once the driver has exited.
  const session = String(create['session_ref']);
  const err = await t.throwsAsync(pool.xapi.client.callWithoutSession('session.get_this_host', session, session));
  t.is((err as { code?: string }).code, 'SESSION_INVALID');
});

test('drivers run with PATH, ORIGINATOR=SM and the host\'s LINSTOR_SR_* variables only, argv [driver, methodCall]', async (t) => {
  const pool = await startPool(t, 2);
  await createSr(pool);
  const run = pool.sim.executions.find((e) => e.name === 'sr_attach' && e.host === 'host2');
  const host2 = pool.sim.host('host2');
  t.deepEqual({ ...run?.env }, {
    PATH: `${host2.toolsPath}:/sbin:/usr/sbin:/bin:/usr/bin`, ORIGINATOR: 'SM', LINSTOR_SR_ROOT: host2.root, LINSTOR_SR_TIME_SCALE: '0.01',
  });
  t.is(run?.argv.length, 2);
  t.is(run?.argv[0], pool.driver.file);
  t.regex(run?.argv[1] ?? '', /^<methodCall><methodName>sr_attach<\/methodName><params><param><value><struct><member><name>host_ref<\/name><value>OpaqueRef:/);
  // The stand-in saw the same argv and environment.
  const seen = pool.driver.records().find((r) => r.argv[1] === run?.argv[1]);
  t.is(seen?.env['LINSTOR_SR_ROOT'], host2.root);
  t.is(seen?.env['HOME'], undefined);
});

test('VDI create, snapshot, clone, resize, update and destroy run on the SR master with the parameters of spec §1', async (t) => {
  const pool = await startPool(t, 2);
  const sr = await createSr(pool);
  const { vdi: vdiApi } = pool.xapi;
  let mark = pool.mark();
  const vdi = await vdiApi.create({ SR: sr, virtual_size: 10737418240, name_label: 'disk0', sm_config: { 'image-format': 'vhd' } });
  t.deepEqual(pool.runs(mark), [['vdi_create', 'host1']]);
  const create = lastParams(pool.sim, 'vdi_create');
  t.deepEqual(Object.keys(create), CREATE_KEYS);
  t.deepEqual(create['args'], ['10737418240', 'disk0', '', '', 'false', '19700101T00:00:00Z', '', 'false']);
  t.is(create['vdi_type'], 'user');
  t.deepEqual({ ...(create['vdi_sm_config'] as object) }, { 'image-format': 'vhd' });
  const record = await vdiApi.getRecord(vdi);
  t.is(record.virtual_size, '10737418240');
  t.is(record.name_label, 'disk0');

  mark = pool.mark();
  const snap = await vdiApi.snapshot(vdi, { epochhint: 'abc' });
  t.deepEqual(pool.runs(mark), [['vdi_snapshot', 'host1'], ['vdi_update', 'host1']]);
  const snapshot = lastParams(pool.sim, 'vdi_snapshot');
  t.deepEqual(Object.keys(snapshot), COPY_KEYS);
  t.deepEqual({ ...(snapshot['driver_params'] as object) }, { epochhint: 'abc' });
  t.is(snapshot['vdi_ref'], vdi);
  t.is(snapshot['vdi_on_boot'], 'persist');
  t.is(snapshot['vdi_allow_caching'], 'false');
  t.is(lastParams(pool.sim, 'vdi_update')['vdi_ref'], snap);
  const snapRecord = await vdiApi.getRecord(snap);
  t.true(snapRecord.is_a_snapshot);
  t.is(snapRecord.snapshot_of, vdi);
  t.is(snapRecord.name_label, 'disk0');
  t.deepEqual((await vdiApi.getRecord(vdi)).snapshots, [snap]);

  const clone = await vdiApi.clone(vdi);
  t.false((await vdiApi.getRecord(clone)).is_a_snapshot);
  t.deepEqual(Object.keys(lastParams(pool.sim, 'vdi_clone')), COPY_KEYS);

  mark = pool.mark();
  await vdiApi.resize(vdi, 21474836480);
  await vdiApi.update(vdi);
  t.deepEqual(pool.runs(mark), [['vdi_resize', 'host1'], ['vdi_update', 'host1']]);
  t.deepEqual(lastParams(pool.sim, 'vdi_resize')['args'], ['21474836480']);
  t.deepEqual(Object.keys(lastParams(pool.sim, 'vdi_resize')), VDI_KEYS);
  t.is(await vdiApi.get(vdi, 'virtual_size'), '21474836480');

  mark = pool.mark();
  await vdiApi.destroy(clone);
  t.deepEqual(pool.runs(mark), [['vdi_delete', 'host1']]);
  t.deepEqual(Object.keys(lastParams(pool.sim, 'vdi_delete')), VDI_KEYS);
  const gone = await t.throwsAsync(vdiApi.getRecord(clone));
  t.is((gone as { code?: string }).code, 'HANDLE_INVALID');
});

test('VBD plug attaches and activates on the VM\'s host, unplug deactivates and detaches; VM start/shutdown plug their disks', async (t) => {
  const pool = await startPool(t, 3);
  const sr = await createSr(pool);
  const { vdi: vdiApi, vm: vmApi, vbd: vbdApi } = pool.xapi;
  const rw = await vdiApi.create({ SR: sr, virtual_size: 1 << 30, name_label: 'rw' });
  const ro = await vdiApi.create({ SR: sr, virtual_size: 1 << 30, name_label: 'ro' });
  const vm = await vmApi.create({ name_label: 'guest' });
  const vbdRw = await vbdApi.create({ VM: vm, VDI: rw });
  const vbdRo = await vbdApi.create({ VM: vm, VDI: ro, mode: 'RO' });
  const halted = await t.throwsAsync(vbdApi.plug(vbdRw));
  t.is((halted as { code?: string }).code, 'VM_BAD_POWER_STATE');

  let mark = pool.mark();
  await vmApi.startOn(vm, pool.ref('host2'));
  t.deepEqual(pool.runs(mark), [['vdi_attach', 'host2'], ['vdi_activate', 'host2'], ['vdi_attach', 'host2'], ['vdi_activate', 'host2']]);
  const runs = pool.sim.executions.slice(mark);
  t.deepEqual(runs.map((r) => (r.params[0] as { args: string[] }).args), [['true'], ['true'], ['false'], ['false']]);
  t.deepEqual(Object.keys(lastParams(pool.sim, 'vdi_attach')), VDI_KEYS);
  t.is((lastParams(pool.sim, 'vdi_activate')['device_config'] as Record<string, string>)['SRmaster'], 'false');
  t.true((await vbdApi.getRecord(vbdRw)).currently_attached);
  const host2Uuid = pool.sim.host('host2').uuid;
  t.like({ ...(await vdiApi.getSmConfig(rw)) }, { [`read-caching-enabled-on-${host2Uuid}`]: 'false', [`read-caching-reason-${host2Uuid}`]: '' });
  t.is(await vmApi.get(vm, 'resident_on'), pool.ref('host2'));

  mark = pool.mark();
  await vbdApi.unplug(vbdRo);
  t.deepEqual(pool.runs(mark), [['vdi_deactivate', 'host2'], ['vdi_detach', 'host2']]);
  mark = pool.mark();
  await vbdApi.plug(vbdRo);
  t.deepEqual(pool.runs(mark), [['vdi_attach', 'host2'], ['vdi_activate', 'host2']]);
  const again = await t.throwsAsync(vbdApi.plug(vbdRo));
  t.is((again as { code?: string }).code, 'DEVICE_ALREADY_ATTACHED');

  mark = pool.mark();
  await vmApi.cleanShutdown(vm);
  t.deepEqual(pool.runs(mark), [['vdi_deactivate', 'host2'], ['vdi_detach', 'host2'], ['vdi_deactivate', 'host2'], ['vdi_detach', 'host2']]);
  t.is(await vmApi.get(vm, 'power_state'), 'Halted');

  // A type without VDI_ACTIVATE: attach/detach only.
  const { writeStandInDriver } = await import('../../../sim/xapi/stand-in-driver.js');
  const plain = await writeStandInDriver(`${pool.dir}/plain`, { capabilities: ['VDI_CREATE', 'VDI_ATTACH', 'VDI_DETACH'] });
  await pool.sim.registerDriver('plain', plain.file);
  const sr2 = await pool.xapi.sr.create({ host: pool.ref('host1'), deviceConfig: {}, nameLabel: 'plain', type: 'plain', shared: true });
  const vdi2 = await vdiApi.create({ SR: sr2, virtual_size: 1 << 20 });
  const vm2 = await vmApi.create({ name_label: 'g2' });
  await vbdApi.create({ VM: vm2, VDI: vdi2 });
  mark = pool.mark();
  await vmApi.startOn(vm2, pool.ref('host3'));
  await vmApi.hardShutdown(vm2);
  t.deepEqual(pool.runs(mark), [['vdi_attach', 'host3'], ['vdi_detach', 'host3']]);
});

test('SR.scan runs sr_scan then sr_update on the master and recomputes virtual_allocation; SR.probe runs on the named host without an SR', async (t) => {
  const pool = await startPool(t, 2);
  const sr = await createSr(pool);
  await pool.xapi.vdi.create({ SR: sr, virtual_size: 4096 });
  await pool.xapi.vdi.create({ SR: sr, virtual_size: 8192 });
  await pool.xapi.sr.addToMap(sr, 'other_config', 'dirty', '');
  let mark = pool.mark();
  await pool.xapi.sr.scan(sr);
  t.deepEqual(pool.runs(mark), [['sr_scan', 'host1'], ['sr_update', 'host1']]);
  t.deepEqual(Object.keys(lastParams(pool.sim, 'sr_scan')), SR_KEYS);
  t.is(await pool.xapi.sr.get(sr, 'virtual_allocation'), '12288');
  t.false('dirty' in (await pool.xapi.sr.get(sr, 'other_config')));

  mark = pool.mark();
  const answer = await pool.xapi.sr.probe(pool.ref('host2'), { 'group-name': 'g' }, 'linstor', { x: 'y' });
  t.is(answer, '<SRlist></SRlist>');
  t.deepEqual(pool.runs(mark), [['sr_probe', 'host2']]);
  const probe = lastParams(pool.sim, 'sr_probe');
  t.deepEqual(Object.keys(probe), ['host_ref', 'command', 'args', 'device_config', 'session_ref', 'sr_sm_config', 'subtask_of']);
  t.deepEqual({ ...(probe['device_config'] as object) }, { 'group-name': 'g', SRmaster: 'true' });
  t.deepEqual({ ...(probe['sr_sm_config'] as object) }, { x: 'y' });
});

test('SR.destroy needs unplugged PBDs, then runs sr_attach and sr_delete on the master and drops the rows', async (t) => {
  const pool = await startPool(t, 2);
  const sr = await createSr(pool);
  const plugged = await t.throwsAsync(pool.xapi.sr.destroy(sr));
  t.is((plugged as { code?: string }).code, 'SR_HAS_PBD');
  let mark = pool.mark();
  for (const pbd of Object.keys(await pool.xapi.pbd.recordsOfSr(sr))) await pool.xapi.pbd.unplug(pbd);
  t.deepEqual(pool.runs(mark).sort(), [['sr_detach', 'host1'], ['sr_detach', 'host2']]);
  pool.driver.setBehaviour('sr_delete', { fault: [39, 'The SR is not empty'] });
  mark = pool.mark();
  const notEmpty = await t.throwsAsync(pool.xapi.sr.destroy(sr));
  t.is((notEmpty as { code?: string }).code, 'SR_NOT_EMPTY');
  t.deepEqual(pool.runs(mark), [['sr_attach', 'host1'], ['sr_delete', 'host1'], ['sr_detach', 'host1']]);
  pool.driver.setBehaviour('sr_delete', undefined);
  mark = pool.mark();
  await pool.xapi.sr.destroy(sr);
  t.deepEqual(pool.runs(mark), [['sr_attach', 'host1'], ['sr_delete', 'host1']]);
  t.deepEqual(await pool.xapi.sr.getAll(), []);
  t.deepEqual(await pool.xapi.pbd.getAll(), []);
});

test('a failed sr_create leaves no SR or PBD behind and reports SR_BACKEND_FAILURE_<n> with the fault text and stderr', async (t) => {
  const pool = await startPool(t, 2);
  pool.driver.setBehaviour('sr_create', { fault: [5006, 'LINSTOR SR creation error [opterr=no pool]'], stderr: 'boom' });
  const error = await t.throwsAsync(createSr(pool));
  t.like(error, { code: 'SR_BACKEND_FAILURE_5006', params: ['', 'LINSTOR SR creation error [opterr=no pool]', 'boom'] });
  t.deepEqual(await pool.xapi.sr.getAll(), []);
  t.deepEqual(await pool.xapi.pbd.getAll(), []);
});

test('SR.scan re-runs sr_scan while the SR\'s VDIs keep changing, and gives up after 10 runs as xapi does', async (t) => {
  const pool = await startPool(t, 1);
  const sr = await createSr(pool);
  pool.driver.setBehaviour('sr_scan', { introduceNew: true });
  const mark = pool.mark();
  const error = await t.throwsAsync(pool.xapi.sr.scan(sr));
  t.like(error, { code: 'INTERNAL_ERROR', params: ['SR.scan retry limit exceeded'] });
  t.deepEqual(pool.runs(mark), Array.from({ length: 10 }, () => ['sr_scan', 'host1']));
  t.is((await pool.xapi.vdi.getAll()).length, 10);
});

test('the driver\'s task (subtask_of) is a real task it can report progress on; it ends with the run\'s status', async (t) => {
  const pool = await startPool(t, 1);
  const sr = await createSr(pool);
  const task = String(lastParams(pool.sim, 'sr_create')['subtask_of']);
  t.like(await pool.xapi.task.getRecord(task), { status: 'success', progress: 1 });
  const mine = await pool.xapi.task.create('copy', 'a task of the test');
  await pool.xapi.task.setProgress(mine, 0.25);
  t.is(await pool.xapi.task.getProgress(mine), 0.25);
  pool.driver.setBehaviour('sr_update', { fault: [47, 'The SR is not available'] });
  await t.throwsAsync(pool.xapi.sr.update(sr));
  const failed = String(lastParams(pool.sim, 'sr_update')['subtask_of']);
  const record = await pool.xapi.task.getRecord(failed);
  t.is(record.status, 'failure');
  t.is(record.error_info[0], 'SR_BACKEND_FAILURE_47');
});

test('sr_attach and sr_detach never overlap on one host (xapi\'s per-host mutex)', async (t) => {
  const pool = await startPool(t, 2);
  const [a, b] = [await createSr(pool), await createSr(pool)];
  const onHost2 = async (sr: string) => Object.entries(await pool.xapi.pbd.recordsOfSr(sr)).find(([, p]) => p.host === pool.ref('host2'))?.[0] ?? '';
  const pbds = [await onHost2(a), await onHost2(b)];
  await Promise.all(pbds.map((p) => pool.xapi.pbd.unplug(p)));
  pool.driver.setBehaviour('sr_attach', { delayMs: 300 });
  const mark = pool.mark();
  await Promise.all(pbds.map((p) => pool.xapi.pbd.plug(p)));
  const [first, second] = pool.sim.executions.slice(mark).sort((x, y) => x.startedAt.getTime() - y.startedAt.getTime());
  t.truthy(first && second);
  t.true(second!.startedAt.getTime() >= first!.startedAt.getTime() + first!.durationMs - 5, 'the second attach starts after the first ended');
  const detaches = pool.sim.executions.slice(0, mark).filter((e) => e.name === 'sr_detach');
  t.is(detaches.length, 2);
  const [d1, d2] = detaches.sort((x, y) => x.startedAt.getTime() - y.startedAt.getTime());
  t.true(d2!.startedAt.getTime() >= d1!.startedAt.getTime() + d1!.durationMs - 5);
});
