/**
 * vdi_resize of a RAW VDI end to end while its replicas resync: the driver waits for LINSTOR's
 * sync-status (every second, at most 300 s, both scaled by LINSTOR_SR_TIME_SCALE = 0.01 here), then
 * grows the volume; a resync that outlasts the wait fails the verb with VDIResize (110) and sm's message,
 * XAPI's size and LINSTOR's unchanged. The guest reads back its data and writes past the old end.
 */
import test from 'ava';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { srFixture, type SrFixture } from '../../sim/fixtures/sr.js';

const MIB = 1024 * 1024;
const SYNC_STATUS = 'GET /v1/resource-definitions/{resource}/sync-status';

async function io(f: SrFixture, host: string, vdi: string, op: 'read' | 'write', offset: number, data: Buffer | number): Promise<Buffer> {
  const file = path.join(await mkdtemp(path.join(os.tmpdir(), 'io-')), 'data');
  if (typeof data !== 'number') await writeFile(file, data);
  await f.pool.io(host, { vdi, op, offset, file, ...(typeof data === 'number' ? { length: data } : {}) });
  return op === 'read' ? readFile(file) : Buffer.alloc(0);
}

test('a RAW VDI grows once its replicas are in sync; a resync outlasting the wait fails with VDIResize and changes nothing', async (t) => {
  const f = await srFixture(t, { hosts: 2, redundancy: 2 });
  const sim = f.pool.runtime.controller.sim!;
  const ref = await f.xapi.vdi.create({ SR: f.srRef, virtual_size: 8 * MIB, name_label: 'raw', sm_config: { type: 'raw' } });
  const uuid = await f.xapi.vdi.getUuid(ref);
  t.is((await f.xapi.vdi.getRecord(ref)).sm_config['vdi_type'], 'aio');
  const kv = await f.linstor.keyValueStore.props(`xcp-sr-${f.groupName.replace('/', '_')}`);
  const rd = kv[`xcp/volume/${uuid}/volume-name`] ?? kv[`/xcp/volume/${uuid}/volume-name`] ?? '';
  const sizeKib = () => sim.state().resourceDefinitions[rd.toUpperCase()]?.vds[0]?.sizeKib ?? 0;
  const data = randomBytes(128 * 1024);
  const vm = await f.startVmWith(ref, 'host1');
  await io(f, 'host1', uuid, 'write', 4 * MIB, data);
  await f.xapi.call('VM.hard_shutdown', vm);

  // A resync that ends while the resize waits for it (after its first sync-status poll, however long the
  // verb took to get there on a loaded machine): the resize then grows the volume.
  sim.controls.resetCounters();
  await sim.setSyncing(rd, 3_600_000);
  let settled = false;
  const resized = f.xapi.vdi.resize(ref, 16 * MIB).finally(() => (settled = true));
  while (!settled && (sim.controls.counters().byRoute[SYNC_STATUS] ?? 0) < 1) await new Promise((r) => setTimeout(r, 5));
  await sim.setSyncing(rd, 0);
  await resized;
  t.true(Number(await f.xapi.vdi.get(ref, 'virtual_size')) >= 16 * MIB);
  t.true(sizeKib() * 1024 >= 16 * MIB);
  t.true((sim.controls.counters().byRoute[SYNC_STATUS] ?? 0) >= 2, 'it polled sync-status until in sync');

  // One that outlasts it: VDIResize with sm's message, nothing grown.
  await sim.setSyncing(rd, 3_600_000);
  const before = { xapi: await f.xapi.vdi.get(ref, 'virtual_size'), linstor: sizeKib() };
  const error = await t.throwsAsync(f.xapi.vdi.resize(ref, 32 * MIB));
  t.regex(String(error?.message), /SR_BACKEND_FAILURE_110/);
  const message = `Volume resizing of \`${uuid}\` from SR \`xcp-sr-linstor_group_thin_device\` is incomplete: timeout reached but it continues in background.`;
  t.true(String(error?.message).includes(message), String(error?.message));
  t.deepEqual({ xapi: await f.xapi.vdi.get(ref, 'virtual_size'), linstor: sizeKib() }, before);

  // In sync again: the same resize succeeds, the data is intact and the guest writes past the old end.
  await sim.setSyncing(rd, 0);
  await f.xapi.vdi.resize(ref, 32 * MIB);
  t.true(sizeKib() * 1024 >= 32 * MIB);
  const tail = randomBytes(64 * 1024);
  const vm2 = await f.startVmWith(ref, 'host2');
  t.deepEqual(await io(f, 'host2', uuid, 'read', 4 * MIB, data.length), data);
  await io(f, 'host2', uuid, 'write', 30 * MIB, tail);
  t.deepEqual(await io(f, 'host2', uuid, 'read', 30 * MIB, tail.length), tail);
  await f.xapi.call('VM.hard_shutdown', vm2);
  await f.xapi.vdi.destroy(ref);
});
