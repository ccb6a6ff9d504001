/**
 * Which fault goes with an op (pure): drawn from the worker's own fault stream, so that the op stream
 * does not shift with it. A fault is aimed at what the op runs: a fault point of a verb it runs (driver
 * killed or made to throw there), a plugin function it calls (killed before it starts or after its
 * work), a fault point of the collector (the run of a gc op, or the run that follows a destroy, a
 * revert or a scan as sm kicks it), for an op that reaches LINSTOR a request failed or cut off a few
 * requests from now or the controller refusing connections from a request on, and for any op the
 * controller moved to another host or a non-master host powered off during it.
 * Fault points are the ones `faultPoint(` names in driver/, gc/ and lib/ (driver/clone/points.ts,
 * gc/fault-points.ts, lib/thin's INFLATE_POINTS).
 */
import { CLONE_POINTS, VERB_FAULT_POINTS } from '../../driver/clone/points.js';
import { REVERT_POINTS } from '../../driver/revert/points.js';
import { COALESCE_POINTS, DELETE_POINTS, LEAF_POINTS } from '../../gc/fault-points.js';
import { INFLATE_POINTS } from '../../lib/thin/thin.js';
import type { PlannedOp } from './op-mix.js';
import type { Rng } from './prng.js';
import { FAULT_KINDS, type FaultKind } from './summary.js';

const UNDO = [CLONE_POINTS.undoAfterLeaves, CLONE_POINTS.undoAfterRename];
const INFLATE: readonly string[] = Object.values(INFLATE_POINTS);

/**
 * Verb → its fault points that the op mix crosses: the soak only grows halted disks (no inflate), and
 * sr_scan's undo points are reached through a snapshot's `undoKill` (a scan rarely finds an undo to do).
 * A VM start's vdi_activate crosses its inflate points only on a disk's first start after it was made
 * or grown (one armed in 25 fired on long soaks): a VM start carries a plugin fault instead, and the
 * activation's inflate is left to the crash matrix.
 */
export const DRIVER_POINTS: Readonly<Record<string, readonly string[]>> = {
  vdi_create: ['vdi_create:after-volume', 'vdi_create:after-image', 'vdi_create:before-introduce'],
  vdi_delete: ['vdi_delete:after-destroy'],
  vdi_resize: ['vdi_resize:before-vhd-resize'],
  vdi_snapshot: VERB_FAULT_POINTS['vdi_snapshot'] ?? [],
  vdi_clone: VERB_FAULT_POINTS['vdi_clone'] ?? [],
  vdi_revert: [...(VERB_FAULT_POINTS['vdi_clone'] ?? []), ...Object.values(REVERT_POINTS)],
};

/** The collector's named points (a gc fault may also stop it at the n-th point it crosses). */
export const GC_POINTS: readonly string[] = [...DELETE_POINTS, ...COALESCE_POINTS, ...LEAF_POINTS, ...INFLATE];

/** The n-th point crossed for a counted gc fault is drawn in 1..this (a coalesce crosses 4 to 7, a leaf-coalesce 8). */
const GC_NTH_MAX = 4;

/** Ops after which the collector runs (as sm kicks it after vdi_delete and sr_scan), so that a gc fault may go with them. */
const COLLECTING: ReadonlySet<PlannedOp['kind']> = new Set(['gc', 'destroy', 'revert', 'scan']);

/** Ops that never reach LINSTOR (guest I/O through a tapdisk): no LINSTOR-side fault goes with them. */
const GUEST_IO: ReadonlySet<PlannedOp['kind']> = new Set(['write', 'read']);

/** Weights of the kinds among those an op can carry, before balancing. */
const BASE_WEIGHT: Readonly<Record<FaultKind, number>> = {
  'driver-kill': 26,
  'driver-throw': 14,
  'plugin-kill': 10,
  'gc-kill': 25,
  'gc-throw': 10,
  'linstor-error': 10,
  'linstor-drop': 7,
  'controller-down': 5,
  'controller-move': 4,
  'host-cycle': 5,
};

/** How often a planned fault of each kind fires (measured on long soaks): balancing aims at fired counts. */
const FIRE_RATE: Readonly<Record<FaultKind, number>> = {
  'driver-kill': 0.45,
  'driver-throw': 0.45,
  'plugin-kill': 0.55,
  'gc-kill': 0.35,
  'gc-throw': 0.35,
  'linstor-error': 0.85,
  'linstor-drop': 0.85,
  'controller-down': 0.8,
  'controller-move': 0.9,
  'host-cycle': 0.7,
};

/**
 * A worker's faults planned so far, as expected firings per kind. Given to `planFault`, it balances the
 * kinds: the fewer a kind has, the likelier it is on an op that can carry it, so that rare chances (a
 * collector run, a plugin call) carry their kinds and a long soak fires every kind about as often.
 */
export type FaultHistory = Map<FaultKind, number>;

/** Where a verb or plugin call of the op runs: the pool master, or the host of the op's VM. */
export type Where = 'master' | 'vm';

