/**
 * on_boot=reset (VDI_RESET_ON_BOOT/2) through XAPI: VDI.set_on_boot makes the VDI a leaf over a read-only
 * parent (xapi's clone and delete of the copy); each VM start resets the leaf to that parent, so what the
 * guest wrote is gone at the next start, even after a collector run; back to persist, writes stay. A VDI
 * that cannot be reset refuses the start and changes nothing.
 */
import test from 'ava';
import { randomBytes } from 'node:crypto';
import { DRIVER_INFO } from '../../driver/driver-info.js';
import { runGc } from '../../sim/fixtures/collector.js';
import { kvOf } from '../../sim/fixtures/kv.js';
import { writeLeaf } from '../../sim/fixtures/write.js';
import { depthOf } from './snapshot-helpers.js';
import { createdSr, newVdi, readVdi, writeVdi } from './vdi-io.js';

const MIB = 1024 * 1024;

test.serial('a VM started twice on a reset-on-boot VDI boots on the same data; back to persist, its writes stay', async (t) => {
  t.timeout(10 * 60_000);
  t.true(DRIVER_INFO.capabilities.includes('VDI_RESET_ON_BOOT/2'), 'the exact string sm compares');
  const f = await createdSr(t, 3);
  const disk = await newVdi(f, 16 * MIB);
  const golden = randomBytes(4096);
  await writeLeaf(f, disk.uuid, MIB, golden);
  const vdis = Object.keys(await f.xapi.vdi.recordsOfSr(f.srRef)).length;

  await f.xapi.call('VDI.set_on_boot', disk.ref, 'reset');
  t.is(await f.xapi.vdi.get(disk.ref, 'on_boot'), 'reset');
  t.truthy((await f.xapi.vdi.getSmConfig(disk.ref))['vhd-parent'], 'a leaf over a parent to reset to');
  t.is(Object.keys(await f.xapi.vdi.recordsOfSr(f.srRef)).length, vdis + 1, 'the parent is the only new VDI (the clone is gone)');

  const vm = await f.startVmWith(disk.ref, 'host2');
  t.deepEqual(await readVdi(f, 'host2', disk.uuid, MIB, 4096), golden);
  const scribble = randomBytes(4096);
  await writeVdi(f, 'host2', disk.uuid, MIB, scribble);
  await writeVdi(f, 'host2', disk.uuid, 9 * MIB, scribble);
  t.deepEqual(await readVdi(f, 'host2', disk.uuid, MIB, 4096), scribble, 'the guest writes while it runs');
  await f.xapi.call('VM.clean_shutdown', vm);
  // A collector run must not merge the leaf into its parent: its writes would outlive the reset.
  const gc = await runGc(f, ['--once']);
  t.is(gc.exitCode, 0, gc.stderr);
  t.is(await depthOf(f, disk.uuid), 2, 'still a leaf over its parent');

  for (const host of ['host2', 'host3']) {
    await f.xapi.call('VM.start_on', vm, f.pool.xapi.host(host).ref, false, false);
    t.deepEqual(await readVdi(f, host, disk.uuid, MIB, 4096), golden, `reset on ${host}: the parent's data`);
    t.deepEqual(await readVdi(f, host, disk.uuid, 9 * MIB, 4096), Buffer.alloc(4096), `reset on ${host}: a block the parent lacks reads as zeros`);
    await writeVdi(f, host, disk.uuid, MIB, scribble);
    await f.xapi.call('VM.clean_shutdown', vm);
  }

  await f.xapi.call('VDI.set_on_boot', disk.ref, 'persist');
  await f.xapi.call('VM.start_on', vm, f.pool.xapi.host('host1').ref, false, false);
  t.deepEqual(await readVdi(f, 'host1', disk.uuid, MIB, 4096), scribble, 'persist: the last writes are still there');
  await f.xapi.call('VM.clean_shutdown', vm);
});

test.serial('a VDI that cannot be reset: no parent refuses the start, RAW refuses set_on_boot; nothing changed', async (t) => {
  t.timeout(10 * 60_000);
  const f = await createdSr(t, 2);
  const lone = await newVdi(f, 8 * MIB);
  const data = randomBytes(4096);
  await writeLeaf(f, lone.uuid, MIB, data);
  // on_boot written behind the driver's back (an older xapi, an operator): a VHD with no parent.
  f.pool.xapi.db.set('VDI', lone.ref, { on_boot: 'reset' });
  const kv = await kvOf(f);
  const vm = await f.xapi.call<string>('VM.create', { name_label: 'vm-lone' });
  await f.xapi.call('VBD.create', { VM: vm, VDI: lone.ref, mode: 'RW', type: 'Disk', userdevice: '0', bootable: false, empty: false, other_config: {} });
  const refused = await t.throwsAsync(f.xapi.call('VM.start_on', vm, f.pool.xapi.host('host1').ref, false, false));
  t.like(refused, { code: 'SR_BACKEND_FAILURE_46' });
  t.regex(String((refused as unknown as { params: string[] }).params[1]), /has no parent: there is nothing to reset it to/);
  t.is(await f.xapi.call('VM.get_power_state', vm), 'Halted');
  t.deepEqual(await kvOf(f), kv, 'the KV is unchanged');
  f.pool.xapi.db.set('VDI', lone.ref, { on_boot: 'persist' });
  await f.xapi.call('VM.start_on', vm, f.pool.xapi.host('host1').ref, false, false);
  t.deepEqual(await readVdi(f, 'host1', lone.uuid, MIB, 4096), data, 'the data is untouched');
  await f.xapi.call('VM.clean_shutdown', vm);

  const raw = await newVdi(f, 8 * MIB, { sm_config: { 'image-format': 'raw' } });
  const vdis = Object.keys(await f.xapi.vdi.recordsOfSr(f.srRef)).length;
  await t.throwsAsync(f.xapi.call('VDI.set_on_boot', raw.ref, 'reset'));
  t.is(await f.xapi.vdi.get(raw.ref, 'on_boot'), 'persist');
  t.is(Object.keys(await f.xapi.vdi.recordsOfSr(f.srRef)).length, vdis, 'no VDI left behind');
});
