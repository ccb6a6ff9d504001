/**
 * Image formats as today's sm handles them, end to end on the simulated pool: vdi_create picks RAW or
 * VHD from sm-config `image-format` (legacy `type`) or the SR's `preferred-image-formats` and records the
 * format in sm-config; refused formats and sizes answer sm's exact fault before any LINSTOR request; the
 * VDI type of an existing VDI comes from the KV metadata only; and sr_scan gives a VDI it introduces the
 * record the Python driver's scan gives it, and backfills `image-format` where it is missing.
 */
import test from 'ava';
import { asVdiUuid, VolumeManager } from '../../lib/volume/index.js';
import type { VdiRecord } from '../../lib/xapi/index.js';
import { silentLogger } from '../../sim/fixtures/silent-logger.js';
import { srFixture, type SrFixture } from '../../sim/fixtures/sr.js';
import { createdSr } from './vdi-io.js';

const MIB = 1024 * 1024;

type XapiFailure = { code?: string; params?: readonly string[] };

async function createVdi(f: SrFixture, sizeBytes: number, extra: Record<string, unknown> = {}): Promise<{ ref: string; uuid: string; record: VdiRecord }> {
  const ref = await f.xapi.vdi.create({ SR: f.srRef, virtual_size: sizeBytes, name_label: 'disk', ...extra });
  return { ref, uuid: await f.xapi.vdi.getUuid(ref), record: await f.xapi.vdi.getRecord(ref) };
}

async function failure(p: Promise<unknown>): Promise<XapiFailure | undefined> {
  return p.then(
    () => undefined,
    (error: unknown) => error as XapiFailure,
  );
}

async function kvOf(f: SrFixture): Promise<Record<string, string>> {
  return f.linstor.keyValueStore.props(`xcp-sr-${f.groupName.replace('/', '_')}`);
}

async function metadataOf(f: SrFixture, uuid: string): Promise<Record<string, unknown>> {
  const kv = await kvOf(f);
  const text = kv[`xcp/volume/${uuid}/metadata`] ?? kv[`/xcp/volume/${uuid}/metadata`];
  return JSON.parse(text ?? '{}') as Record<string, unknown>;
}

async function withVolumes<T>(f: SrFixture, fn: (volumes: VolumeManager) => Promise<T>): Promise<T> {
  return fn(await VolumeManager.open({ linstor: f.linstor, groupName: f.groupName, logger: silentLogger(), timeScale: 0.01 }));
}

/** Every PBD of the SR gets `extra` on top of the device-config the fixture gave it. */
function setDeviceConfig(f: SrFixture, extra: Record<string, string>): void {
  const db = f.pool.xapi.db;
  for (const pbd of db.refsWhere('PBD', (r) => r['SR'] === f.srRef)) {
    const base = { ...(db.get('PBD', pbd)['device_config'] as Record<string, string>) };
    delete base['preferred-image-formats'];
    db.set('PBD', pbd, { device_config: { ...base, ...extra } });
  }
}

