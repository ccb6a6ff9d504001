/**
 * The collector plans a pass under one SR-lock window and works through it in later windows; between
 * them the driver's verbs run (the lock is released so that a VM start or a snapshot never waits for a
 * whole pass). A snapshot in between turns a planned "leaf-coalesce L into P" into a merge of L's new,
 * empty leaf into a base that the snapshot now reads through: the snapshot would see the VM's later
 * writes. So each step re-reads the SR under the lock that runs it and goes on only when a plan made
 * from what the SR holds now still names it (sm rescans under the lock before a leaf-coalesce for the
 * same reason); otherwise the pass ends and the next one plans again.
 */
import type { VolumeManager } from '../lib/volume/index.js';
import { readInventory, type XapiVdi } from './inventory.js';
import { plan, type Action } from './planner.js';
import type { GcContext } from './sr-context.js';

/** A planned step that the SR no longer calls for: nothing was changed, the collector plans again. */
export class StalePlanError extends Error {
  override name = 'StalePlanError';
}

function same(a: Action, b: Action): boolean {
  return a.kind === b.kind && a.vdi === b.vdi && ('parent' in a ? a.parent : undefined) === ('parent' in b ? b.parent : undefined);
}

/** Under the SR lock the caller holds: throws StalePlanError unless a fresh plan still holds `action`. */
export async function assertStillPlanned(ctx: GcContext, volumes: VolumeManager, xapiVdis: ReadonlyMap<string, XapiVdi>, action: Action): Promise<void> {
  const inv = await readInventory({ volumes, node: ctx.node, root: ctx.env.root, log: ctx.log, xapiVdis });
  if (plan(inv.views).actions.some((a) => same(a, action))) return;
  const what = 'parent' in action ? `${action.kind} of ${action.vdi} into ${action.parent}` : `${action.kind} of ${action.vdi}`;
  throw new StalePlanError(`the ${what} no longer applies: the SR changed since the plan (a verb ran in between)`);
}
