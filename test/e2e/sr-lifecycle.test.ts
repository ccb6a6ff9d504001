import test from 'ava';
import { existsSync } from 'node:fs';
import { callPlugin } from '../../sim/fixtures/plugin.js';
import { tool } from '../../sim/fixtures/host-tool.js';
import { destroyVolume, seedVhdChain, seedVolume } from './sr-helpers.js';
import { createSr, THICK, THIN } from '../../sim/fixtures/sr-create.js';
import { linstorOf } from '../../sim/fixtures/linstor.js';
import { seedMany } from '../../sim/fixtures/seed.js';
import { startFixture } from '../../sim/fixtures/pool-session.js';

test('thin: probe, create (controller handed to drbd-reactor), probe again, unplug and destroy', async (t) => {
  const f = await startFixture(t, 3);
  t.is(await f.xapi.sr.probe(f.master, THIN, 'linstor'), '<SRlist/>', 'no controller yet: no SR');
  const sr = await createSr(f, THIN);
  const failed = f.pool.xapi.executions.filter((e) => e.kind === 'driver' && e.outcome.kind !== 'ok');
  t.deepEqual(failed.map((e) => [e.name, e.host, e.stdout.slice(0, 300)]), []);
  const pbds = Object.values(await f.xapi.pbd.recordsOfSr(sr));
  t.is(pbds.length, 3);
  t.true(pbds.every((p) => p.currently_attached));
  const on = f.pool.runtime.controller.runningOn;
  t.truthy(on);
  t.is(f.pool.runtime.primaryOf('xcp-persistent-database')?.toLowerCase(), on!.toLowerCase());
  const linstor = linstorOf(f.pool);
  const kv = await linstor.keyValueStore.props('xcp-sr-linstor_group_thin_device');
  const uuid = await f.xapi.sr.getUuid(sr);
  t.is(kv['xcp/sr/uuid'], uuid);
  t.deepEqual(JSON.parse(kv['xcp/sr/metadata']!), { name_label: 'XOSTOR', name_description: 'replicated' });
  await linstor.close();
  const state = f.pool.runtime.controller.state()!;
  t.deepEqual(Object.keys(state.resourceGroups).filter((g) => g.startsWith('XCP-')).sort(), ['XCP-HA-LINSTOR_GROUP_THIN_DEVICE', 'XCP-SR-LINSTOR_GROUP_THIN_DEVICE']);
  const db = state.resourceDefinitions['XCP-PERSISTENT-DATABASE']!;
  t.is(Object.values(db.resources).filter((r) => !r.flags.some((x) => x.includes('DISKLESS'))).length, 2, 'diskful on `redundancy` nodes');
  t.is(db.props['DrbdOptions/Resource/quorum'], 'majority');
  t.true(['host1', 'host2', 'host3'].every((h) => f.pool.runtime.host(h).unit('drbd-reactor').enabled));

  t.is(await f.xapi.sr.probe(f.master, THIN, 'linstor'), `<SRlist><SR><UUID>${uuid}</UUID><name_label>XOSTOR</name_label><name_description>replicated</name_description></SR></SRlist>`);
  t.is(await f.xapi.sr.probe(f.master, { ...THIN, 'group-name': 'other_vg' }, 'linstor'), '<SRlist/>');

  await f.xapi.sr.set(sr, 'name_label', 'renamed');
  await f.xapi.sr.update(sr);
  const after = await linstorOf(f.pool).keyValueStore.props('xcp-sr-linstor_group_thin_device');
  t.is(JSON.parse(after['xcp/sr/metadata']!).name_label, 'renamed', 'sr_update mirrors the SR name');

  for (const pbd of Object.keys(await f.xapi.pbd.recordsOfSr(sr))) await f.xapi.pbd.unplug(pbd);
  await f.xapi.sr.destroy(sr);
  t.is(f.pool.runtime.controller.runningOn, undefined, 'no controller after destroy');
  const gone = f.pool.runtime.controller.state()!;
  t.deepEqual(Object.keys(gone.resourceGroups).filter((g) => g.startsWith('XCP-')), []);
  t.is(gone.resourceDefinitions['XCP-PERSISTENT-DATABASE'], undefined);
  t.deepEqual(Object.keys(gone.storagePools).filter((p) => p.includes('XCP-SR')), []);
  t.false(['host1', 'host2', 'host3'].some((h) => f.pool.runtime.host(h).unit('drbd-reactor').enabled));
  t.false(existsSync(f.pool.runtime.host('host1').local(`/var/lock/sm/${uuid}`)));
  await t.throwsAsync(f.xapi.sr.getRecord(sr));
});

