/**
 * One collector run on one SR (sm's `_gcLoop`, spec/blktap2.md §3.4): hold `gc_active` for the run and
 * `running` per iteration; each iteration, under the SR lock with a repaired volume manager, recovers
 * the journals and plans; then purges `DELETED_` volumes and deletes garbage (SR lock each), and runs
 * one coalesce, or else one leaf-coalesce (offline, or live with the VM paused: leaf-step.ts). It loops
 * until an iteration finds nothing to do (or once with `--once`), and stops at an abort request. A
 * chain that fails (or that a foreign process holds open) is skipped for the rest of the run and
 * reported; the others go on.
 */
import { Journal } from '../lib/journal/index.js';
import type { SmLocks } from '../lib/host/sm-lock.js';
import { asVdiUuid } from '../lib/volume/index.js';
import { coalesceNonLeaf, NoSpaceError, sectorsToBytes, type UnderLock } from './coalesce.js';
import { deleteVdi } from './delete.js';
import { describeOpener, foreign, openersOfVolumes } from './openers.js';
import { leafStep } from './leaf-step.js';
import { StalePlanError, assertStillPlanned } from './still-planned.js';
import { createMergeProgress } from './progress.js';
import { readInventory } from './inventory.js';
import { abortCollector, GcAbortedError, GcLocks } from './locks.js';
import { recoverJournals } from './recovery.js';
import { describeAction, plan, type Action, type Plan, type TreeNode, type VolumeView } from './planner.js';
import type { GcContext } from './sr-context.js';
import { renderStatus } from './status.js';

export type RunOptions = {
  readonly once?: boolean;
  /** Print the plan and change nothing. */
  readonly dryRun?: boolean;
  /** Print the trees and the next actions and change nothing. */
  readonly status?: boolean;
  /** Abort a running collector first (sm's gc_force). */
  readonly force?: boolean;
  /** The caller (sr_delete, a driver in foreground mode) holds the SR lock. */
  readonly callerHoldsSrLock?: boolean;
  /** Where reports and progress lines go (stdout). */
  readonly print: (line: string) => void;
  /** stdout is a terminal: a merge shows one redrawn progress bar (through `write`) instead of plain lines. */
  readonly isTTY?: boolean;
  /** Raw text to stdout, no newline added. */
  readonly write?: (text: string) => void;
};

export type RunOutcome = 'done' | 'busy' | 'aborted';

/** A read-only look: the plan from a manager opened without repair and devices already present. */
export async function readOnlyPlan(ctx: GcContext): Promise<Plan> {
  const volumes = await ctx.readOnlyVolumes();
  const inv = await readInventory({ volumes, node: ctx.node, root: ctx.env.root, log: ctx.log, xapiVdis: await ctx.xapiVdis(), readOnly: true });
  return plan(inv.views);
}

