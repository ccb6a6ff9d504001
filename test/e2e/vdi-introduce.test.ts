/**
 * vdi_introduce through XAPI's VDI.introduce: a VDI forgotten from XAPI comes back with the record the scan
 * would give it (names and type from the KV, sizes, chain, snapshot link) and its data; a hidden base copy
 * only once a VDI uses it. Every refusal is a clear SR error that changes nothing, in LINSTOR or XAPI.
 */
import test from 'ava';
import { randomBytes, randomUUID } from 'node:crypto';
import { DRIVER_INFO } from '../../driver/driver-info.js';
import type { SrFixture } from '../../sim/fixtures/sr.js';
import { kvOf } from '../../sim/fixtures/kv.js';
import { writeLeaf } from '../../sim/fixtures/write.js';
import { execSm } from '../../sim/xapi/sm-exec.js';
import type { VdiRecord } from '../../lib/xapi/index.js';
import { inconsistencies, readLeaf } from './snapshot-helpers.js';
import { createdSr, newVdi } from './vdi-io.js';

const MIB = 1024 * 1024;
const EPOCH = new Date(0);

/** VDI.introduce as a client calls it: the uuid and location given, every other field left to the driver. */
function introduce(f: SrFixture, uuid: string, location: string, names: { label?: string; description?: string } = {}): Promise<string> {
  return f.xapi.call<string>(
    'VDI.introduce', uuid, names.label ?? '', names.description ?? '', f.srRef, 'user', false, false, {}, location, {}, {}, true, 0, 0, 'OpaqueRef:NULL', false, EPOCH, 'OpaqueRef:NULL',
  );
}

/** vdi_introduce as xapi runs it, for the driver's own error (xapi turns any into VDI_DOES_NOT_EXIST). */
function introduceVerb(f: SrFixture, uuid: string, location: string): Promise<unknown> {
  return execSm(f.pool.xapi, { verb: 'vdi_introduce', host: f.pool.xapi.host('host1').ref, sr: f.srRef, args: [], location, newUuid: uuid });
}

/** What the scan and the introduce decide about a record (refs resolved to uuids). */
async function comparable(f: SrFixture, r: VdiRecord): Promise<Record<string, unknown>> {
  return {
    uuid: r.uuid, location: r.location, name_label: r.name_label, name_description: r.name_description, type: r.type,
    read_only: r.read_only, managed: r.managed, sm_config: r.sm_config, virtual_size: String(r.virtual_size), is_a_snapshot: r.is_a_snapshot,
    snapshot_of: r.snapshot_of === 'OpaqueRef:NULL' ? '' : await f.xapi.vdi.getUuid(r.snapshot_of),
  };
}

async function recordOf(f: SrFixture, uuid: string): Promise<Record<string, unknown>> {
  return comparable(f, await f.xapi.vdi.getRecord(await f.xapi.vdi.getByUuid(uuid)));
}