test.serial('vdi_create: image-format, else the legacy type, else the SR\'s first preferred format; sm-config records the format', async (t) => {
  const f = await srFixture(t, { hosts: 2, redundancy: 2 });
  const cases: [string, Record<string, string>, string, string][] = [
    ['image-format raw', { 'image-format': 'raw' }, 'raw', 'aio'],
    ['image-format vhd', { 'image-format': 'vhd' }, 'vhd', 'vhd'],
    ['legacy type raw', { type: 'raw' }, 'raw', 'aio'],
    ['legacy type vhd', { type: 'vhd' }, 'vhd', 'vhd'],
    ['image-format before type', { 'image-format': 'raw', type: 'vhd' }, 'raw', 'aio'],
    ['nothing: the default preference', {}, 'vhd', 'vhd'],
  ];
  for (const [title, smConfig, format, vdiType] of cases) {
    const { uuid, record } = await createVdi(f, 8 * MIB, { sm_config: smConfig });
    t.deepEqual(record.sm_config, { ...smConfig, 'image-format': format, vdi_type: vdiType }, title);
    t.is((await metadataOf(f, uuid))['vdi_type'], vdiType, `${title}: KV metadata`);
  }

  // preferred-image-formats: unsupported entries dropped (qcow2), the first one left wins.
  setDeviceConfig(f, { 'preferred-image-formats': 'qcow2, raw,vhd' });
  let created = await createVdi(f, 8 * MIB);
  t.deepEqual(created.record.sm_config, { 'image-format': 'raw', vdi_type: 'aio' }, 'the SR prefers raw');
  t.is((await metadataOf(f, created.uuid))['vdi_type'], 'aio');
  created = await createVdi(f, 8 * MIB, { sm_config: { 'image-format': 'vhd' } });
  t.is(created.record.sm_config['vdi_type'], 'vhd', 'the VDI\'s own format wins over the preference');
  setDeviceConfig(f, { 'preferred-image-formats': 'qcow2' });
  created = await createVdi(f, 8 * MIB);
  t.deepEqual(created.record.sm_config, { 'image-format': 'vhd', vdi_type: 'vhd' }, 'nothing storable left: vhd');
});

test.serial('vdi_create: an unknown or unsupported format, or a RAW size out of range, answers sm\'s exact fault with no LINSTOR request and nothing created; RAW sizes are rounded as VHD ones', async (t) => {
  const f = await srFixture(t, { hosts: 2, redundancy: 2 });
  const sim = f.pool.runtime.controller.sim;
  if (!sim) throw new Error('no LINSTOR simulator');
  const cases: [string, number, Record<string, string>, string, string][] = [
    ['unknown image-format', 8 * MIB, { 'image-format': 'vhdx' }, 'SR_BACKEND_FAILURE_66', 'Invalid VDI type [opterr=Unknown image format `vhdx`]'],
    ['unknown legacy type', 8 * MIB, { type: 'aio' }, 'SR_BACKEND_FAILURE_66', 'Invalid VDI type [opterr=Unknown image format `aio`]'],
    ['qcow2', 8 * MIB, { 'image-format': 'qcow2' }, 'SR_BACKEND_FAILURE_66', 'Invalid VDI type [opterr=Unsupported image format `qcow2`]'],
    ['legacy type qcow2', 8 * MIB, { type: 'qcow2' }, 'SR_BACKEND_FAILURE_66', 'Invalid VDI type [opterr=Unsupported image format `qcow2`]'],
    ['RAW above 2040 GiB', 2040 * 1024 * MIB + 1, { 'image-format': 'raw' }, 'SR_BACKEND_FAILURE_79', 'VDI Invalid size [opterr=VDI size must be between 1 MB and 2088960 MB]'],
    ['VHD above 2040 GiB', 2041 * 1024 * MIB, {}, 'SR_BACKEND_FAILURE_79', 'VDI Invalid size [opterr=VDI size must be between 1 MB and 2088960 MB]'],
  ];
  const kvBefore = await kvOf(f);
  for (const [title, size, smConfig, code, faultString] of cases) {
    const before = sim.controls.counters().total;
    const error = await failure(createVdi(f, size, { sm_config: smConfig }));
    t.is(sim.controls.counters().total - before, 0, `${title}: no LINSTOR request`);
    t.is(error?.code, code, `${title}: ${JSON.stringify(error?.params)}`);
    t.is(error?.params?.[1], faultString, title);
  }
  t.deepEqual(await kvOf(f), kvBefore, 'no KV write');
  t.deepEqual([...(await f.placement()).keys()], [], 'no volume');
  t.deepEqual(Object.keys(await f.xapi.vdi.getAllRecords()), [], 'no VDI');

  // A tiny RAW disk gets the 2 MiB minimum, and a RAW size is rounded up to 2 MiB before LINSTOR sees it.
  for (const [size, kib] of [[1, 2048], [2 * MIB + 1, 4096]] as const) {
    const { uuid, record } = await createVdi(f, size, { sm_config: { 'image-format': 'raw' } });
    const rd = String(await withVolumes(f, async (v) => v.resourceName(asVdiUuid(uuid))));
    t.is((await f.linstor.volumeDefinitions.get(rd, 0)).size_kib, kib, `${size} bytes → ${kib} KiB`);
    t.true(Number(record.virtual_size) >= kib * 1024, 'the disk is the whole device');
  }
});