/** Verbs that undo themselves when they fail: a throw may be followed by a kill inside that undo. */
const SELF_UNDOING = new Set(['vdi_snapshot', 'vdi_clone']);

export type FaultPlan =
  /** `undoKill`: also killed at this point of the undo the throw sets off (a crash during the rollback). */
  | { readonly kind: 'driver-kill' | 'driver-throw'; readonly verb: string; readonly where: Where; readonly point: string; readonly undoKill?: string }
  | { readonly kind: 'plugin-kill'; readonly fn: string; readonly where: Where; readonly when: 'start' | 'end' }
  /** `point`: a named point, or `*#<n>` — the n-th point the collector crosses, whatever the work it finds. */
  | { readonly kind: 'gc-kill' | 'gc-throw'; readonly point: string }
  | { readonly kind: 'linstor-error' | 'linstor-drop' | 'controller-down'; readonly nth: number }
  | { readonly kind: 'controller-move'; readonly delayMs: number }
  | { readonly kind: 'host-cycle'; readonly delayMs: number; readonly downMs: number };

/** The verbs an op runs, with where they run. */
export function verbsOf(op: PlannedOp): { verb: string; where: Where }[] {
  const master = (verb: string) => ({ verb, where: 'master' as const });
  switch (op.kind) {
    case 'create':
      return [master('vdi_create')];
    case 'destroy':
      return [master('vdi_delete')];
    case 'resize':
      return [master('vdi_resize')];
    case 'snapshot':
      return [master('vdi_snapshot')];
    case 'clone':
      return [master('vdi_clone')];
    case 'revert':
      return [master(op.inPlace ? 'vdi_revert' : 'vdi_clone')];
    default:
      return [];
  }
}

/** Where an op runs: whether its target disk runs in a VM, and the pool master's name (when known). */
export type OpSite = { readonly running: boolean; readonly master?: string };

/** Plugin functions an op makes the driver call, with where they run. */
export function pluginCallsOf(op: PlannedOp, site: OpSite): { fn: string; where: Where }[] {
  switch (op.kind) {
    case 'snapshot':
    case 'clone':
      return site.running ? [{ fn: 'pause', where: 'vm' }, { fn: 'unpause', where: 'vm' }] : [];
    case 'plug':
      // The master locks its own volume itself: only a slave's activation calls lockVdi.
      return op.host === site.master ? [] : [{ fn: 'lockVdi', where: 'master' }];
    case 'gc':
      return [{ fn: 'getDrbdOpeners', where: 'master' }, { fn: 'pause', where: 'vm' }, { fn: 'unpause', where: 'vm' }];
    default:
      return [];
  }
}

/** Narrows the faults of a targeted soak: only these kinds; fault points containing one of `points`. */
export type FaultFilter = { readonly kinds?: readonly FaultKind[]; readonly points?: readonly string[] };

function pointsOf(all: readonly string[], filter: FaultFilter): readonly string[] {
  const wanted = filter.points;
  return wanted === undefined || wanted.length === 0 ? all : all.filter((p) => wanted.some((w) => p.includes(w)));
}

/**
 * The fault of an op, if any. `site.running`: the op's target disk runs in a VM. `history`: the worker's own
 * (updated here), to balance the kinds; without it the base weights apply. Always draws 6 numbers.
 */
