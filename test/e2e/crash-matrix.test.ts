/**
 * The crash-consistency matrix of vdi_snapshot and vdi_clone (see crash-matrix.ts for what each case
 * asserts). CI runs a representative subset on one SR; LINSTOR_SR_EXHAUSTIVE=1 runs every fault point of
 * every snapshot style, killed and thrown, and every LINSTOR request of the verb failed and refused
 * (LINSTOR_SR_MATRIX_FILTER narrows it to the cases whose operation and title contain the text).
 */
import test from 'ava';
import { randomBytes } from 'node:crypto';
import { CLONE_POINTS } from '../../driver/clone/points.js';
import { allCases, caseTitle, requestsOf, runCrashCase, type CrashCase, type Guest, type MatrixOperation } from './crash-matrix.js';
import { depthOf } from './snapshot-helpers.js';
import { createdSr, newVdi, writeVdi } from './vdi-io.js';

const MIB = 1024 * 1024;
const EXHAUSTIVE = process.env['LINSTOR_SR_EXHAUSTIVE'] === '1';

/** The operations on the VDI `target()` names (it changes when a chain gets deep). */
function operations(target: () => string): MatrixOperation[] {
  return [
    { name: 'vdi_snapshot', verb: 'vdi_snapshot', run: async (f) => [await f.xapi.vdi.snapshot(target())] },
    { name: 'vdi_clone', verb: 'vdi_clone', run: async (f) => [await f.xapi.vdi.clone(target())] },
    // A single snapshot returns the base copy (a parent of the VDI): nothing to delete afterwards.
    { name: 'vdi_snapshot/single', verb: 'vdi_snapshot', run: async (f) => (await f.xapi.vdi.snapshot(target(), { type: 'single' }), []) },
  ];
}

test('crash matrix: vdi_snapshot and vdi_clone stopped anywhere are undone by sr_scan, and succeed when retried', async (t) => {
  t.timeout((EXHAUSTIVE ? 240 : 25) * 60_000);
  const f = await createdSr(t, 2);
  let a = await newVdi(f, 8 * MIB);
  // A VM runs on the VDI on the slave: the fault pauses and unpauses it, and it writes after every fault.
  let vm = await f.startVmWith(a.ref, 'host2');
  const guest: Guest = { host: 'host2', vdi: () => a.uuid };
  await writeVdi(f, 'host2', a.uuid, MIB + 17, randomBytes(3 * MIB));
  const [snapshot, clone, single] = operations(() => a.ref) as [MatrixOperation, MatrixOperation, MatrixOperation];
  // Data written between cases makes every base non-empty, so each style keeps its base; a chain near the
  // depth limit is left for a fresh VDI (the GC would coalesce it).
  const between = async () => {
    if ((await depthOf(f, a.uuid)) >= 25) {
      await f.xapi.call('VM.hard_shutdown', vm);
      a = await newVdi(f, 8 * MIB);
      vm = await f.startVmWith(a.ref, 'host2');
      await writeVdi(f, 'host2', a.uuid, MIB + 17, randomBytes(3 * MIB));
    }
    await writeVdi(f, 'host2', a.uuid, 2 * MIB, randomBytes(64 * 1024));
  };
  if (!EXHAUSTIVE) {
    const requests = await requestsOf(f, snapshot);
    t.log(`vdi_snapshot sends ${requests} LINSTOR requests`);
    const subset: [MatrixOperation, CrashCase][] = [
      [clone, { verb: 'vdi_clone', kind: 'point', point: CLONE_POINTS.afterPause, action: 'kill' }],
      [snapshot, { verb: 'vdi_snapshot', kind: 'point', point: CLONE_POINTS.afterRename, action: 'kill' }],
      [snapshot, { verb: 'vdi_snapshot', kind: 'point', point: CLONE_POINTS.afterSnapVhd, action: 'kill' }],
      [clone, { verb: 'vdi_clone', kind: 'point', point: CLONE_POINTS.afterIntroduceSnap, action: 'throw' }],
      [snapshot, { verb: 'vdi_snapshot', kind: 'controller-down', nth: Math.ceil(requests / 2) }],
      [snapshot, { verb: 'vdi_snapshot', kind: 'linstor-error', nth: Math.ceil((2 * requests) / 3) }],
      // Either side of the commit point, and after the unpause: finished, never undone.
      [snapshot, { verb: 'vdi_snapshot', kind: 'point', point: CLONE_POINTS.beforeCommit, action: 'kill' }],
      [clone, { verb: 'vdi_clone', kind: 'point', point: CLONE_POINTS.afterCommit, action: 'kill' }],
      [snapshot, { verb: 'vdi_snapshot', kind: 'point', point: CLONE_POINTS.afterUnpause, action: 'kill' }],
      // A failure whose undo is killed midway: the recovery undoes the rest and unpauses.
      [snapshot, { verb: 'vdi_snapshot', kind: 'point', point: `${CLONE_POINTS.afterSnapVhd}:throw,${CLONE_POINTS.undoAfterLeaves}`, action: 'kill' }],
    ];
    for (const [op, c] of subset) {
      await between();
      await runCrashCase(t, f, op, c, guest);
    }
    return;
  }
  // LINSTOR_SR_MATRIX_FILTER=<text> keeps the cases whose `<operation> <title>` contains it (e.g.
  // `vdi_clone kill`, `vdi_snapshot/single`).
  const filter = process.env['LINSTOR_SR_MATRIX_FILTER'] ?? '';
  for (const op of [snapshot, clone, single]) {
    const requests = await requestsOf(f, op);
    for (const c of allCases(op.name, op.verb, requests).filter((x) => `${op.name} ${caseTitle(x)}`.includes(filter))) {
      await between();
      await runCrashCase(t, f, op, c, guest);
    }
  }
});
