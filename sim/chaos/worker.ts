/**
 * One soak worker: `count` ops, each planned from the worker's seeded op stream over what it owns
 * (op-mix.ts), with a fault drawn from its own fault stream (fault-plan.ts) put in place around it
 * (injector.ts), run through XenAPI and the tapdisk stand-in, applied to the model, and logged.
 * Workers own their VDIs, so a worker's ops never race each other on one VDI; they race the other
 * workers' ops on the SR, its locks, the controller and the hosts.
 */
import { opName, type ChaosContext, type OpId, type OpResult } from './context.js';
import { describeFault, planFaults, type FaultHistory } from './fault-plan.js';
import type { CheckGate } from './gate.js';
import { arm, type LingeringFault } from './injector.js';
import { gcOp, readOp, scanOp, thenCollect, writeOp } from './io-actions.js';
import { planOp, type PlannedOp, type WorkerView } from './op-mix.js';
import { createRng } from './prng.js';
import { FAULT_KINDS } from './summary.js';
import { backupCycle, copyVdi, createDisk, destroyVdi, resizeVdi, revert, revertInPlace } from './vdi-actions.js';
import { dropStaleVms, plug, unplug } from './vm-actions.js';
import type { ArmedFault } from './injector.js';

/** An op still running after this long stops the soak: everything below it is bounded far shorter. */
export const OP_TIMEOUT_MS = 10 * 60_000;

/** The soak cannot go on (a hung op): a harness-level failure, not a finding. */
export class SoakAbortError extends Error {
  override name = 'SoakAbortError';
}

const MAX_READ_TARGETS = 64;

/**
 * After an op that found the SR unavailable or out of space (a controller restarting, satellites
 * reconnecting), its worker waits this long (times the time scale) before its next op, as a client
 * would rather than retry at once: otherwise a fast driver spends a seed's whole op budget inside one
 * outage and the soak checks nothing.
 */
const OUTAGE_BACKOFF_MS = 10_000;
const OUTAGE_CODES = new Set(['SR_BACKEND_FAILURE_47', 'SR_BACKEND_FAILURE_44']);

/** What worker `w` owns, as op-mix.ts sees it. */
export function workerView(ctx: ChaosContext, w: number): WorkerView {
  // A VDI a failed destroy may have removed waits for the next check to say whether it is there.
  const mine = [...ctx.model.vdis.values()].filter((v) => v.owner === w && !v.maybeDeleted);
  return {
    disks: mine
      .filter((v) => v.role === 'disk')
      .map((v) => {
        const written = [...v.content].filter(([, cell]) => cell.length === 1 && cell[0]! > 0).map(([s]) => s).sort((a, b) => a - b);
        const step = Math.max(1, Math.ceil(written.length / MAX_READ_TARGETS));
        return { uuid: v.uuid, runningOn: ctx.vms.get(v.uuid)?.host, sizeBytes: Math.min(...v.sizes), written: written.filter((_, i) => i % step === 0) };
      }),
    snapshots: mine.filter((v) => v.role === 'snapshot').map((v) => ({ uuid: v.uuid, of: ctx.snapshotOf.get(v.uuid) })),
    hosts: ctx.pool.spec.hosts.map((h) => h.name),
  };
}

function targetOf(op: PlannedOp): string | undefined {
  if (op.kind === 'revert') return op.replaces;
  return 'target' in op ? op.target : undefined;
}

/** The VDIs an op works on (their locks are held while it runs). */
function lockedBy(op: PlannedOp): string[] {
  if (op.kind === 'revert') return op.replaces === undefined ? [op.snapshot] : [op.snapshot, op.replaces];
  return 'target' in op ? [op.target] : [];
}

/**
 * A gc op that carries a gc fault first runs a backup cycle on one of the worker's disks, so that the
 * collector has a coalesce to do and the fault something to stop.
 */
function backupTarget(ctx: ChaosContext, w: number, op: PlannedOp, armed: ArmedFault | undefined): string | undefined {
  return op.kind === 'gc' && armed?.gcFaults !== undefined ? workerView(ctx, w).disks[0]?.uuid : undefined;
}

