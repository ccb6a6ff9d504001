/**
 * Which fault goes with an op (pure): drawn from the worker's own fault stream, so that the op stream
 * does not shift with it. A fault is aimed at what the op runs: a fault point of a verb it runs (driver
 * killed or made to throw there), a plugin function it calls (killed before it starts or after its
 * work), a fault point of the collector (`gc`), or — for any op — a LINSTOR request failed or cut off
 * a few requests from now, the controller refusing connections from a request on, the controller moved
 * to another host during the op, or a non-master host powered off during the op.
 * Fault points are the ones `faultPoint(` names in driver/, gc/ and lib/ (VERB_FAULT_POINTS for
 * snapshot and clone).
 */
import { CLONE_POINTS, VERB_FAULT_POINTS } from '../../driver/clone/points.js';
import type { PlannedOp } from './op-mix.js';
import type { Rng } from './prng.js';
import type { FaultKind } from './summary.js';

const UNDO = [CLONE_POINTS.undoAfterLeaves, CLONE_POINTS.undoAfterRename];
const INFLATE = ['inflate:after-journal', 'inflate:after-resize'];

/** Verb → its fault points (those the op mix can reach). */
export const DRIVER_POINTS: Readonly<Record<string, readonly string[]>> = {
  vdi_create: ['vdi_create:after-volume', 'vdi_create:after-image', 'vdi_create:before-introduce'],
  vdi_delete: ['vdi_delete:after-destroy'],
  vdi_resize: ['vdi_resize:before-vhd-resize', ...INFLATE],
  vdi_snapshot: VERB_FAULT_POINTS['vdi_snapshot'] ?? [],
  vdi_clone: VERB_FAULT_POINTS['vdi_clone'] ?? [],
  vdi_attach: INFLATE,
  sr_scan: UNDO,
};

export const GC_POINTS: readonly string[] = [
  'gc:coalesce:after-inflate',
  'gc:coalesce:after-journal',
  'gc:coalesce:after-merge',
  'gc:coalesce:after-unjournal',
  'gc:relink:after-journal',
  'gc:relink:after-child',
  'gc:relink:after-unjournal',
  'gc:leaf:after-journal',
  'gc:leaf:after-pause',
  'gc:leaf:after-merge',
  'gc:leaf:after-rename-leaf',
  'gc:leaf:after-rename-parent',
  'gc:leaf:after-commit',
  'gc:leaf:after-unpause',
  'gc:leaf:after-unjournal',
  ...INFLATE,
];

/** Where a verb or plugin call of the op runs: the pool master, or the host of the op's VM. */
export type Where = 'master' | 'vm';

/** Verbs that undo themselves when they fail: a throw may be followed by a kill inside that undo. */
const SELF_UNDOING = new Set(['vdi_snapshot', 'vdi_clone']);

export type FaultPlan =
  /** `undoKill`: also killed at this point of the undo the throw sets off (a crash during the rollback). */
  | { readonly kind: 'driver-kill' | 'driver-throw'; readonly verb: string; readonly where: Where; readonly point: string; readonly undoKill?: string }
  | { readonly kind: 'plugin-kill'; readonly fn: string; readonly where: Where; readonly when: 'start' | 'end' }
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
    case 'revert':
      return [master('vdi_clone')];
    case 'plug':
      return [{ verb: 'vdi_attach', where: 'vm' }];
    case 'scan':
      return [master('sr_scan')];
    default:
      return [];
  }
}

/** Plugin functions an op makes the driver call, with where they run. */
export function pluginCallsOf(op: PlannedOp, running: boolean): { fn: string; where: Where }[] {
  switch (op.kind) {
    case 'snapshot':
    case 'clone':
      return running ? [{ fn: 'pause', where: 'vm' }, { fn: 'unpause', where: 'vm' }] : [];
    case 'plug':
      return [{ fn: 'lockVdi', where: 'master' }];
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
 * The fault of an op, if any. `running`: the op's target disk runs in a VM. Always draws 6 numbers.
 */
export function planFault(rng: Rng, op: PlannedOp, running: boolean, rate: number, filter: FaultFilter = {}): FaultPlan | undefined {
  const [p, k, a, b, c, d] = [rng.next(), rng.next(), rng.next(), rng.next(), rng.next(), rng.next()];
  if (p >= rate) return undefined;
  const verbs = verbsOf(op).filter((v) => pointsOf(DRIVER_POINTS[v.verb] ?? [], filter).length > 0);
  const gcPoints = pointsOf(GC_POINTS, filter);
  const plugins = pluginCallsOf(op, running);
  const weights: Record<FaultKind, number> = {
    'driver-kill': verbs.length > 0 ? 26 : 0,
    'driver-throw': verbs.length > 0 ? 14 : 0,
    'plugin-kill': plugins.length > 0 ? 10 : 0,
    'gc-kill': op.kind === 'gc' && gcPoints.length > 0 ? 25 : 0,
    'gc-throw': op.kind === 'gc' && gcPoints.length > 0 ? 10 : 0,
    'linstor-error': 10,
    'linstor-drop': 7,
    'controller-down': 5,
    'controller-move': 4,
    'host-cycle': 5,
  };
  if (filter.kinds !== undefined && filter.kinds.length > 0) for (const kind of Object.keys(weights) as FaultKind[]) if (!filter.kinds.includes(kind)) weights[kind] = 0;
  const total = Object.values(weights).reduce((s, w) => s + w, 0);
  if (total === 0) return undefined;
  let x = k * total;
  let kind: FaultKind = 'linstor-error';
  for (const [name, w] of Object.entries(weights) as [FaultKind, number][]) {
    if (w <= 0) continue;
    x -= w;
    if (x < 0) {
      kind = name;
      break;
    }
  }
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
    case 'gc-throw':
      return { kind, point: pickOf(gcPoints, a) };
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
      return `${f.kind} at ${f.point}`;
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