export async function runCollector(ctx: GcContext, locks: SmLocks, o: RunOptions): Promise<RunOutcome> {
  if (o.status || o.dryRun) {
    const p = await readOnlyPlan(ctx);
    for (const l of renderStatus(ctx.srUuid, p)) o.print(l);
    if (o.dryRun) o.print('dry run: nothing was changed');
    return 'done';
  }
  const switches = await ctx.srSwitches();
  if (!switches.gc) {
    o.print(`the collector is disabled on SR ${ctx.srUuid} (other-config:gc=false)`);
    return 'done';
  }
  const gcl = new GcLocks({ locks, sr: ctx.srUuid, env: ctx.env, ...(o.callerHoldsSrLock ? { callerHoldsSrLock: true } : {}) });
  if (o.force && !(await abortCollector({ locks, sr: ctx.srUuid, env: ctx.env, callerHoldsSrLock: o.callerHoldsSrLock ?? false }))) {
    o.print('a running collector did not stop');
    return 'busy';
  }
  let active;
  try {
    active = await gcl.takeActive();
  } catch (error) {
    if (error instanceof GcAbortedError) return 'aborted';
    throw error;
  }
  if (active === undefined) {
    o.print(`another collector is running on SR ${ctx.srUuid}`);
    return 'busy';
  }
  const underLock: UnderLock = (fn) =>
    gcl.withSrLock(async () => {
      const [volumes, xapiVdis] = await Promise.all([ctx.openVolumes(), ctx.xapiVdis()]);
      return fn(volumes, new Journal(volumes.journalStore(), ctx.log.child('journal')), xapiVdis);
    });
  const state: RunState = { failed: new Map(), snapshotRounds: new Map() };
  // sm's "Garbage Collection" task: XAPI clients (XO) show its progress while we work.
  const task = await ctx.xapi.task.create('Garbage Collection', `Garbage collection for SR ${ctx.srUuid}`).catch(() => undefined);
  const progress = (fraction: number) => {
    if (task !== undefined) void ctx.xapi.task.setProgress(task, Math.min(1, Math.max(0, fraction))).catch(() => undefined);
  };
  try {
    for (;;) {
      if (await gcl.abortRequested()) return 'aborted';
      // A detach may have slipped in between the kick and our first lock (sm checks this every loop).
      if (!(await ctx.plugged())) {
        o.print(`SR ${ctx.srUuid} is no longer plugged here: stopping`);
        return 'aborted';
      }
      const running = await gcl.tryRunning();
      if (running === undefined) return 'busy';
      let worked: boolean;
      try {
        worked = await iteration(ctx, underLock, state, o, switches.coalesce, progress);
      } catch (error) {
        if (error instanceof GcAbortedError) return 'aborted';
        throw error;
      } finally {
        await running.release();
      }
      if (!worked || o.once) return 'done';
    }
  } finally {
    if (task !== undefined) await ctx.xapi.task.destroy(task).catch(() => undefined);
    await active.release();
  }
}

/** One iteration; true when it changed something (another iteration may find more work). */
/** What one run remembers across its passes. */
type RunState = {
  /** Chains (by VDI) that failed or were skipped: left alone for the rest of the run. */
  readonly failed: Map<string, string>;
  /** Leaf sizes at the snapshot rounds of a live leaf-coalesce (leaf-policy.ts). */
  readonly snapshotRounds: Map<string, number[]>;
};

function viewOf(p: Plan, uuid: string): VolumeView | undefined {
  const find = (nodes: readonly TreeNode[]): VolumeView | undefined => {
    for (const n of nodes) {
      const v = n.volume.uuid === uuid ? n.volume : find(n.children);
      if (v !== undefined) return v;
    }
    return undefined;
  };
  return find(p.roots);
}

