/**
 * Take over and hand back: an SR holding what the Python driver leaves (python-sr-
 * state.ts) is attached and scanned by this driver — VDIs introduced with their uuids, sizes and labels,
 * the interrupted inflate and snapshot undone, the GC's journal entries left alone, guest data readable —
 * and what this driver then writes has exactly the keys and value formats the Python driver reads (§3.2).
 */
import test from 'ava';
import { mkdtemp, readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { checkVhd, queryVhd } from '../../lib/vhd/index.js';
import { srNames } from '../../lib/volume/index.js';
import { BASE_DATA, CLONE_DATA, GC_JOURNAL, LEAF_DATA, MIB, PY, seedPythonSr } from './python-sr-state.js';
import { createSr, THIN } from '../../sim/fixtures/sr-create.js';
import { linstorOf } from '../../sim/fixtures/linstor.js';
import { startFixture } from '../../sim/fixtures/pool-session.js';

const UUID4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
/** The srmetadata tags and their JSON types, as the Python driver reads them (§3.2). */
const METADATA_TYPES: Readonly<Record<string, string>> = {
  name_label: 'string',
  name_description: 'string',
  is_a_snapshot: 'boolean',
  snapshot_of: 'string',
  snapshot_time: 'string',
  type: 'string',
  vdi_type: 'string',
  read_only: 'boolean',
  metadata_of_pool: 'string',
};

async function readGuest(pool: Parameters<typeof createSr>[0]['pool'], host: string, vdi: string, offset: number, length: number): Promise<Buffer> {
  const file = path.join(await mkdtemp(path.join(os.tmpdir(), 'takeover-')), 'out');
  await pool.io(host, { vdi, op: 'read', offset, length, file });
  return readFile(file);
}

test('a pool left by the Python driver is attached, repaired and scanned; what this driver writes is what Python reads', async (t) => {
  t.timeout(15 * 60_000);
  const f = await startFixture(t, 2);
  const sr = await createSr(f, THIN);
  const group = THIN['group-name'];
  const root = f.pool.runtime.host('host1').spec.root;
  let linstor = linstorOf(f.pool);
  const seeded = await seedPythonSr(linstor, group, root);
  await linstor.close();

  // Hand over: the master re-attaches (as after a driver upgrade), then XAPI scans.
  const master = Object.entries(await f.xapi.pbd.recordsOfSr(sr)).find(([, p]) => p.host === f.master)![0];
  await f.xapi.pbd.unplug(master);
  await f.xapi.pbd.plug(master);
  await f.xapi.sr.scan(sr);

  const records = Object.values(await f.xapi.vdi.recordsOfSr(sr));
  const byUuid = new Map(records.map((r) => [r.uuid, r]));
  const leaf = byUuid.get(PY.leaf);
  t.is(leaf?.name_label, 'Python disk \u00e9', 'label decoded from json.dumps\' \\u escapes');
  t.is(Number(leaf?.virtual_size), 32 * MIB);
  t.true(leaf?.managed);
  t.is(byUuid.get(PY.snap)?.is_a_snapshot, true);
  t.is(byUuid.get(PY.snap)?.snapshot_of, (await f.xapi.vdi.getByUuid(PY.leaf)));
  t.is(byUuid.get(PY.base)?.managed, false, 'the hidden base copy is unmanaged');
  t.is(Number(byUuid.get(PY.raw)?.virtual_size), 8 * MIB);
  t.is(Number(byUuid.get(PY.inflated)?.virtual_size), 16 * MIB);
  t.is(byUuid.get(PY.cloned)?.name_label, 'snapshotted disk', 'the interrupted snapshot rolled back: the base is the VDI again');
  t.false(byUuid.has(PY.cloneBase));
  t.false(byUuid.has(PY.cloneSnap));
  t.is(records.length, 6);

  linstor = linstorOf(f.pool);
  t.teardown(() => linstor.close());
  const kv = await linstor.keyValueStore.props(srNames(group).kv);
  const get = (key: string) => kv[key] ?? kv[`/${key}`];
  const journal = Object.keys(kv).filter((k) => k.replace(/^\//, '').startsWith('xcp/sr/journal/'));
  t.deepEqual(journal.map((k) => k.replace(/^\//, '')).sort(), Object.keys(GC_JOURNAL).sort(), 'inflate and clone replayed; the GC\'s zero, leaf, coalesce and relink kept');
  for (const [k, v] of Object.entries(GC_JOURNAL)) t.is(get(k), v, `${k} unchanged`);
  t.is(get(`xcp/volume/${PY.cloned}/volume-name`), seeded.volumes.cloneBase!.rd, 'the base resource carries the VDI uuid again');
  t.is(get(`xcp/volume/${PY.cloneBase}/volume-name`), undefined);
  t.is(get(`xcp/volume/${PY.leaf}/volume-name`), seeded.volumes.leaf!.rd, 'resources keep their names');

  const inflated = await queryVhd({ root }, seeded.volumes.inflated!.device);
  t.true(inflated.physicalSize <= seeded.inflateOldBytes, `footer moved back to the old size (${inflated.physicalSize} ≤ ${seeded.inflateOldBytes})`);
  t.true((await checkVhd({ root }, seeded.volumes.inflated!.device)).ok);
  t.false((await queryVhd({ root }, seeded.volumes.cloneBase!.device)).hidden, 'unhidden by the rollback');

  // Guest data written under Python, read through this driver's attach on the other host.
  const vm = await f.xapi.call<string>('VM.create', { name_label: 'reader' });
  for (const [i, uuid] of [PY.leaf, PY.cloned].entries()) {
    await f.xapi.call('VBD.create', { VM: vm, VDI: await f.xapi.vdi.getByUuid(uuid), mode: 'RW', type: 'Disk', userdevice: String(i), bootable: false, empty: false, other_config: {} });
  }
  await f.xapi.call('VM.start_on', vm, f.pool.xapi.host('host2').ref, false, false);
  t.deepEqual(await readGuest(f.pool, 'host2', PY.leaf, 1 * MIB, BASE_DATA.length), BASE_DATA, 'data in the base, through the chain');
  t.deepEqual(await readGuest(f.pool, 'host2', PY.leaf, 5 * MIB + 3, LEAF_DATA.length), LEAF_DATA, 'data in the leaf');
  t.deepEqual(await readGuest(f.pool, 'host2', PY.cloned, 0, CLONE_DATA.length), CLONE_DATA, 'data of the rolled-back VDI');
  await f.xapi.call('VM.hard_shutdown', vm);

  // Hand back: what this driver writes for a new VDI is what the Python driver reads.
  const ref = await f.xapi.vdi.create({ SR: sr, virtual_size: 20 * MIB, name_label: 'made by TS', name_description: 'd\u00e9sc' });
  const uuid = await f.xapi.vdi.getUuid(ref);
  await f.xapi.vdi.set(ref, 'name_label', 'renamed by TS');
  await f.xapi.vdi.update(ref);
  const after = await linstor.keyValueStore.props(srNames(group).kv);
  const own = Object.fromEntries(Object.entries(after).filter(([k]) => k.replace(/^\//, '').startsWith(`xcp/volume/${uuid}/`)).map(([k, v]) => [k.replace(/^\//, '').slice(`xcp/volume/${uuid}/`.length), v]));
  t.deepEqual(Object.keys(own).sort(), ['metadata', 'not-exists', 'volume-name'], 'exactly the keys of a Python volume');
  t.is(own['not-exists'], '0');
  t.regex(own['volume-name'] ?? '', /^xcp-volume-[0-9a-f-]{36}$/);
  t.regex((own['volume-name'] ?? '').slice('xcp-volume-'.length), UUID4, 'a random uuid4, not the VDI uuid');
  t.not(own['volume-name'], `xcp-volume-${uuid}`);
  const metadata = JSON.parse(own['metadata'] ?? '{}') as Record<string, unknown>;
  for (const [key, type] of Object.entries(METADATA_TYPES)) t.is(typeof metadata[key] as string, type, `metadata ${key} is a ${type}`);
  t.like(metadata, { name_label: 'renamed by TS', name_description: 'd\u00e9sc', vdi_type: 'vhd', is_a_snapshot: false, read_only: false, type: 'user' });
  const srMetadata = JSON.parse((after['xcp/sr/metadata'] ?? after['/xcp/sr/metadata'])!) as Record<string, unknown>;
  t.deepEqual(Object.keys(srMetadata).sort(), ['name_description', 'name_label']);
  for (const [k, v] of Object.entries(after)) t.is(typeof v, 'string', `${k}: values are strings`);
  const foreign = Object.keys(after)
    .map((k) => k.replace(/^\//, ''))
    .filter((k) => !/^xcp\/(volume\/[^/]+\/(not-exists|volume-name|metadata|readonly-timestamp|updating-uuid-src)|sr\/(metadata|uuid|journal\/(inflate|clone|zero|leaf|coalesce|relink)\/[^/]+))$/.test(k));
  t.deepEqual(foreign, [], 'no key outside the layout (xcp/sr/uuid is ours, ignored by Python)');
});
