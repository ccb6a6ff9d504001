/**
 * The crash-safe VDI uuid rename (spec/sm-linstor.md §3.4 `update_volume_uuid`, §10 item 1). Only KV keys
 * move; the resource definition, its device and the VHD parent locators pointing at it keep their names.
 *
 *   1. PUT  new/not-exists=1, new/updating-uuid-src=old, new/volume-name, new/metadata   (marked copy)
 *   2. PUT  new/not-exists=0, delete new/updating-uuid-src, delete namespace old          (commit)
 *
 * Each PUT is one LINSTOR transaction, so the Python driver's five writes shrink to two with the same
 * intermediate states: after 1 a repair discards `new` (its state is not 0); after 2 nothing is pending.
 * The repair also finishes the Python driver's own intermediate state (new at 0 with the marker still set).
 */
import { LinstorApiError } from '../linstor/index.js';
import type { VolumeContext } from './context.js';
import { VolumeError, VolumeExistsError, VolumeNotFoundError } from './errors.js';
import { FIELD_METADATA, FIELD_NOT_EXISTS, FIELD_UPDATING_UUID_SRC, FIELD_VOLUME_NAME, VOLUME_STATE, volumeKey, volumeNamespace, volumeRecords } from './kv-layout.js';
import { asResourceName, type VdiUuid } from './naming.js';

/**
 * Renames the VDI uuid `oldUuid` to `newUuid`. `force` accepts a source that is not a usable volume
 * (a stale one being moved aside to `DELETED_<uuid>`). Lock checks are the caller's.
 */
export async function renameVolume(ctx: VolumeContext, oldUuid: VdiUuid, newUuid: VdiUuid, force = false): Promise<void> {
  if (oldUuid === newUuid) throw new VolumeError(`cannot rename VDI ${oldUuid} to itself`);
  if (!force && !ctx.volumes.has(oldUuid)) throw new VolumeNotFoundError(oldUuid);
  if (ctx.volumes.has(newUuid)) throw new VolumeExistsError(newUuid);
  const records = volumeRecords(await ctx.kv.props());
  const source = records.get(oldUuid);
  if (source?.updatingUuidSrc !== undefined) throw new VolumeError(`VDI ${oldUuid} is itself the target of an unfinished rename`);
  if (records.has(newUuid)) throw new VolumeExistsError(newUuid, 'has keys in the KV already');
  const name = ctx.volumes.get(oldUuid) ?? source?.volumeName;
  if (name === undefined) throw new VolumeNotFoundError(oldUuid);

  const copy: Record<string, string> = {
    [volumeKey(newUuid, FIELD_NOT_EXISTS)]: VOLUME_STATE.NOT_EXISTS,
    [volumeKey(newUuid, FIELD_UPDATING_UUID_SRC)]: oldUuid,
    [volumeKey(newUuid, FIELD_VOLUME_NAME)]: name,
  };
  if (source?.metadata !== undefined) copy[volumeKey(newUuid, FIELD_METADATA)] = source.metadata;
  await ctx.kv.modify({ set: copy });
  try {
    await ctx.kv.modify({
      set: { [volumeKey(newUuid, FIELD_NOT_EXISTS)]: VOLUME_STATE.EXISTS },
      delete: [volumeKey(newUuid, FIELD_UPDATING_UUID_SRC)],
      deleteNamespaces: [volumeNamespace(oldUuid)],
    });
  } catch (error) {
    // A refusal changed nothing: drop the marked copy. Otherwise the commit may have been applied, and
    // clearing `new` could lose the volume: the next repair decides from what is stored.
    if (error instanceof LinstorApiError) {
      await ctx.kv.modify({ deleteNamespaces: [volumeNamespace(newUuid)] }).catch((cleanupError: unknown) => {
        ctx.log.warn('cannot drop the copy of a failed rename; the next repair will', { from: oldUuid, to: newUuid, error: cleanupError });
      });
    }
    throw new VolumeError(`cannot rename VDI ${oldUuid} to ${newUuid}`, { cause: error });
  }
  ctx.volumes.delete(oldUuid);
  ctx.volumes.set(newUuid, asResourceName(name));
  ctx.log.info('volume uuid renamed', { from: oldUuid, to: newUuid, resource: name });
}