export function planFault(rng: Rng, op: PlannedOp, site: OpSite, rate: number, filter: FaultFilter = {}, history?: FaultHistory): FaultPlan | undefined {
  const [p, k, a, b, c, d] = [rng.next(), rng.next(), rng.next(), rng.next(), rng.next(), rng.next()];
  if (p >= rate) return undefined;
  const verbs = verbsOf(op).filter((v) => pointsOf(DRIVER_POINTS[v.verb] ?? [], filter).length > 0);
  const namedGcPoints = pointsOf(GC_POINTS, filter);
  // A counted gc fault names no point: only without a point filter.
  const gcEligible = COLLECTING.has(op.kind) && (filter.points === undefined || filter.points.length === 0 || namedGcPoints.length > 0);
  const plugins = pluginCallsOf(op, site);
  const eligible: Record<FaultKind, boolean> = {
    'driver-kill': verbs.length > 0,
    'driver-throw': verbs.length > 0,
    'plugin-kill': plugins.length > 0,
    'gc-kill': gcEligible,
    'gc-throw': gcEligible,
    'linstor-error': !GUEST_IO.has(op.kind),
    'linstor-drop': !GUEST_IO.has(op.kind),
    'controller-down': !GUEST_IO.has(op.kind),
    'controller-move': true,
    'host-cycle': true,
  };
  const weights = {} as Record<FaultKind, number>;
  for (const kind of FAULT_KINDS) {
    const wanted = filter.kinds === undefined || filter.kinds.length === 0 || filter.kinds.includes(kind);
    const expected = history?.get(kind) ?? 0;
    weights[kind] = !eligible[kind] || !wanted ? 0 : history ? 1 / (1 + expected) ** 2 : BASE_WEIGHT[kind];
  }
  const total = Object.values(weights).reduce((s, w) => s + w, 0);
  if (total === 0) return undefined;
  let x = k * total;
  let kind: FaultKind = FAULT_KINDS.find((name) => weights[name] > 0)!;
  for (const name of FAULT_KINDS) {
    if (weights[name] <= 0) continue;
    x -= weights[name];
    if (x < 0) {
      kind = name;
      break;
    }
  }
  history?.set(kind, (history.get(kind) ?? 0) + FIRE_RATE[kind]);
  const pickOf = <T>(items: readonly T[], u: number): T => items[Math.min(items.length - 1, Math.floor(u * items.length))]!;
  switch (kind) {
    case 'driver-kill':
    case 'driver-throw': {
      const v = pickOf(verbs, a);
      const point = pickOf(pointsOf(DRIVER_POINTS[v.verb]!, filter), b);
      if (kind === 'driver-throw' && SELF_UNDOING.has(v.verb) && c < 0.3) return { kind, verb: v.verb, where: v.where, point, undoKill: pickOf(UNDO, d) };
      return { kind, verb: v.verb, where: v.where, point };
    }
    case 'plugin-kill': {
      const call = pickOf(plugins, a);
      return { kind, fn: call.fn, where: call.where, when: b < 0.5 ? 'start' : 'end' };
    }
    case 'gc-kill':
    case 'gc-throw': {
      const counted = namedGcPoints.length === 0 || ((filter.points === undefined || filter.points.length === 0) && b < 0.8);
      return { kind, point: counted ? `*#${1 + Math.floor(c * GC_NTH_MAX)}` : pickOf(namedGcPoints, a) };
    }
    case 'linstor-error':
    case 'linstor-drop':
    case 'controller-down':
      return { kind, nth: 1 + Math.floor(c * 12) };
    case 'controller-move':
      return { kind, delayMs: Math.floor(d * 1500) };
    case 'host-cycle':
      return { kind, delayMs: Math.floor(d * 800), downMs: 500 + Math.floor(c * 2500) };
  }
}

/** Faults aimed at the op's own processes: a verb, a plugin call, the collector. */
export const TARGETED: readonly FaultKind[] = ['driver-kill', 'driver-throw', 'plugin-kill', 'gc-kill', 'gc-throw'];
/** Faults of the op's surroundings: the controller, its connections, a host. */
export const SURROUNDINGS: readonly FaultKind[] = ['linstor-error', 'linstor-drop', 'controller-down', 'controller-move', 'host-cycle'];

/**
 * The faults of an op: one aimed at its own processes and one of its surroundings, each drawn at
 * `rate` (the second at half of it when the first was drawn, so that an op is not mostly stopped before
 * its own fault point), from two halves of the worker's fault stream. A gc op whose collector carries a
 * fault gets none of its surroundings: its backup cycle must succeed to leave the collector work to be
 * stopped in (most such faults never fired otherwise). Always draws 12 numbers.
 */
export function planFaults(rng: Rng, op: PlannedOp, site: OpSite, rate: number, filter: FaultFilter = {}, history?: FaultHistory): FaultPlan[] {
  const draw = (group: readonly FaultKind[], at: number): FaultPlan | undefined => {
    const kinds = filter.kinds === undefined || filter.kinds.length === 0 ? group : group.filter((k) => filter.kinds!.includes(k));
    // Rate 0 still draws its 6 numbers: the stream stays aligned whatever the filter.
    return planFault(rng, op, site, kinds.length > 0 ? at : 0, { ...filter, kinds }, history);
  };
  const own = draw(TARGETED, rate);
  const collectorFault = op.kind === 'gc' && (own?.kind === 'gc-kill' || own?.kind === 'gc-throw');
  const around = draw(SURROUNDINGS, collectorFault ? 0 : own === undefined ? rate : rate / 2);
  return [own, around].filter((f): f is FaultPlan => f !== undefined);
}

/** One line for the op log. */
export function describeFault(f: FaultPlan): string {
  switch (f.kind) {
    case 'driver-kill':
    case 'driver-throw':
      return `${f.kind} ${f.verb}@${f.where} at ${f.point}${f.undoKill ? `, then killed at ${f.undoKill}` : ''}`;
    case 'plugin-kill':
      return `plugin-kill ${f.fn}@${f.where} at its ${f.when}`;
    case 'gc-kill':
    case 'gc-throw':
      return `${f.kind} of the collector at ${f.point.startsWith('*#') ? `the point it crosses ${f.point.slice(1)}` : f.point}`;
    case 'linstor-error':
    case 'linstor-drop':
    case 'controller-down':
      return `${f.kind} at LINSTOR request +${f.nth}`;
    case 'controller-move':
      return `controller-move after ${f.delayMs} ms`;
    case 'host-cycle':
      return `host-cycle after ${f.delayMs} ms for ${f.downMs} ms`;
  }
}
