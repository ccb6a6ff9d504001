/**
 * What a killed collector left, handled at the start of every pass under the SR lock (spec §5):
 *
 *   inflate/<vdi>   an inflate of a coalesce parent was cut: the footer goes back (the next merge
 *                   inflates again); the driver's master prelude would do the same
 *   relink/<vdi>    the merge of <vdi> completed: redo the relink, delete <vdi> (a `coalesce/` entry
 *                   of the same VDI is stale then)
 *   leaf/<L>=<P>    an offline leaf-coalesce was cut: undone while P or OLD_<L> exists, else finished
 *   coalesce/<vdi>  the merge may be partial: kept, the planner picks the same coalesce again and
 *                   merging again is safe (coalesce.ts); dropped when <vdi> is gone
 */
import type { Journal } from '../lib/journal/index.js';
import { replayInflateJournal } from '../lib/thin/thin.js';
import { asVdiUuid, type VolumeManager } from '../lib/volume/index.js';
import { finishRelink } from './coalesce.js';
import { recoverLeafCoalesce } from './leaf-coalesce.js';
import type { XapiVdi } from './inventory.js';
import type { GcContext } from './sr-context.js';

/** Recovers every GC journal entry; returns what it did, one line each. */
export async function recoverJournals(ctx: GcContext, volumes: VolumeManager, journal: Journal, xapiVdis: ReadonlyMap<string, XapiVdi>): Promise<string[]> {
  const done: string[] = [];
  await replayInflateJournal({ volumes, journal, root: ctx.env.root, faults: ctx.env.faults, log: ctx.log }, (uuid) => volumes.localDevicePath(uuid, ctx.node, ctx.env.root));
  for (const [leaf, parent] of await journal.getAll('leaf')) {
    const outcome = await recoverLeafCoalesce(ctx, volumes, journal, xapiVdis, leaf, parent);
    ctx.log.warn(`interrupted leaf-coalesce of ${leaf} into ${parent} ${outcome}`);
    done.push(`leaf-coalesce of ${leaf} into ${parent} ${outcome}`);
  }
  const coalescing = await journal.getAll('coalesce');
  for (const vdi of (await journal.getAll('relink')).keys()) {
    ctx.log.warn('finishing an interrupted relink', { vdi });
    if (coalescing.has(vdi)) await journal.remove('coalesce', vdi);
    coalescing.delete(vdi);
    await finishRelink(ctx, volumes, journal, xapiVdis, vdi);
    done.push(`coalesce of ${vdi} finished (relink redone)`);
  }
  for (const vdi of coalescing.keys()) {
    if (volumes.has(asVdiUuid(vdi))) {
      ctx.log.warn('an interrupted coalesce will be redone', { vdi });
    } else {
      ctx.log.warn('dropping the coalesce journal of a VDI that is gone', { vdi });
      await journal.remove('coalesce', vdi);
    }
  }
  return done;
}