async function iteration(ctx: GcContext, underLock: UnderLock, state: RunState, o: RunOptions, coalesce: boolean, progress: (fraction: number) => void): Promise<boolean> {
  const { failed, snapshotRounds } = state;
  const { p, noLeaf } = await underLock(async (volumes, journal, xapiVdis) => {
    const recovered = await recoverJournals(ctx, volumes, journal, xapiVdis);
    for (const line of recovered) o.print(`recovered: interrupted ${line}`);
    const inv = await readInventory({ volumes, node: ctx.node, root: ctx.env.root, log: ctx.log, xapiVdis });
    // VDI other-config:leaf-coalesce=false opts a VDI out, as in sm; so does on_boot=reset (sm skips
    // reset-on-boot leaves): merged into its parent, what the guest wrote would survive the next reset.
    const noLeaf = new Set([...xapiVdis].filter(([, r]) => r.otherConfig['leaf-coalesce'] === 'false' || r.onBoot === 'reset').map(([u]) => u));
    return { p: plan(inv.views), noLeaf };
  });
  for (const s of p.skipped) if (!failed.has(s.root)) report(ctx, o, failed, s.root, `chain ${s.root}: ${s.reason}`);
  const todo = p.actions.filter(
    (a) => !failed.has(a.vdi) && !('parent' in a && failed.has(a.parent)) && (coalesce || (a.kind !== 'coalesce' && a.kind !== 'leaf-coalesce')) && !(a.kind === 'leaf-coalesce' && noLeaf.has(a.vdi)),
  );
  let worked = false;
  // Deletions, then one merge (counted twice: its merge and its relink), then one leaf merge.
  const steps = todo.filter((x) => x.kind === 'purge' || x.kind === 'garbage').length + 3;
  let stepsDone = 0;
  const step = () => progress((stepsDone += 1) / steps);
  for (const a of todo.filter((x) => x.kind === 'purge' || x.kind === 'garbage')) {
    if (await blockedByOpeners(ctx, underLock, failed, o, a, [a.vdi])) continue;
    try {
      await underLock(async (volumes, _j, xapiVdis) => {
        await assertStillPlanned(ctx, volumes, xapiVdis, a);
        await deleteVdi(ctx, volumes, a.vdi, xapiVdis.get(a.vdi)?.ref);
      });
      o.print(`done: ${describeAction(a)}`);
      ctx.log.info(describeAction(a));
      worked = true;
      step();
    } catch (error) {
      if (error instanceof GcAbortedError) throw error;
      if (error instanceof StalePlanError) {
        replanning(ctx, o, error);
        continue;
      }
      report(ctx, o, failed, a.vdi, `${describeAction(a)} failed: ${(error as Error).message}`);
    }
  }
  // One merge per pass (the next pass plans again); a chain that fails or is skipped does not stop the
  // others: the next candidate is tried in the same pass.
  const pass: PassContext = { ctx, underLock, failed, o, progress: (f) => progress((stepsDone + f) / steps), step };
  for (const c of todo) if (c.kind === 'coalesce' && (await tryCoalesce(pass, c))) return true;
  // A leaf merge only when nothing else changed: the garbage and coalesces of this pass come first.
  if (worked) return true;
  for (const c of todo) if (c.kind === 'leaf-coalesce' && (await tryLeafCoalesce(pass, p, snapshotRounds, c))) return true;
  return worked;
}

type PassContext = {
  readonly ctx: GcContext;
  readonly underLock: UnderLock;
  readonly failed: Map<string, string>;
  readonly o: RunOptions;
  /** The merge's fraction (0..1) into the XAPI task. */
  readonly progress: (fraction: number) => void;
  /** One step of the pass done (the merge of a coalesce). */
  readonly step: () => void;
};

/** Coalesces `c`; false when it was blocked, skipped or failed (reported). */
async function tryCoalesce(x: PassContext, c: Extract<Action, { kind: 'coalesce' }>): Promise<boolean> {
  const { ctx, o } = x;
  if (x.failed.has(c.vdi) || x.failed.has(c.parent)) return false;
  if (await blockedByOpeners(ctx, x.underLock, x.failed, o, c, [c.vdi, c.parent])) return false;
  try {
    o.print(`start: ${describeAction(c)}`);
    const bar = mergeProgress(ctx, o, describeAction(c), x.progress);
    let r;
    try {
      r = await coalesceNonLeaf(ctx, x.underLock, c.vdi, c.parent, x.step, bar);
    } finally {
      bar.finish();
    }
    const bytes = sectorsToBytes(r.sectors);
    const rate = r.ms > 0 ? (bytes / (1 << 20) / (r.ms / 1000)).toFixed(1) : '∞';
    o.print(`done: ${describeAction(c)}: ${bytes} bytes merged in ${Math.round(r.ms)} ms (${rate} MiB/s)`);
    ctx.log.info('coalesced', { vdi: c.vdi, parent: c.parent, bytes, ms: Math.round(r.ms) });
    return true;
  } catch (error) {
    if (error instanceof GcAbortedError) throw error;
    // Nothing was changed: the next pass plans from what the SR holds now.
    if (error instanceof StalePlanError) return replanning(ctx, o, error);
    const why = error instanceof NoSpaceError ? error.message : `${describeAction(c)} failed: ${(error as Error).message}`;
    report(ctx, o, x.failed, c.vdi, why);
    return false;
  }
}

