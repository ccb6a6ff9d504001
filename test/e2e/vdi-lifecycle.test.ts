/**
 * The VDI verbs end to end: XenAPI calls on the simulated pool's TCP URL, xapi executing the built
 * driver on the SR master (create, resize, delete) or on the VM's host (attach+activate, deactivate+
 * detach), guest data written and read back byte for byte through the tapdisk stand-in.
 */
import test from 'ava';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { drbdUsableSizeKib } from '../../lib/linstor/index.js';
import { computeVolumeSize, queryVhd } from '../../lib/vhd/index.js';
import { callPlugin } from '../../sim/fixtures/plugin.js';
import { srFixture, type SrFixture } from '../../sim/fixtures/sr.js';

const MIB = 1024 * 1024;

async function tmpFile(data?: Buffer): Promise<string> {
  const file = path.join(await mkdtemp(path.join(os.tmpdir(), 'io-')), 'data');
  if (data) await writeFile(file, data);
  return file;
}

async function writeData(f: SrFixture, host: string, vdiUuid: string, offset: number, data: Buffer): Promise<void> {
  await f.pool.io(host, { vdi: vdiUuid, op: 'write', offset, file: await tmpFile(data) });
}

async function readData(f: SrFixture, host: string, vdiUuid: string, offset: number, length: number): Promise<Buffer> {
  const file = await tmpFile();
  await f.pool.io(host, { vdi: vdiUuid, op: 'read', offset, length, file });
  return readFile(file);
}

async function createVdi(f: SrFixture, sizeBytes: number, extra: Record<string, unknown> = {}): Promise<{ ref: string; uuid: string }> {
  const ref = await f.xapi.vdi.create({ SR: f.srRef, virtual_size: sizeBytes, name_label: 'disk', ...extra });
  return { ref, uuid: await f.xapi.vdi.getUuid(ref) };
}