test('SR.scan introduces a volume made in LINSTOR+KV, forgets a removed one, and forgets nothing when the controller is unreachable', async (t) => {
  const f = await startFixture(t, 2);
  const sr = await createSr(f, THIN);
  const a = '11111111-2222-3333-4444-555555555555';
  const b = '66666666-7777-8888-9999-000000000000';
  const meta = { type: 'user', vdi_type: 'aio', read_only: false, is_a_snapshot: false };
  await seedVolume(f.pool, THIN['group-name'], a, 64 << 20, { ...meta, name_label: 'seeded A', name_description: 'from LINSTOR' });
  await seedVolume(f.pool, THIN['group-name'], b, 32 << 20, { ...meta, name_label: 'seeded B' });
  const chain = { parent: 'aaaaaaaa-0000-4000-8000-000000000001', child: 'aaaaaaaa-0000-4000-8000-000000000002', garbage: 'aaaaaaaa-0000-4000-8000-000000000003' };
  await seedVhdChain(f.pool, THIN['group-name'], 'host1', chain);
  await f.xapi.sr.scan(sr);
  const byUuid = async () => Object.fromEntries(Object.values(await f.xapi.vdi.recordsOfSr(sr)).map((r) => [r.uuid, r]));
  let vdis = await byUuid();
  t.deepEqual(Object.keys(vdis).sort(), [a, b, chain.parent, chain.child].sort(), 'the hidden leaf (GC garbage) is not introduced');
  t.false(vdis[chain.parent]!.managed, 'a hidden VHD parent is unmanaged');
  t.true(vdis[chain.parent]!.read_only);
  t.true(vdis[chain.child]!.managed);
  t.is(vdis[chain.child]!.sm_config['vhd-parent'], chain.parent);
  t.is(Number(vdis[chain.child]!.virtual_size), 16 << 20, 'virtual size read from the VHD');
  for (const uuid of Object.values(chain)) await destroyVolume(f.pool, THIN['group-name'], uuid);
  t.is(vdis[a]!.location, a);
  t.is(vdis[a]!.name_label, 'seeded A');
  t.is(vdis[a]!.name_description, 'from LINSTOR');
  t.true(Number(vdis[a]!.virtual_size) >= 64 << 20);
  t.true(vdis[a]!.managed);
  const srRecord = await f.xapi.sr.getRecord(sr);
  t.true(Number(srRecord.physical_size) > 0);
  t.true(Number(srRecord.physical_utilisation) > 0);

  // lockVdi (what slaves ask the master) sets and clears the volume lock in the KV.
  const lockArgs = { groupName: THIN['group-name'], srUuid: await f.xapi.sr.getUuid(sr), vdiUuid: a };
  const lockKey = `xcp/volume/${a}/readonly-timestamp`;
  t.is(await callPlugin(f.pool, 'host1', 'lockVdi', { ...lockArgs, locked: 'True' }), 'True');
  t.regex((await linstorOf(f.pool).keyValueStore.props('xcp-sr-linstor_group_thin_device'))[lockKey] ?? '', /^\d+(\.\d+)?$/);
  t.is(await callPlugin(f.pool, 'host1', 'lockVdi', { ...lockArgs, locked: 'False' }), 'True');
  t.is((await linstorOf(f.pool).keyValueStore.props('xcp-sr-linstor_group_thin_device'))[lockKey], undefined);
  t.is(await callPlugin(f.pool, 'host1', 'lockVdi', { ...lockArgs, vdiUuid: 'not-a-volume', locked: 'True' }), 'False');

  await destroyVolume(f.pool, THIN['group-name'], b);
  await f.xapi.sr.scan(sr);
  vdis = await byUuid();
  t.deepEqual(Object.keys(vdis), [a], 'the removed volume is forgotten');

  // No controller anywhere: the scan fails and forgets nothing.
  await destroyVolume(f.pool, THIN['group-name'], a);
  for (const h of f.pool.spec.hosts) await tool(f.pool, h.name, 'systemctl', ['stop', 'drbd-reactor']);
  t.is(f.pool.runtime.controller.runningOn, undefined);
  const error = await t.throwsAsync(f.xapi.sr.scan(sr));
  t.regex(String(error?.message), /SR_BACKEND_FAILURE_47|SRUnavailable|not available/);
  t.deepEqual(Object.keys(await byUuid()), [a], 'nothing forgotten while LINSTOR is unreachable');
});