async function execute(ctx: ChaosContext, id: OpId, op: PlannedOp, armed: ArmedFault | undefined, backup: string | undefined): Promise<OpResult> {
  switch (op.kind) {
    case 'create':
      return createDisk(ctx, id, op.sizeBytes);
    case 'destroy':
      return thenCollect(ctx, armed, await destroyVdi(ctx, id, op.target));
    case 'resize':
      return resizeVdi(ctx, op.target, op.sizeBytes);
    case 'snapshot':
      return copyVdi(ctx, id, op.target, 'snapshot');
    case 'clone':
      return copyVdi(ctx, id, op.target, 'clone');
    case 'revert':
      return thenCollect(ctx, armed, await (op.inPlace && op.replaces !== undefined ? revertInPlace(ctx, op.snapshot, op.replaces) : revert(ctx, id, op.snapshot, op.replaces)));
    case 'plug':
      return plug(ctx, op.target, op.host, id.worker);
    case 'unplug':
      return unplug(ctx, op.target);
    case 'write':
      return writeOp(ctx, id, op.target, op.first, op.count);
    case 'read':
      return readOp(ctx, op.target, op.first, op.count);
    case 'gc': {
      const prepared = backup === undefined ? undefined : await backupCycle(ctx, id, backup);
      const gc = await gcOp(ctx, armed);
      return prepared === undefined ? gc : { ...gc, note: `${prepared.ok ? '' : 'failed: '}${prepared.note ?? ''}; ${gc.note ?? gc.code ?? ''}` };
    }
    case 'scan':
      return thenCollect(ctx, armed, await scanOp(ctx));
  }
}

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new SoakAbortError(`${what} still running after ${ms / 1000} s`)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

/** Runs worker `w`'s `count` ops, fewer once every fault kind has fired `untilFired` times. */
export async function runWorker(ctx: ChaosContext, w: number, count: number, gate: CheckGate, lingering: LingeringFault[]): Promise<void> {
  const opsRng = createRng(ctx.options.seed, `worker-${w}/ops`);
  const faultRng = createRng(ctx.options.seed, `worker-${w}/faults`);
  const history: FaultHistory = new Map();
  const goal = ctx.options.untilFired;
  const kinds = ctx.options.faultKinds !== undefined && ctx.options.faultKinds.length > 0 ? ctx.options.faultKinds : FAULT_KINDS;
  for (let index = 0; index < count; index += 1) {
    if (goal !== undefined && ctx.tally.firedEach(kinds, goal)) break;
    await gate.beforeOp();
    try {
      await dropStaleVms(ctx, w);
      const id = { worker: w, index };
      const op = planOp(opsRng, workerView(ctx, w), ctx.options.opWeights);
      const target = targetOf(op);
      const vmHost = op.kind === 'plug' ? op.host : target === undefined ? undefined : ctx.vms.get(target)?.host;
      const filter = { ...(ctx.options.faultKinds ? { kinds: ctx.options.faultKinds } : {}), ...(ctx.options.points ? { points: ctx.options.points } : {}) };
      const plans = planFaults(faultRng, op, { running: vmHost !== undefined, master: ctx.pool.spec.master.name }, ctx.options.faultRate, filter, history);
      const armed = plans.map((plan) => arm(ctx, plan, vmHost, lingering));
      const gcArmed = armed.find((a) => a.gcFaults !== undefined);
      const started = performance.now();
      const backup = backupTarget(ctx, w, op, gcArmed);
      const locks = backup === undefined ? lockedBy(op) : [backup];
      const result = await withTimeout(ctx.diskLocks.run(locks, () => execute(ctx, id, op, gcArmed, backup)), OP_TIMEOUT_MS, `op ${opName(id)} (${op.kind})`);
      const settled: string[] = [];
      for (const a of armed) {
        const s = await withTimeout(a.settle(), OP_TIMEOUT_MS, `the fault of ${opName(id)}`);
        if (!s.deferred) ctx.tally.fault(a.kind, s.fired);
        settled.push(s.note);
      }
      ctx.tally.ops += 1;
      if (!result.ok) {
        ctx.tally.opsFailed += 1;
        ctx.tally.error(result.code ?? 'unknown');
      }
      if (result.note === 'not running' || result.note === 'no host can start a VM now') ctx.tally.opsIdle += 1;
      ctx.log.entry({
        op: opName(id), ...op, fault: plans.length > 0 ? plans.map(describeFault).join(' + ') : undefined, fired: settled.length > 0 ? settled.join(' + ') : undefined,
        ok: result.ok, code: result.code, error: result.error, note: result.note, ms: Math.round(performance.now() - started),
      });
      if (!result.ok && OUTAGE_CODES.has(result.code ?? '')) await new Promise((resolve) => setTimeout(resolve, OUTAGE_BACKOFF_MS * ctx.options.timeScale));
    } finally {
      gate.afterOp();
    }
  }
}