async function kvOf(f: SrFixture): Promise<Record<string, string>> {
  const props = await f.linstor.keyValueStore.props(`xcp-sr-${f.groupName.replace('/', '_')}`);
  return Object.fromEntries(Object.entries(props).map(([k, v]) => [k.replace(/^\//, ''), v]));
}

async function rdOf(f: SrFixture, uuid: string): Promise<string> {
  return (await kvOf(f))[`xcp/volume/${uuid}/volume-name`] ?? '';
}

test('thin: create, write on a host without a replica (diskless, removed after detach), resize, read back elsewhere, delete', async (t) => {
  const f = await srFixture(t, { hosts: 3, redundancy: 2, provisioning: 'thin' });
  const { ref, uuid } = await createVdi(f, 64 * MIB);
  const record = await f.xapi.vdi.getRecord(ref);
  t.is(record.location, uuid);
  t.is(Number(record.virtual_size), 64 * MIB);
  t.is(record.sm_config['vdi_type'], 'vhd');
  const rd = await rdOf(f, uuid);
  t.regex(rd, /^xcp-volume-/);
  const diskful = (await f.placement()).get(rd)!.filter((n) => !n.endsWith(':diskless'));
  t.is(diskful.length, 2);
  const spare = ['host1', 'host2', 'host3'].find((h) => !diskful.includes(h) && h !== 'host1') ?? ['host2', 'host3'].find((h) => !diskful.includes(h));
  t.truthy(spare, 'one slave holds no replica');

  const data = randomBytes(300 * 1024 + 1234);
  const vm = await f.startVmWith(ref, spare!);
  t.true((await f.placement()).get(rd)!.includes(`${spare}:diskless`), 'diskless on demand');
  await writeData(f, spare!, uuid, 5 * MIB + 7, data);
  t.deepEqual(await readData(f, spare!, uuid, 5 * MIB + 7, data.length), data);
  await t.throwsAsync(f.xapi.vdi.destroy(ref), { message: /VDI_IN_USE|VDIInUse|24/ });
  await f.xapi.call('VM.hard_shutdown', vm);
  t.false((await f.placement()).get(rd)!.some((n) => n.startsWith(`${spare}`)), 'the diskless is gone after detach');

  await f.xapi.vdi.resize(ref, 100 * MIB + 1);
  t.is(Number(await f.xapi.vdi.get(ref, 'virtual_size')), 102 * MIB);
  const tail = randomBytes(64 * 1024);
  const vm2 = await f.startVmWith(ref, 'host1');
  t.deepEqual(await readData(f, 'host1', uuid, 5 * MIB + 7, data.length), data, 'data kept across resize and hosts');
  await writeData(f, 'host1', uuid, 101 * MIB, tail);
  t.deepEqual(await readData(f, 'host1', uuid, 101 * MIB, tail.length), tail);
  await f.xapi.call('VM.hard_shutdown', vm2);

  // The driver's own check: a host key left in sm-config means attached somewhere.
  const sm = f.pool.xapi.db.get('VDI', ref)['sm_config'] as Record<string, string>;
  f.pool.xapi.db.set('VDI', ref, { sm_config: { ...sm, 'host_OpaqueRef:elsewhere': 'RW' } });
  await t.throwsAsync(f.xapi.vdi.destroy(ref), { message: /VDI_IN_USE/ });
  t.is(f.pool.xapi.executions.at(-1)?.name, 'vdi_delete', 'refused by the driver (SM code 24, mapped by xapi)');
  f.pool.xapi.db.set('VDI', ref, { sm_config: sm });
  await f.xapi.vdi.destroy(ref);
  t.false((await f.placement()).has(rd));
  t.deepEqual(Object.keys(await f.xapi.vdi.getAllRecords()), []);
  t.false(existsSync(path.join(f.pool.runtime.host('host1').spec.root, `var/lock/sm/${uuid}`)));
});

test('thick, RAW and HA: full-size volumes, data read back after resize, a killed resize undone; update writes names to the KV', async (t) => {
  const f = await srFixture(t, { hosts: 2, redundancy: 2, provisioning: 'thick' });
  const vhd = await createVdi(f, 20 * MIB, { name_label: 'thick' });
  const raw = await createVdi(f, 8 * MIB, { sm_config: { type: 'raw' } });
  t.is((await f.xapi.vdi.getRecord(raw.ref)).sm_config['vdi_type'], 'aio');
  const data = randomBytes(256 * 1024);
  const vm = await f.startVmWith(vhd.ref, 'host2');
  await writeData(f, 'host2', vhd.uuid, MIB, data);
  await f.xapi.call('VM.hard_shutdown', vm);
  await f.xapi.vdi.resize(vhd.ref, 40 * MIB);
  await f.xapi.vdi.resize(raw.ref, 16 * MIB);
  t.true(Number(await f.xapi.vdi.get(raw.ref, 'virtual_size')) >= 16 * MIB);
  await t.throwsAsync(f.xapi.vdi.resize(vhd.ref, 10 * MIB), { message: /VDISize|79|shrink/ });
  const vm2 = await f.startVmWith(vhd.ref, 'host1');
  t.deepEqual(await readData(f, 'host1', vhd.uuid, MIB, data.length), data);
  await f.xapi.call('VM.hard_shutdown', vm2);
  const vm3 = await f.startVmWith(raw.ref, 'host1');
  await writeData(f, 'host1', raw.uuid, 15 * MIB, data);
  t.deepEqual(await readData(f, 'host1', raw.uuid, 15 * MIB, data.length), data);
  await f.xapi.call('VM.hard_shutdown', vm3);

  await f.xapi.vdi.set(vhd.ref, 'name_label', 'renamed');
  await f.xapi.vdi.update(vhd.ref);
  const kv = await kvOf(f);
  t.like(JSON.parse(kv[`xcp/volume/${vhd.uuid}/metadata`]!), { name_label: 'renamed', vdi_type: 'vhd', type: 'user', is_a_snapshot: false });

  // A resize killed between the volume growth and the VHD resize leaves an inflate entry: attach refuses
  // the VDI until the master's next command undoes it.
  f.pool.xapi.armFault('host1', 'vdi_resize', 'inflate:after-resize:kill');
  await t.throwsAsync(f.xapi.vdi.resize(vhd.ref, 60 * MIB));
  t.truthy((await kvOf(f))[`xcp/sr/journal/inflate/${vhd.uuid}`]);
  await t.throwsAsync(f.startVmWith(vhd.ref, 'host2'), { message: /Interrupted operation/ });
  const ha = await createVdi(f, 8 * MIB, { type: 'ha_statefile' });
  t.is((await kvOf(f))[`xcp/sr/journal/inflate/${vhd.uuid}`], undefined, 'the master replayed the journal');
  t.is(await rdOf(f, ha.uuid), 'xcp-persistent-ha-statefile');
  t.is((await f.linstor.resourceDefinitions.get('xcp-persistent-ha-statefile')).props?.['DrbdOptions/Resource/auto-promote-timeout'], '600');
  t.is(Number(await f.xapi.vdi.get(vhd.ref, 'virtual_size')), 40 * MIB, 'the killed resize changed nothing XAPI sees');
  const vm4 = await f.startVmWith(vhd.ref, 'host2');
  t.deepEqual(await readData(f, 'host2', vhd.uuid, MIB, data.length), data);
  await f.xapi.call('VM.hard_shutdown', vm4);

  for (const v of [vhd, raw, ha]) await f.xapi.vdi.destroy(v.ref);
  t.deepEqual([...(await f.placement()).keys()], []);
});

test('bad sizes and no space: clear faults, nothing created; a create killed mid-way is repaired by the next; the plugin inflates and deflates', async (t) => {
  const f = await srFixture(t, { hosts: 2, redundancy: 2, provisioning: 'thin', diskGiB: 2 });
  await t.throwsAsync(createVdi(f, 2041 * 1024 * MIB), { message: /VDISize|79/ });
  await t.throwsAsync(createVdi(f, 1000 * 1024 * MIB), { message: /SRNoSpace|44/ });
  t.deepEqual([...(await f.placement()).keys()], []);
  t.deepEqual(Object.keys(await f.xapi.vdi.getAllRecords()), []);

  f.pool.xapi.armFault('host1', 'vdi_create', 'vdi_create:after-image:kill');
  await t.throwsAsync(createVdi(f, 8 * MIB));
  t.is((await f.placement()).size, 1, 'the killed create left its CREATING volume');
  t.deepEqual(Object.keys(await f.xapi.vdi.getAllRecords()), [], 'and nothing in XAPI');
  const { uuid } = await createVdi(f, 8 * MIB);
  t.deepEqual([...(await f.placement()).keys()], [await rdOf(f, uuid)], 'the next exclusive command removed it');

  // The plugin's thin attach/detach (what Python slaves ask the master for): inflate, then deflate.
  const rd = await rdOf(f, uuid);
  const usable = async () => Math.min(...(await f.linstor.resources.view({ resources: [rd] })).flatMap((r) => r.volumes ?? []).map((v) => (drbdUsableSizeKib(v) ?? Infinity) * 1024));
  const before = await usable();
  t.true(before < computeVolumeSize(8 * MIB, 'vhd'), 'a new thin VHD holds its metadata only');
  const args = { groupName: f.groupName, srUuid: f.srUuid, vdiUuid: uuid };
  t.is(await callPlugin(f.pool, 'host1', 'attach', args), 'True');
  t.true((await usable()) >= computeVolumeSize(8 * MIB, 'vhd'));
  t.is(await callPlugin(f.pool, 'host1', 'detach', args), 'True');
  const info = await queryVhd({ root: f.pool.runtime.host('host1').spec.root }, `/dev/drbd/by-res/${rd}/0`);
  t.is(info.virtualSize, 8 * MIB);
});