test.serial('a forgotten VDI, its snapshot and their base copy come back as the scan would give them, data and chain included', async (t) => {
  t.timeout(10 * 60_000);
  t.true(DRIVER_INFO.capabilities.includes('VDI_INTRODUCE'));
  const f = await createdSr(t, 2);
  const disk = await newVdi(f, 16 * MIB, { name_label: 'disk A', name_description: 'kept in the KV' });
  const data = randomBytes(4096);
  await writeLeaf(f, disk.uuid, MIB, data);
  const snapRef = await f.xapi.vdi.snapshot(disk.ref);
  const snap = await f.xapi.vdi.getUuid(snapRef);
  const base = (await f.xapi.vdi.getSmConfig(disk.ref))['vhd-parent']!;
  // The steady state first: the scan has written the utilisation and image-format of every record.
  await f.xapi.call('SR.scan', f.srRef);
  const before = new Map<string, Record<string, unknown>>();
  for (const uuid of [disk.uuid, snap, base]) before.set(uuid, await recordOf(f, uuid));

  for (const uuid of [disk.uuid, snap, base]) await f.xapi.call('VDI.forget', await f.xapi.vdi.getByUuid(uuid));
  // No VDI uses the hidden base yet: refused, nothing introduced.
  const kv = await kvOf(f);
  t.like(await t.throwsAsync(introduceVerb(f, base, base)), { code: 'SR_BACKEND_FAILURE_46', params: ['', `The VDI is not available [opterr=volume ${base} is a hidden VHD no VDI uses: the collector removes it]`] });
  t.deepEqual(await kvOf(f), kv);

  const ref = await introduce(f, disk.uuid, disk.uuid);
  t.is(await f.xapi.vdi.getUuid(ref), disk.uuid);
  await introduce(f, snap, snap);
  await introduce(f, base, base);
  for (const uuid of [disk.uuid, snap, base]) t.deepEqual(await recordOf(f, uuid), before.get(uuid), uuid);
  t.deepEqual(await readLeaf(f, disk.uuid, MIB, 4096), data, 'the data through the introduced chain');
  t.deepEqual(await readLeaf(f, snap, MIB, 4096), data);
  // Names given to VDI.introduce win over the KV's, as for any introduce.
  await f.xapi.call('VDI.forget', await f.xapi.vdi.getByUuid(snap));
  const renamed = await introduce(f, snap, snap, { label: 'back again' });
  t.is(await f.xapi.vdi.get(renamed, 'name_label'), 'back again');
  await f.xapi.call('SR.scan', f.srRef);
  t.deepEqual(await inconsistencies(f), []);
});

test.serial('refused, with nothing changed: a uuid XAPI has, no such volume, a uuid that is not the location, a used location', async (t) => {
  t.timeout(10 * 60_000);
  const f = await createdSr(t, 2);
  const disk = await newVdi(f, 8 * MIB);
  const gone = await newVdi(f, 8 * MIB);
  await f.xapi.call('VDI.forget', gone.ref);
  const kv = await kvOf(f);
  const vdis = Object.keys(await f.xapi.vdi.recordsOfSr(f.srRef)).length;
  const unknown = randomUUID();

  const refusals: [string, string, number, string][] = [
    [disk.uuid, disk.uuid, 43, `The VDI already exists [opterr=XAPI already has VDI ${disk.uuid}]`],
    [unknown, unknown, 46, `The VDI is not available [opterr=no LINSTOR volume ${unknown} in SR ${f.srUuid}]`],
    [unknown, gone.uuid, 46, `The VDI is not available [opterr=a LINSTOR VDI's uuid is its location: introduce ${gone.uuid} with uuid ${gone.uuid}, not ${unknown}]`],
  ];
  for (const [uuid, location, code, message] of refusals) {
    t.like(await t.throwsAsync(introduceVerb(f, uuid, location)), { code: `SR_BACKEND_FAILURE_${code}`, params: ['', message] }, message);
    // Through XAPI, any SM failure is VDI_DOES_NOT_EXIST of the location (a location in use: below).
    if (location !== disk.uuid) t.like(await t.throwsAsync(introduce(f, uuid, location)), { code: 'VDI_DOES_NOT_EXIST', params: [location] });
  }
  // xapi itself refuses a location a VDI of the SR has, before any SM call.
  t.like(await t.throwsAsync(introduce(f, randomUUID(), disk.uuid)), { code: 'LOCATION_NOT_UNIQUE', params: [f.srRef, disk.uuid] });
  t.deepEqual(await kvOf(f), kv, 'the KV is unchanged');
  t.is(Object.keys(await f.xapi.vdi.recordsOfSr(f.srRef)).length, vdis, 'no VDI record added');
  // And the forgotten one still comes back.
  await introduce(f, gone.uuid, gone.uuid);
  t.is(Object.keys(await f.xapi.vdi.recordsOfSr(f.srRef)).length, vdis + 1);
});
