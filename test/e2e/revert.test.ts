/**
 * vdi_revert through XAPI's VDI.revert: the VDI keeps its ref and uuid and reads as its snapshot (data
 * and size); a refusal changes nothing; a revert killed at any step is undone (before its commit) or
 * finished (after it) by the next scan, and the SR stays consistent.
 */
import test from 'ava';
import { randomBytes } from 'node:crypto';
import { CLONE_POINTS } from '../../driver/clone/points.js';
import { REVERT_POINTS } from '../../driver/revert/points.js';
import { DRIVER_INFO } from '../../driver/driver-info.js';
import type { SrFixture } from '../../sim/fixtures/sr.js';
import { inconsistencies, readLeaf } from './snapshot-helpers.js';
import { kvOf } from '../../sim/fixtures/kv.js';
import { writeLeaf } from '../../sim/fixtures/write.js';
import { createdSr, newVdi, runVerb } from './vdi-io.js';

const MIB = 1024 * 1024;

/** A snapshot of `target` holding `before` at 1 MiB; `after` written to the target since. */
async function snapshotThenWrite(f: SrFixture, target: { ref: string; uuid: string }): Promise<{ ref: string; uuid: string; before: Buffer; after: Buffer }> {
  const before = randomBytes(4096);
  const after = randomBytes(4096);
  await writeLeaf(f, target.uuid, MIB, before);
  const ref = await f.xapi.vdi.snapshot(target.ref);
  await writeLeaf(f, target.uuid, MIB, after);
  return { ref, uuid: await f.xapi.vdi.getUuid(ref), before, after };
}

test('VDI.revert: same ref and uuid, the snapshot\'s data and size, the snapshot itself untouched', async (t) => {
  t.timeout(10 * 60_000);
  t.true(DRIVER_INFO.capabilities.includes('VDI_REVERT'));
  const f = await createdSr(t, 2);
  const disk = await newVdi(f, 16 * MIB);
  const s = await snapshotThenWrite(f, disk);
  await writeLeaf(f, disk.uuid, 9 * MIB, randomBytes(512));
  await f.xapi.vdi.resize(disk.ref, 24 * MIB);

  t.is(await f.xapi.call('VDI.revert', s.ref), disk.ref, 'the reverted VDI keeps its ref');

  t.is(await f.xapi.vdi.getUuid(disk.ref), disk.uuid);
  t.deepEqual(await readLeaf(f, disk.uuid, MIB, 4096), s.before, 'the data of the snapshot');
  t.deepEqual(await readLeaf(f, disk.uuid, 9 * MIB, 512), Buffer.alloc(512), 'a write after the snapshot is gone');
  t.is(Number(await f.xapi.vdi.get(disk.ref, 'virtual_size')), 16 * MIB, 'the size of the snapshot');
  t.deepEqual(await readLeaf(f, s.uuid, MIB, 4096), s.before, 'the snapshot reads as before');
  t.is(await f.xapi.vdi.get(s.ref, 'snapshot_of'), disk.ref, 'still a snapshot of the VDI');
  const sm = await f.xapi.vdi.getSmConfig(disk.ref);
  t.truthy(sm['vhd-parent'], 'vhd-parent names the new parent');
  t.false(await f.xapi.vdi.get(await f.xapi.vdi.getByUuid(sm['vhd-parent']!), 'managed'), 'a hidden base copy');
  // Writable afterwards, and reverted again as often as wanted.
  await writeLeaf(f, disk.uuid, MIB, randomBytes(4096));
  await f.xapi.call('VDI.revert', s.ref);
  t.deepEqual(await readLeaf(f, disk.uuid, MIB, 4096), s.before);
  await f.xapi.call('SR.scan', f.srRef);
  t.deepEqual(await inconsistencies(f), []);
});

test('a revert refused changes nothing: attached VDI, RAW VDI, bad target, itself', async (t) => {
  t.timeout(10 * 60_000);
  const f = await createdSr(t, 2);
  const disk = await newVdi(f, 16 * MIB);
  const s = await snapshotThenWrite(f, disk);
  const raw = await newVdi(f, 8 * MIB, { sm_config: { type: 'raw' } });
  const refuse = async (target: string, code: string, snapshot = s.ref) => {
    const kv = await kvOf(f);
    const error = await t.throwsAsync(runVerb(f, 'host1', 'vdi_revert', snapshot, [target]));
    t.regex(String(error?.message), new RegExp(code), target);
    t.deepEqual(await kvOf(f), kv, `nothing changed (${code})`);
  };
  await refuse('OpaqueRef:00000000-dead-beef-0000-000000000000', 'SR_BACKEND_FAILURE_46');
  await refuse(s.ref, 'SR_BACKEND_FAILURE_46');
  await refuse(raw.ref, 'UNIMPLEMENTED_IN_SM_BACKEND');
  const vm = await f.startVmWith(disk.ref, 'host2');
  await refuse(disk.ref, 'VDI_IN_USE');
  await f.xapi.call('VM.hard_shutdown', vm);
  t.deepEqual(await readLeaf(f, disk.uuid, MIB, 4096), s.after, 'the VDI still holds its own data');
});

/** Points before the adoption's commit leave the VDI as it was; those after it revert it. */
const POINTS: readonly { point: string; reverted: boolean }[] = [
  { point: CLONE_POINTS.afterLeaves, reverted: false },
  { point: CLONE_POINTS.afterCommit, reverted: false },
  { point: REVERT_POINTS.afterEntry, reverted: false },
  { point: REVERT_POINTS.beforeCommit, reverted: false },
  { point: REVERT_POINTS.afterCommit, reverted: true },
  { point: REVERT_POINTS.afterRename, reverted: true },
  { point: REVERT_POINTS.afterXapi, reverted: true },
];

test('a revert killed at any step: the next scan undoes it before its commit, finishes it after', async (t) => {
  t.timeout(20 * 60_000);
  const f = await createdSr(t, 2);
  const disk = await newVdi(f, 16 * MIB);
  for (const { point, reverted } of POINTS) {
    const s = await snapshotThenWrite(f, disk);
    f.pool.xapi.armFault('host1', 'vdi_revert', `${point}:kill`);
    await t.throwsAsync(f.xapi.call('VDI.revert', s.ref), undefined, `${point}: the revert reports a failure`);
    await f.xapi.call('SR.scan', f.srRef);
    t.deepEqual(await inconsistencies(f), [], `${point}: consistent after the scan`);
    t.is(await f.xapi.vdi.getUuid(disk.ref), disk.uuid, `${point}: the VDI keeps its record`);
    t.deepEqual(await readLeaf(f, disk.uuid, MIB, 4096), reverted ? s.before : s.after, `${point}: ${reverted ? 'finished' : 'undone'}`);
    t.deepEqual(await readLeaf(f, s.uuid, MIB, 4096), s.before, `${point}: the snapshot unchanged`);
    const uuids = Object.values(await f.xapi.vdi.recordsOfSr(f.srRef)).filter((r) => r.managed).map((r) => r.uuid).sort();
    t.deepEqual(uuids.filter((u) => u !== disk.uuid && !u.startsWith(s.uuid)).length, POINTS.indexOf(POINTS.find((p) => p.point === point)!), `${point}: no VDI left behind (only the snapshots)`);
    await f.xapi.call('VDI.revert', s.ref);
    t.deepEqual(await readLeaf(f, disk.uuid, MIB, 4096), s.before, `${point}: a retry reverts`);
  }
});