test('thick on a pool with a diskless host; bad device-config, redundancy above the host count, a second SR and a non-empty SR are clear faults that change nothing', async (t) => {
  const f = await startFixture(t, 3, ['host3']);
  const srCount = async () => Object.keys(await f.xapi.sr.getAllRecordsWhere('field "type" = "linstor"')).length;
  const refused = async (config: Record<string, string>, pattern: RegExp) => {
    const error = await t.throwsAsync(createSr(f, config));
    t.regex(String(error?.message), pattern);
  };
  await refused({ ...THICK, redundancy: '4' }, /SR_BACKEND_FAILURE_5006.*Redundancy greater than host count/);
  await refused({ redundancy: '2' }, /SR_BACKEND_FAILURE_5004/);
  await refused({ ...THICK, provisioning: 'thinnest' }, /SR_BACKEND_FAILURE_1\b/);
  t.is(await srCount(), 0, 'no SR row left behind');
  t.is(f.pool.runtime.controller.state(), undefined, 'LINSTOR never touched');

  const sr = await createSr(f, THICK);
  const state = f.pool.runtime.controller.state()!;
  const pools = Object.values(state.storagePools).filter((p) => p.name.toUpperCase() === 'XCP-SR-LINSTOR_GROUP');
  t.deepEqual(pools.map((p) => p.node.toLowerCase()).sort(), ['host1', 'host2'], 'no pool on the diskless host');
  t.true(pools.every((p) => p.provider === 'LVM'));
  const db = state.resourceDefinitions['XCP-PERSISTENT-DATABASE']!;
  t.true(db.resources['HOST3']!.flags.some((x) => x.includes('DISKLESS')), 'the database is diskless on host3');
  t.true(Object.values(await f.xapi.pbd.recordsOfSr(sr)).every((p) => p.currently_attached), 'the diskless host plugs too');
  t.truthy(f.pool.runtime.controller.runningOn);

  await refused({ ...THICK }, /SR_BACKEND_FAILURE_5006.*group name must be unique/);
  await refused({ ...THIN, 'group-name': 'other_group' }, /SR_BACKEND_FAILURE_5006.*LINSTOR SR must be unique in a pool/);
  t.is(await srCount(), 1);

  await seedVolume(f.pool, THICK['group-name'], '11111111-2222-3333-4444-555555555555', 16 << 20, { type: 'user', vdi_type: 'aio', name_label: 'keep me' });
  for (const pbd of Object.keys(await f.xapi.pbd.recordsOfSr(sr))) await f.xapi.pbd.unplug(pbd);
  const error = await t.throwsAsync(f.xapi.sr.destroy(sr));
  t.regex(String(error?.message), /SR_NOT_EMPTY|SR_BACKEND_FAILURE_39/, 'SRNotEmpty (39), which xapi names SR_NOT_EMPTY');
  t.truthy(await f.xapi.sr.getRecord(sr));
  t.truthy(f.pool.runtime.controller.runningOn, 'the controller still runs');
  t.truthy(f.pool.runtime.controller.state()!.resourceDefinitions['XCP-PERSISTENT-DATABASE']);
});

test('SR.scan sends as many LINSTOR requests for 100 volumes as for 10', async (t) => {
  const f = await startFixture(t, 2);
  const sr = await createSr(f, THIN);
  const controls = f.pool.runtime.controller.sim!.controls;
  const scanCost = async (): Promise<number> => {
    await f.xapi.sr.scan(sr); // introduces what is new
    controls.resetCounters();
    await f.xapi.sr.scan(sr); // the steady state: sr_scan + sr_update
    return controls.counters().total;
  };
  await seedMany(f.pool, THIN['group-name'], 10);
  const ten = await scanCost();
  await seedMany(f.pool, THIN['group-name'], 90, 10);
  const hundred = await scanCost();
  t.is(Object.keys(await f.xapi.vdi.recordsOfSr(sr)).length, 100);
  t.is(hundred, ten, `scan + update: ${ten} requests for 10 volumes, ${hundred} for 100`);
  t.log(`steady-state SR.scan: ${ten} LINSTOR requests`);

  // A controller that came up on an empty database (unmounted /var/lib/linstor) knows no volume: the
  // scan must fail rather than forget the 100 VDIs.
  await f.pool.runtime.controller.sim!.reset();
  t.truthy(f.pool.runtime.controller.runningOn);
  const error = await t.throwsAsync(f.xapi.sr.scan(sr));
  t.regex(String(error?.message), /SR_BACKEND_FAILURE_47/);
  t.is(Object.keys(await f.xapi.vdi.recordsOfSr(sr)).length, 100, 'nothing forgotten');
});

test('an sr_create that fails once the database is mounted and the KV written leaves nothing behind; the next create succeeds', async (t) => {
  const f = await startFixture(t, 2);
  f.pool.xapi.armFault('host1', 'sr_create', 'sr-create:after-kv:throw');
  const error = await t.throwsAsync(createSr(f, THIN));
  t.regex(String(error?.message), /SR_BACKEND_FAILURE_5006.*injected fault/);
  t.deepEqual(Object.keys(await f.xapi.sr.getAllRecordsWhere('field "type" = "linstor"')), []);
  t.is(f.pool.runtime.controller.runningOn, undefined, 'the controller is stopped again');
  t.false(f.pool.runtime.host('host1').mounts.has('/var/lib/linstor'), 'the database is unmounted');
  const state = f.pool.runtime.controller.state()!;
  t.deepEqual(Object.keys(state.resourceGroups).filter((g) => g.startsWith('XCP-')), []);
  t.deepEqual(Object.keys(state.resourceDefinitions), []);
  t.deepEqual(Object.values(state.storagePools).filter((p) => p.name.toUpperCase().startsWith('XCP-SR')), []);
  t.deepEqual(Object.keys(state.kvs).filter((k) => k.toUpperCase().startsWith('XCP-SR')), []);

  const sr = await createSr(f, THIN);
  t.true(Object.values(await f.xapi.pbd.recordsOfSr(sr)).every((p) => p.currently_attached));
  t.truthy(f.pool.runtime.controller.runningOn);
});
