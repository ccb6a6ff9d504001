/**
 * A double snapshot or clone that died past its commit point without answering (`unreturned/<result>`
 * left in the journal): xapi told its caller the verb failed, so the result VDI must not stay behind.
 * The chain is final — the guest may already write to its new leaf — so only the result leaf goes: its
 * XAPI record forgotten, its volume destroyed (or moved aside to `DELETED_`). A result some VM has
 * plugged meanwhile is somebody's data now: it is kept. Every step checks what is there first.
 */
import { UNRETURNED } from '../../lib/journal/index.js';
import { asVdiUuid, type VdiUuid } from '../../lib/volume/index.js';
import { pluggedSomewhere } from '../vdi/plugged.js';
import { vdiRefOf, type CloneDeps } from './deps.js';
import { dropLeaf } from './undo.js';

/** Drops the result VDI `result` of an unanswered verb; 'kept' when a VM uses it. */
export async function dropUnreturnedResult(d: CloneDeps, result: VdiUuid): Promise<'dropped' | 'kept'> {
  const ref = await vdiRefOf(d.xapi, result);
  if (ref !== undefined) {
    if (await pluggedSomewhere(d.xapi, await d.xapi.vdi.get(ref, 'VBDs'))) return 'kept';
    await d.xapi.vdi.dbForget(ref);
  }
  await dropLeaf(d, result);
  return 'dropped';
}

/** Every unanswered result of the SR dropped (master, under the SR lock); failures logged, entries kept. */
export async function dropUnreturnedResults(d: CloneDeps): Promise<number> {
  let dropped = 0;
  for (const [id, vdi] of await d.journal.getAll(UNRETURNED)) {
    try {
      const outcome = await dropUnreturnedResult(d, asVdiUuid(id));
      d.log.warn(`the result of a snapshot of ${vdi} that never answered was ${outcome}`, { vdi, result: id });
      await d.journal.remove(UNRETURNED, id);
      dropped += outcome === 'dropped' ? 1 : 0;
    } catch (error) {
      d.log.error('cannot drop the result of an unanswered snapshot; the next recovery tries again', { vdi, result: id, error });
    }
  }
  return dropped;
}