/**
 * The fields a scan must give back, with refs turned into uuids. snapshot_time is left to the caller: xapi
 * stamps a snapshot after the driver returns, so the record's time and the KV's can differ by a second,
 * and a scan (Python's too) can only give back the KV's.
 */
async function comparable(f: SrFixture, record: VdiRecord): Promise<Record<string, unknown>> {
  const snapshotOf = record.snapshot_of === 'OpaqueRef:NULL' ? '' : await f.xapi.vdi.getUuid(record.snapshot_of);
  return {
    uuid: record.uuid,
    location: record.location,
    name_label: record.name_label,
    name_description: record.name_description,
    type: record.type,
    sharable: record.sharable,
    read_only: record.read_only,
    managed: record.managed,
    sm_config: record.sm_config,
    virtual_size: String(record.virtual_size),
    physical_utilisation: String(record.physical_utilisation),
    is_a_snapshot: record.is_a_snapshot,
    snapshot_of: snapshotOf,
  };
}

async function byUuid(f: SrFixture): Promise<Map<string, { ref: string; record: VdiRecord }>> {
  const records = await f.xapi.vdi.recordsOfSr(f.srRef);
  return new Map(Object.entries(records).map(([ref, record]) => [record.uuid, { ref, record }]));
}

/** A VHD with a snapshot (so a base copy and a VHD child) and a read-only RAW disk of type `system`. */
async function seedVdis(f: SrFixture): Promise<{ vhd: string; raw: string; snap: string; base: string; refs: Map<string, string> }> {
  const vhd = await createVdi(f, 8 * MIB, { name_label: 'disk A', name_description: 'a VHD' });
  const raw = await createVdi(f, 8 * MIB, { name_label: 'disk B', name_description: 'a RAW disk', type: 'system', read_only: true, sm_config: { 'image-format': 'raw' } });
  const snapRef = await f.xapi.vdi.snapshot(vhd.ref);
  const snap = await f.xapi.vdi.getUuid(snapRef);
  const base = (await f.xapi.vdi.getSmConfig(vhd.ref))['vhd-parent'] ?? '';
  return { vhd: vhd.uuid, raw: raw.uuid, snap, base, refs: new Map([[vhd.uuid, vhd.ref], [raw.uuid, raw.ref], [snap, snapRef]]) };
}

test.serial('sr_scan backfills image-format, from the KV type, where sm-config lacks it', async (t) => {
  // A scan forgets nothing without the controller database, so this SR is made by sr_create.
  const f = await createdSr(t, 2);
  const { vhd, raw, snap, base, refs } = await seedVdis(f);
  t.truthy(base, 'the snapshot made a base copy');
  // What older drivers (and sm's snapshot) leave: no image-format.
  await f.xapi.vdi.removeFromSmConfig(refs.get(raw)!, 'image-format');
  await f.xapi.vdi.removeFromSmConfig(refs.get(vhd)!, 'image-format');
  let vdis = await byUuid(f);
  for (const uuid of [vhd, raw, snap, base]) t.is(vdis.get(uuid)!.record.sm_config['image-format'], undefined, `${uuid} before`);
  await f.xapi.sr.scan(f.srRef);
  vdis = await byUuid(f);
  t.is(vdis.get(raw)!.record.sm_config['image-format'], 'raw');
  for (const uuid of [vhd, snap, base]) t.is(vdis.get(uuid)!.record.sm_config['image-format'], 'vhd', uuid);
  t.is(vdis.get(vhd)!.record.sm_config['vhd-parent'], base, 'other keys kept');
});

