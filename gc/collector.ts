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
import { asVdiUuid, VolumeManager } from '../lib/volume/index.js';
import { coalesceNonLeaf, NoSpaceError, sectorsToBytes, type UnderLock } from './coalesce.js';
import { deleteVdi } from './delete.js';
import { describeOpener, foreign, volumeOpeners } from './openers.js';
import { leafStep } from './leaf-step.js';
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
  const volumes = await VolumeManager.open({ linstor: ctx.linstor, groupName: ctx.groupName, logger: ctx.log.child('volume'), repair: false, timeScale: ctx.env.timeScale });
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
      const volumes = await ctx.openVolumes();
      return fn(volumes, new Journal(volumes.journalStore(), ctx.log.child('journal')), await ctx.xapiVdis());
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
    // VDI other-config:leaf-coalesce=false opts a VDI out, as in sm.
    const noLeaf = new Set([...xapiVdis].filter(([, r]) => r.otherConfig['leaf-coalesce'] === 'false').map(([u]) => u));
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
      await underLock((volumes, _j, xapiVdis) => deleteVdi(ctx, volumes, a.vdi, xapiVdis.get(a.vdi)?.ref));
      o.print(`done: ${describeAction(a)}`);
      ctx.log.info(describeAction(a));
      worked = true;
      step();
    } catch (error) {
      if (error instanceof GcAbortedError) throw error;
      report(ctx, o, failed, a.vdi, `${describeAction(a)} failed: ${(error as Error).message}`);
    }
  }
  const next = todo.find((x) => x.kind === 'coalesce');
  if (next?.kind === 'coalesce' && !(await blockedByOpeners(ctx, underLock, failed, o, next, [next.vdi, next.parent]))) {
    try {
      o.print(`start: ${describeAction(next)}`);
      const bar = mergeProgress(ctx, o, describeAction(next), (f) => progress((stepsDone + f) / steps));
      let r;
      try {
        r = await coalesceNonLeaf(ctx, underLock, next.vdi, next.parent, step, bar);
      } finally {
        bar.finish();
      }
      const bytes = sectorsToBytes(r.sectors);
      const rate = r.ms > 0 ? (bytes / (1 << 20) / (r.ms / 1000)).toFixed(1) : '∞';
      o.print(`done: ${describeAction(next)}: ${bytes} bytes merged in ${Math.round(r.ms)} ms (${rate} MiB/s)`);
      ctx.log.info('coalesced', { vdi: next.vdi, parent: next.parent, bytes, ms: Math.round(r.ms) });
      worked = true;
    } catch (error) {
      if (error instanceof GcAbortedError) throw error;
      const why = error instanceof NoSpaceError ? error.message : `${describeAction(next)} failed: ${(error as Error).message}`;
      report(ctx, o, failed, next.vdi, why);
    }
  }
  const leaf = worked ? undefined : todo.find((x) => x.kind === 'leaf-coalesce');
  if (leaf?.kind === 'leaf-coalesce') {
    try {
      o.print(`start: ${describeAction(leaf)}`);
      const rounds = snapshotRounds.get(leaf.vdi) ?? [];
      snapshotRounds.set(leaf.vdi, rounds);
      const bar = mergeProgress(ctx, o, describeAction(leaf), (f) => progress((stepsDone + f) / steps));
      let r;
      try {
        r = await leafStep(ctx, underLock, { leaf: leaf.vdi, parent: leaf.parent, leafBytes: viewOf(p, leaf.vdi)?.physicalSize ?? 0, rounds, onProgress: bar });
      } finally {
        bar.finish();
      }
      if (r.kind === 'skip') {
        report(ctx, o, failed, leaf.vdi, `${describeAction(leaf)}: ${r.reason}`);
      } else if (r.kind === 'snapshotted') {
        o.print(`done: snapshot ${r.snapshot} of ${leaf.vdi}: its data merges while the VM runs, the rest merges live later`);
        worked = true;
      } else {
        const how = r.live ? 'live, VM paused' : 'offline';
        o.print(`done: ${describeAction(leaf)} (${how}): ${sectorsToBytes(r.result.sectors)} bytes merged in ${Math.round(r.result.ms)} ms`);
        ctx.log.info('leaf-coalesced', { vdi: leaf.vdi, parent: leaf.parent, live: r.live, bytes: sectorsToBytes(r.result.sectors), ms: Math.round(r.result.ms) });
        worked = true;
      }
    } catch (error) {
      if (error instanceof GcAbortedError) throw error;
      report(ctx, o, failed, leaf.vdi, `${describeAction(leaf)} failed: ${(error as Error).message}`);
    }
  }
  return worked;
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
    for (const u of uuids) {
      const uuid = asVdiUuid(u);
      if (!volumes.has(uuid)) continue;
      const others = foreign(await volumeOpeners(ctx, volumes, uuid));
      if (others.length > 0) return `${volumes.resourceName(uuid)} is open by ${others.map(describeOpener).join('; ')}`;
    }
    return undefined;
  });
  if (found === undefined) return false;
  report(ctx, o, failed, a.vdi, `${describeAction(a)}: ${found}`);
  return true;
}
