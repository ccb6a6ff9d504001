/**
 * The hook where the SR verbs stop the garbage collector (spec/blktap2.md §3.5–§3.7): sr_detach aborts
 * it, sr_delete aborts it and runs a last pass. The GC is #8; until it exists no collector of ours runs,
 * so both are no-ops that log. They must implement the abort natively (never `cleanup.py -a` as a child
 * while holding the SR lock: that deadlocks).
 */
import type { DriverContext } from '../context.js';

/** Stops a running collector of `srUuid` (placeholder until #8). */
export async function abortCollector(ctx: DriverContext, srUuid: string): Promise<void> {
  ctx.log.debug(`GC abort for SR ${srUuid}: no collector yet (#8)`);
}

/** sm's `gc_force`: abort, then collect synchronously (placeholder until #8). */
export async function forceCollect(ctx: DriverContext, srUuid: string): Promise<void> {
  ctx.log.debug(`forced GC for SR ${srUuid}: no collector yet (#8)`);
}