/** Leaf-coalesces `c` (or snapshots it first, leaf-step.ts); false when skipped or failed (reported). */
async function tryLeafCoalesce(x: PassContext, p: Plan, snapshotRounds: Map<string, number[]>, c: Extract<Action, { kind: 'leaf-coalesce' }>): Promise<boolean> {
  const { ctx, o } = x;
  if (x.failed.has(c.vdi) || x.failed.has(c.parent)) return false;
  try {
    o.print(`start: ${describeAction(c)}`);
    const rounds = snapshotRounds.get(c.vdi) ?? [];
    snapshotRounds.set(c.vdi, rounds);
    const bar = mergeProgress(ctx, o, describeAction(c), x.progress);
    let r;
    try {
      r = await leafStep(ctx, x.underLock, { leaf: c.vdi, parent: c.parent, leafBytes: viewOf(p, c.vdi)?.physicalSize ?? 0, rounds, onProgress: bar });
    } finally {
      bar.finish();
    }
    if (r.kind === 'skip') {
      report(ctx, o, x.failed, c.vdi, `${describeAction(c)}: ${r.reason}`);
      return false;
    }
    if (r.kind === 'snapshotted') {
      o.print(`done: snapshot ${r.snapshot} of ${c.vdi}: its data merges while the VM runs, the rest merges live later`);
      return true;
    }
    const how = r.live ? 'live, VM paused' : 'offline';
    o.print(`done: ${describeAction(c)} (${how}): ${sectorsToBytes(r.result.sectors)} bytes merged in ${Math.round(r.result.ms)} ms`);
    ctx.log.info('leaf-coalesced', { vdi: c.vdi, parent: c.parent, live: r.live, bytes: sectorsToBytes(r.result.sectors), ms: Math.round(r.result.ms) });
    return true;
  } catch (error) {
    if (error instanceof GcAbortedError) throw error;
    if (error instanceof StalePlanError) return replanning(ctx, o, error);
    report(ctx, o, x.failed, c.vdi, `${describeAction(c)} failed: ${(error as Error).message}`);
    return false;
  }
}

/** A step the SR no longer calls for: said, not counted as a failure; true makes the run plan again. */
function replanning(ctx: GcContext, o: RunOptions, error: StalePlanError): true {
  o.print(`replanning: ${error.message}`);
  ctx.log.info('replanning', { reason: error.message });
  return true;
}

/** The progress reporter of one merge: a bar on a terminal, plain lines otherwise, the XAPI task fraction. */
function mergeProgress(ctx: GcContext, o: RunOptions, label: string, setFraction: (f: number) => void) {
  return createMergeProgress({ label, print: o.print, isTTY: o.isTTY === true, write: o.write, setFraction, log: ctx.log });
}

function report(ctx: GcContext, o: RunOptions, failed: Map<string, string>, key: string, reason: string): void {
  failed.set(key, reason);
  o.print(`skipped: ${reason}`);
  ctx.log.warn('skipped', { reason });
}

/** sm's `_checkSlaves`: a process other than tapdisk holding a volume open anywhere blocks the action. */
async function blockedByOpeners(ctx: GcContext, underLock: UnderLock, failed: Map<string, string>, o: RunOptions, a: Action, uuids: readonly string[]): Promise<boolean> {
  const found = await underLock(async (volumes) => {
    // Every volume's nodes asked in one round.
    for (const [uuid, openers] of await openersOfVolumes(ctx, volumes, uuids.map(asVdiUuid))) {
      const others = foreign(openers);
      if (others.length > 0) return `${volumes.resourceName(uuid)} is open by ${others.map(describeOpener).join('; ')}`;
    }
    return undefined;
  });
  if (found === undefined) return false;
  report(ctx, o, failed, a.vdi, `${describeAction(a)}: ${found}`);
  return true;
}
