import test from 'ava';
import { DRIVER_POINTS, planFault, planFaults, SURROUNDINGS, TARGETED, type FaultHistory, type FaultPlan } from '../../../sim/chaos/fault-plan.js';
import { OP_WEIGHTS, type OpKind, type PlannedOp } from '../../../sim/chaos/op-mix.js';
import { createRng } from '../../../sim/chaos/prng.js';
import { FAULT_KINDS, type FaultKind } from '../../../sim/chaos/summary.js';

const OPS: Readonly<Record<OpKind, PlannedOp>> = {
  create: { kind: 'create', sizeBytes: 8 << 20 },
  destroy: { kind: 'destroy', target: 'a' },
  resize: { kind: 'resize', target: 'a', sizeBytes: 16 << 20 },
  snapshot: { kind: 'snapshot', target: 'a' },
  clone: { kind: 'clone', target: 'a' },
  revert: { kind: 'revert', snapshot: 's', replaces: 'a', inPlace: true },
  plug: { kind: 'plug', target: 'a', host: 'host2' },
  unplug: { kind: 'unplug', target: 'a' },
  write: { kind: 'write', target: 'a', first: 0, count: 8 },
  read: { kind: 'read', target: 'a', first: 0, count: 8 },
  gc: { kind: 'gc' },
  scan: { kind: 'scan' },
};

/** `n` ops drawn by the op weights (running ones half the time), each with its planned fault. */
function plans(n: number, history: FaultHistory | undefined): { op: PlannedOp; fault: FaultPlan }[] {
  const ops = createRng(9, 'ops');
  const faults = createRng(9, 'faults');
  const out: { op: PlannedOp; fault: FaultPlan }[] = [];
  for (let i = 0; i < n; i += 1) {
    const op = OPS[ops.weighted(OP_WEIGHTS)];
    const fault = planFault(faults, op, { running: ops.next() < 0.5, master: 'host1' }, 1, {}, history);
    if (fault) out.push({ op, fault });
  }
  return out;
}

test('a fault only goes with an op that can meet it', (t) => {
  for (const { op, fault } of plans(3000, new Map())) {
    if (op.kind === 'write' || op.kind === 'read') t.false(['linstor-error', 'linstor-drop', 'controller-down'].includes(fault.kind), `${op.kind} never reaches LINSTOR`);
    if (fault.kind === 'gc-kill' || fault.kind === 'gc-throw') t.true(['gc', 'destroy', 'revert', 'scan'].includes(op.kind), `no collector runs after ${op.kind}`);
    if (fault.kind === 'driver-kill' || fault.kind === 'driver-throw') t.true((DRIVER_POINTS[fault.verb] ?? []).includes(fault.point));
    if (op.kind === 'plug') t.false(fault.kind === 'driver-kill' || fault.kind === 'driver-throw', 'a VM start rarely crosses its inflate points: it carries a plugin fault');
    if (op.kind === 'revert' && (fault.kind === 'driver-kill' || fault.kind === 'driver-throw')) t.is(fault.verb, 'vdi_revert', 'a revert in place runs vdi_revert');
  }
});

test('with a history, every kind is planned about as often as it is expected to fire', (t) => {
  const count = (history: FaultHistory | undefined) => {
    const expected = new Map<FaultKind, number>();
    for (const { fault } of plans(4000, history)) expected.set(fault.kind, (expected.get(fault.kind) ?? 0) + 1);
    return FAULT_KINDS.map((k) => expected.get(k) ?? 0);
  };
  const balanced = count(new Map());
  const mean = balanced.reduce((s, n) => s + n, 0) / balanced.length;
  // Fire rates differ (0.5–1), so planned counts may differ by 2×; no kind starves.
  for (const [i, n] of balanced.entries()) t.true(n > mean * 0.4, `${FAULT_KINDS[i]}: ${n} planned, mean ${mean.toFixed(0)}`);
  const unbalanced = count(undefined);
  const gc = unbalanced[FAULT_KINDS.indexOf('gc-throw')]!;
  t.true(gc < mean * 0.4, `without a history the collector's rare runs carry few faults (${gc})`);
});

test('a gc fault names a collector point or the n-th point crossed', (t) => {
  const seen = new Set<string>();
  for (const { fault } of plans(3000, new Map())) if (fault.kind === 'gc-kill' || fault.kind === 'gc-throw') seen.add(fault.point.startsWith('*#') ? 'counted' : fault.point.split(':')[0]!);
  t.deepEqual([...seen].sort(), ['counted', 'gc', 'inflate']);
  const filtered = createRng(3, 'f');
  for (let i = 0; i < 200; i += 1) {
    const f = planFault(filtered, OPS.gc, { running: false }, 1, { kinds: ['gc-kill'], points: ['relink'] });
    t.true(f?.kind === 'gc-kill' && f.point.startsWith('gc:relink:'), 'a point filter never yields a counted fault');
  }
});

test('an op carries at most one fault of its own processes and one of its surroundings', (t) => {
  const rng = createRng(4, 'faults');
  let both = 0;
  for (let i = 0; i < 2000; i += 1) {
    const faults = planFaults(rng, OPS.snapshot, { running: true }, 1, {}, new Map());
    t.true(faults.length >= 1 && faults.length <= 2);
    t.true(TARGETED.includes(faults[0]!.kind), 'a snapshot can always carry a fault of its own');
    if (faults.length === 2) {
      both += 1;
      t.true(SURROUNDINGS.includes(faults[1]!.kind));
    }
  }
  t.true(both > 800 && both < 1200, `the second at half the rate: ${both}`);
  const filtered = planFaults(createRng(4, 'faults'), OPS.write, { running: true }, 1, { kinds: ['host-cycle'] });
  t.deepEqual(filtered.map((f) => f.kind), ['host-cycle'], 'a filter keeps only its kinds');
});

test('a gc op whose collector carries a fault gets none of its surroundings, so that its backup cycle leaves the collector work', (t) => {
  const rng = createRng(5, 'faults');
  let collector = 0;
  let other = 0;
  for (let i = 0; i < 2000; i += 1) {
    const faults = planFaults(rng, OPS.gc, { running: false }, 1, {}, new Map());
    if (faults[0]?.kind === 'gc-kill' || faults[0]?.kind === 'gc-throw') {
      collector += 1;
      t.is(faults.length, 1, 'no surroundings fault beside a collector fault');
    } else if (faults.length === 2) other += 1;
  }
  t.true(collector > 500, `collector faults drawn: ${collector}`);
  t.true(other > 0, 'a gc op carrying a plugin fault still gets one of its surroundings');
});

test('a VM start on the master carries no plugin fault (it calls no lockVdi), one on a slave may', (t) => {
  const rng = createRng(6, 'faults');
  const kinds = (host: string) => {
    const seen = new Set<string>();
    for (let i = 0; i < 400; i += 1) for (const f of planFaults(rng, { kind: 'plug', target: 'a', host }, { running: false, master: 'host1' }, 1, {}, new Map())) seen.add(f.kind);
    return seen;
  };
  t.false(kinds('host1').has('plugin-kill'));
  t.true(kinds('host2').has('plugin-kill'));
});
