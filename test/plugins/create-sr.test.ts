import test from 'ava';
import { callPlugin } from '../../sim/fixtures/plugin.js';
import { linstorOf } from '../../sim/fixtures/linstor.js';
import { startFixture } from '../../sim/fixtures/pool-session.js';

test('createSr: checks every argument first, then volume groups through the lvm plugin and SR.create on the master', async (t) => {
  t.timeout(10 * 60_000);
  const f = await startFixture(t, 3, ['host3']);
  const args = (over: Record<string, string>) => ({
    name: 'XOSTOR',
    description: 'from XO',
    disks: JSON.stringify({ host1: ['/dev/sdb'], host2: ['/dev/sdb', '/dev/sdc'] }),
    volume_group: 'linstor_group',
    redundancy: '2',
    provisioning: 'thick',
    force: 'false',
    ...over,
  });
  const lvmCalls = () => f.pool.xapi.executions.filter((e) => e.kind === 'plugin' && e.plugin === 'lvm' && e.name !== 'list_volume_groups').length;
  const bad: [Record<string, string>, RegExp][] = [
    [{ disks: '{not json' }, /disks must be JSON/],
    [{ disks: JSON.stringify({ host9: ['/dev/sdb'] }) }, /unknown host\(s\) in disks: host9/],
    [{ disks: JSON.stringify({ host1: ['sdb; rm -rf /'] }) }, /must be a list of \/dev\/… paths/],
    [{ redundancy: '3' }, /redundancy 3 needs disks on at least 3 hosts, got 2/],
    [{ provisioning: 'fat' }, /provisioning must be thin or thick/],
    [{ volume_group: '../etc' }, /volume_group contains \//],
    [{ volume_group: '-ff' }, /volume_group starts with -/],
    // host2 has the volume group but is given no disk: it would silently become a storage host.
    [{ disks: JSON.stringify({ host1: ['/dev/sdb'] }), redundancy: '1' }, /Volume group should not exist on host2/],
    // The simulated hosts come with linstor_group: without force vgcreate would fail on the first host.
    [{}, /Volume group linstor_group already exists on host1 \(use force to recreate it\)/],
  ];
  for (const [over, message] of bad) await t.throwsAsync(callPlugin(f.pool, 'host2', 'createSr', args(over)), { message }, JSON.stringify(over));
  t.is(lvmCalls(), 0, 'nothing created on any host');
  t.deepEqual(Object.keys(f.pool.xapi.db.refsWhere('SR', (r) => r['type'] === 'linstor')), []);

  const uuid = await callPlugin(f.pool, 'host2', 'createSr', args({ force: 'true' }));
  t.regex(uuid, /^[0-9a-f-]{36}$/);
  const calls = f.pool.xapi.executions.filter((e) => e.kind === 'plugin' && e.plugin === 'lvm' && e.name !== 'list_volume_groups').map((e) => `${e.host}:${e.name}`);
  t.deepEqual(calls.sort(), [
    'host1:create_physical_volume', 'host1:create_volume_group', 'host1:destroy_volume_group',
    'host2:create_physical_volume', 'host2:create_volume_group', 'host2:destroy_volume_group',
    'host3:destroy_volume_group',
  ]);
  const sr = await f.xapi.sr.getByUuid(uuid);
  t.is(await f.xapi.sr.get(sr, 'name_label'), 'XOSTOR');
  const pbds = Object.values(await f.xapi.pbd.recordsOfSr(sr));
  t.is(pbds.length, 3);
  t.true(pbds.every((p) => p.currently_attached));
  t.deepEqual(pbds[0]!.device_config, { 'group-name': 'linstor_group', redundancy: '2', provisioning: 'thick', 'monitor-db-quorum': 'True' });
  const sruns = f.pool.xapi.executions.filter((e) => e.kind === 'driver' && e.name === 'sr_create');
  t.deepEqual(sruns.map((e) => e.host), ['host1'], 'sr_create ran on the pool master');
  const linstor = linstorOf(f.pool);
  const pools = await linstor.storagePools.view({ storagePools: ['xcp-sr-linstor_group'] });
  t.deepEqual(pools.filter((p) => p.provider_kind === 'LVM').map((p) => p.node_name).sort(), ['host1', 'host2'], 'host3 stays diskless');
  await linstor.close();
});

test('createSr thin (the default): a thin pool per storage host, group-name VG/thin_pool, and the SR takes a VDI', async (t) => {
  t.timeout(10 * 60_000);
  const f = await startFixture(t, 3, ['host3']);
  const uuid = await callPlugin(f.pool, 'host1', 'createSr', {
    name: 'XOSTOR thin',
    description: '',
    disks: JSON.stringify({ host1: ['/dev/sdb'], host2: ['/dev/sdb'] }),
    volume_group: 'linstor_group',
    redundancy: '2',
    force: 'true',
  });
  const thinCalls = f.pool.xapi.executions.filter((e) => e.kind === 'plugin' && e.plugin === 'lvm' && e.name === 'create_thin_pool').map((e) => e.host);
  t.deepEqual(thinCalls.sort(), ['host1', 'host2'], 'a thin pool on each host given disks, none on host3');
  const sr = await f.xapi.sr.getByUuid(uuid);
  const pbds = Object.values(await f.xapi.pbd.recordsOfSr(sr));
  t.true(pbds.length === 3 && pbds.every((p) => p.currently_attached));
  t.like(pbds[0]!.device_config, { 'group-name': 'linstor_group/thin_pool', provisioning: 'thin', redundancy: '2' });
  const linstor = linstorOf(f.pool);
  const pools = await linstor.storagePools.view({ storagePools: ['xcp-sr-linstor_group_thin_pool'] });
  t.deepEqual(pools.filter((p) => p.provider_kind === 'LVM_THIN').map((p) => p.node_name).sort(), ['host1', 'host2']);
  await linstor.close();
  const vdi = await f.xapi.vdi.create({ SR: sr, virtual_size: 8 << 20, name_label: 'on thin' });
  t.is(await f.xapi.vdi.get(vdi, 'virtual_size'), String(8 << 20));
});