test.serial('a VDI forgotten from XAPI comes back on sr_scan with every field it had', async (t) => {
  const f = await createdSr(t, 2);
  const { vhd, raw, snap, base, refs } = await seedVdis(f);
  // The steady state: the scan has synced the utilisation and given every record its image-format.
  await f.xapi.sr.scan(f.srRef);
  let vdis = await byUuid(f);
  const forgotten = [vhd, raw, snap];
  const before = new Map<string, Record<string, unknown>>();
  for (const uuid of forgotten) before.set(uuid, await comparable(f, vdis.get(uuid)!.record));
  const snapTimeBefore = new Date(vdis.get(snap)!.record.snapshot_time).getTime();
  t.like(before.get(snap), { is_a_snapshot: true, snapshot_of: vhd, managed: true, sm_config: { vdi_type: 'vhd', 'image-format': 'vhd', 'vhd-parent': base } });
  t.like(before.get(vhd), { name_label: 'disk A', name_description: 'a VHD', sm_config: { vdi_type: 'vhd', 'image-format': 'vhd', 'vhd-parent': base } });
  t.like(before.get(raw), { read_only: true, type: 'system', sm_config: { vdi_type: 'aio', 'image-format': 'raw' } });
  for (const uuid of forgotten) await f.xapi.call('VDI.forget', refs.get(uuid)!);
  t.deepEqual([...(await byUuid(f)).keys()], [base]);

  await f.xapi.sr.scan(f.srRef);
  vdis = await byUuid(f);
  t.deepEqual([...vdis.keys()].sort(), [base, ...forgotten].sort());
  for (const uuid of forgotten) t.deepEqual(await comparable(f, vdis.get(uuid)!.record), before.get(uuid), `VDI ${uuid}`);
  const kvTime = /^(\d{4})(\d{2})(\d{2})T(\d{2}:\d{2}:\d{2})Z$/.exec(String((await metadataOf(f, snap))['snapshot_time']));
  t.truthy(kvTime, 'the KV holds the snapshot time in sm\'s format');
  const introducedTime = new Date(vdis.get(snap)!.record.snapshot_time).getTime();
  t.is(introducedTime, Date.parse(`${kvTime![1]}-${kvTime![2]}-${kvTime![3]}T${kvTime![4]}Z`), 'snapshot_time from the KV');
  t.true(Math.abs(introducedTime - snapTimeBefore) <= 2000, 'within a second or two of the time xapi stamped');
  t.is(new Date(vdis.get(vhd)!.record.snapshot_time).getTime(), 0, 'no snapshot time for a VDI that is not a snapshot');
});

test.serial('an existing VDI\'s type comes from the KV metadata only: XAPI\'s sm-config vdi_type is never used instead', async (t) => {
  const f = await srFixture(t, { hosts: 2, redundancy: 2 });
  const vhd = await createVdi(f, 8 * MIB);
  t.is(vhd.record.sm_config['vdi_type'], 'vhd');
  const original = await metadataOf(f, vhd.uuid);
  const { vdi_type: _dropped, ...withoutType } = original;
  await withVolumes(f, (v) => v.setMetadata(asVdiUuid(vhd.uuid), withoutType));
  let error = await failure(f.xapi.vdi.resize(vhd.ref, 16 * MIB));
  t.is(error?.code, 'SR_BACKEND_FAILURE_46', JSON.stringify(error?.params));
  t.is(error?.params?.[1], `The VDI is not available [opterr=failed to get vdi_type in metadata of ${vhd.uuid}]`);
  await withVolumes(f, (v) => v.setMetadata(asVdiUuid(vhd.uuid), {}));
  error = await failure(f.xapi.vdi.resize(vhd.ref, 16 * MIB));
  t.is(error?.params?.[1], `The VDI is not available [opterr=failed to get metadata of ${vhd.uuid}]`);
  t.is(Number(await f.xapi.vdi.get(vhd.ref, 'virtual_size')), 8 * MIB, 'nothing resized');

  await withVolumes(f, (v) => v.setMetadata(asVdiUuid(vhd.uuid), original));
  await f.xapi.vdi.resize(vhd.ref, 16 * MIB);
  t.is(Number(await f.xapi.vdi.get(vhd.ref, 'virtual_size')), 16 * MIB, 'with its metadata back the VDI serves again');
});
