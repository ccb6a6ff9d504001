import test from 'ava';
import { DiskLocks } from '../../../sim/chaos/disk-locks.js';
import { planFault } from '../../../sim/chaos/fault-plan.js';
import { CheckGate } from '../../../sim/chaos/gate.js';
import { LIMITS, MIB, OP_WEIGHTS, planOp, type PlannedOp, type WorkerView } from '../../../sim/chaos/op-mix.js';
import { createRng } from '../../../sim/chaos/prng.js';
import { opsPerWorker } from '../../../sim/chaos/soak.js';

const HOSTS = ['host1', 'host2', 'host3'];
const EMPTY: WorkerView = { disks: [], snapshots: [], hosts: HOSTS };
const d = (uuid: string, runningOn?: string) => ({ uuid, runningOn, sizeBytes: 16 * MIB, written: [1, 2, 3] });

function sequence(seed: number, views: readonly WorkerView[]): PlannedOp[] {
  const rng = createRng(seed, 'worker-0/ops');
  return views.map((v) => planOp(rng, v));
}

test('the same seed and the same outcomes give the same op sequence', (t) => {
  const views = [EMPTY, { ...EMPTY, disks: [d('a')] }, { ...EMPTY, disks: [d('a', 'host2')] }, { ...EMPTY, disks: [d('a', 'host2'), d('b')], snapshots: [{ uuid: 's', of: 'a' }] }];
  t.deepEqual(sequence(42, views), sequence(42, views));
  t.notDeepEqual(sequence(42, [...views, ...views, ...views]), sequence(43, [...views, ...views, ...views]));
});

test('other weights change the mix: gc weighed up draws mostly gc ops, an op weighed 0 is never drawn first', (t) => {
  const view: WorkerView = { disks: [d('a', 'host1'), d('b')], snapshots: [{ uuid: 's', of: 'a' }], hosts: HOSTS };
  const count = (weights?: Parameters<typeof planOp>[2]) => {
    const rng = createRng(5, 'x');
    const ops = Array.from({ length: 1000 }, () => planOp(rng, view, weights).kind);
    return { gc: ops.filter((k) => k === 'gc').length, write: ops.filter((k) => k === 'write').length };
  };
  const base = count();
  const boosted = count({ ...OP_WEIGHTS, gc: 100 });
  t.true(boosted.gc > 3 * base.gc, `${boosted.gc} vs ${base.gc}`);
  t.is(count({ ...OP_WEIGHTS, write: 0 }).write, 0);
});

test('with nothing owned, every op becomes a create', (t) => {
  const rng = createRng(3, 'x');
  for (let i = 0; i < 200; i += 1) {
    const op = planOp(rng, EMPTY);
    t.true(op.kind === 'create' || op.kind === 'gc' || op.kind === 'scan', op.kind);
  }
});

test('ops only target what applies: writes and reads a running disk, resizes and destroys of disks a halted one, within the limits', (t) => {
  const view: WorkerView = { disks: [d('a', 'host1'), d('b'), d('c')], snapshots: [1, 2, 3, 4].map((i) => ({ uuid: `s${i}`, of: 'a' })), hosts: HOSTS };
  const rng = createRng(9, 'x');
  for (let i = 0; i < 2000; i += 1) {
    const op = planOp(rng, view);
    if (op.kind === 'write' || op.kind === 'read') {
      t.is(op.target, 'a');
      t.true(op.first >= 0 && op.count > 0 && (op.first + op.count) * 512 <= 16 * MIB);
    }
    if (op.kind === 'resize') t.not(op.target, 'a');
    if (op.kind === 'destroy') t.not(op.target, 'a');
    t.not(op.kind, 'create', 'never a 4th disk');
    t.not(op.kind, 'snapshot', `never a ${LIMITS.snapshots + 1}th snapshot`);
    if (op.kind === 'plug' && op.target === 'a') t.not(op.host, 'host1', 'a move goes elsewhere');
  }
});

test('faults are drawn from their own stream, at the rate asked, aimed at what the op runs', (t) => {
  const rng = createRng(5, 'worker-0/faults');
  let faults = 0;
  for (let i = 0; i < 1000; i += 1) {
    const f = planFault(rng, { kind: 'snapshot', target: 'a' }, { running: true }, 0.3);
    if (!f) continue;
    faults += 1;
    if (f.kind === 'driver-kill' || f.kind === 'driver-throw') t.is(f.verb, 'vdi_snapshot');
    if (f.kind === 'plugin-kill') t.true(['pause', 'unpause'].includes(f.fn));
    t.false(f.kind === 'gc-kill' || f.kind === 'gc-throw');
  }
  t.true(faults > 230 && faults < 370, String(faults));
  t.is(planFault(createRng(1, 'f'), { kind: 'write', target: 'a', first: 0, count: 1 }, { running: true }, 0), undefined);
});

test('ops are split over the workers, the remainder to the first ones', (t) => {
  t.deepEqual(opsPerWorker(10, 3), [4, 3, 3]);
  t.deepEqual(opsPerWorker(2, 3), [1, 1, 0]);
});

test('the check gate runs a check every K ops with no op in flight', async (t) => {
  let inFlight = 0;
  const seen: number[] = [];
  const gate = new CheckGate(3, 9, async () => {
    seen.push(inFlight);
  });
  const worker = async (n: number) => {
    for (let i = 0; i < n; i += 1) {
      await gate.beforeOp();
      inFlight += 1;
      await new Promise((r) => setTimeout(r, 1 + (i % 3)));
      inFlight -= 1;
      gate.afterOp();
    }
  };
  await Promise.all([worker(5), worker(4)]);
  await gate.idle();
  t.deepEqual(seen, [0, 0], 'checks after ops 3 and 6 (not 9: the caller runs the last one)');
  t.is(gate.done, 9);
});

test('disk locks serialise holders of a VDI and let others run', async (t) => {
  const locks = new DiskLocks();
  const order: string[] = [];
  const hold = (keys: string[], name: string, ms: number) =>
    locks.run(keys, async () => {
      order.push(`${name}+`);
      await new Promise((r) => setTimeout(r, ms));
      order.push(`${name}-`);
    });
  await Promise.all([hold(['a'], 'A', 20), hold(['b', 'a'], 'AB', 5), hold(['c'], 'C', 1)]);
  t.true(order.indexOf('A-') < order.indexOf('AB+'), order.join(' '));
  t.true(order.indexOf('C-') < order.indexOf('A-'), 'an unrelated VDI does not wait');
});
