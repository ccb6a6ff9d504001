/**
 * What the master does before its own VDI commands, sr_scan and sr_attach (spec/sm-linstor.md §5,
 * `_load_vdis`): undo any interrupted inflate, so that the VHD footers match what the next command reads,
 * then any interrupted snapshot or clone, then drop the results of those that died past their commit
 * point without answering, then undo or finish any interrupted revert (revert/adopt.ts). Costs nothing when the journal is empty (the KV is already
 * cached by the volume manager).
 *
 * Only a command holding the SR lock may run it: every owner of a clone entry holds that lock for its
 * whole run, so an entry seen under it belongs to a process that is gone, never to one still running
 * (docs/commit-points.md).
 */
import type { DriverContext } from '../context.js';
import type { SrSession } from '../sr/session.js';
import { replayInflateJournal } from '../../lib/thin/thin.js';
import { cloneDepsOf } from '../clone/deps.js';
import { undoInterruptedClones } from '../clone/undo.js';
import { dropUnreturnedResults } from '../clone/unreturned.js';
import { REVERT, UNRETURNED } from '../../lib/journal/index.js';
import { recoverReverts } from '../revert/adopt.js';

/** Recovery without the SR lock would race the operation it recovers. */
export class RecoveryWithoutLockError extends Error {
  override name = 'RecoveryWithoutLockError';
}

/**
 * Returns true when a snapshot, clone or revert recovery ran: those introduce, forget and update VDIs in
 * XAPI, so VDI records read before are stale. An inflate replay only touches volumes and the journal.
 */
export async function masterPrelude(ctx: DriverContext, session: SrSession, node: string): Promise<boolean> {
  if (!session.holdsSrLock) throw new RecoveryWithoutLockError('journal recovery runs only under the SR lock');
  const volumes = await session.volumes();
  const journal = await session.journal();
  if ((await journal.getAll('inflate')).size > 0) {
    await replayInflateJournal({ volumes, journal, root: ctx.env.root, faults: ctx.env.faults, log: ctx.log }, (uuid) => volumes.localDevicePath(uuid, node, ctx.env.root));
  }
  const [clones, unreturned, reverts] = await Promise.all([journal.getAll('clone'), journal.getAll(UNRETURNED), journal.getAll(REVERT)]);
  const recovers = clones.size > 0 || unreturned.size > 0 || reverts.size > 0;
  if (recovers) {
    const deps = await cloneDepsOf(ctx, session, node, ctx.log.child('clone-undo')).current();
    if (clones.size > 0) await undoInterruptedClones(deps);
    if (unreturned.size > 0) await dropUnreturnedResults(deps);
    if (reverts.size > 0) await recoverReverts(deps);
  }
  return recovers;
}
