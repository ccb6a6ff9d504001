/**
 * The crash-safe VDI uuid rename (spec/sm-linstor.md §3.4 `update_volume_uuid`, §10 item 1). Only KV keys
 * move; the resource definition, its device and the VHD parent locators pointing at it keep their names.
 *
 *   PUT  new/not-exists=0, new/volume-name, new/metadata; delete namespace old
 *
 * One PUT is one LINSTOR transaction (override first, then the deletes), so the Python driver's five
 * writes, and their intermediate states, shrink to one: before it the volume is `old`, after it `new`.
 * The repair still finishes the Python driver's own intermediate states (a marked copy, or new at 0
 * with the marker set), which a Python host of the pool may leave.
 *
 * `reserve` records new volumes CREATING, under fresh resource names, in the same transaction — the
 * source's uuid among them when a snapshot's new leaf takes it over: their definitions come next
 * (`createVolume` with `reserved`), and until then they are what a crash during a create leaves.
 */
import type { VolumeContext } from './context.js';
import { VolumeError, VolumeExistsError, VolumeNotFoundError } from './errors.js';
import { FIELD_METADATA, FIELD_NOT_EXISTS, FIELD_VOLUME_NAME, VOLUME_STATE, volumeKey, volumeNamespace, volumeRecords } from './kv-layout.js';
import { asResourceName, newVolumeResourceName, type VdiUuid } from './naming.js';

/**
 * Renames the VDI uuid `oldUuid` to `newUuid`, and records the `reserve` uuids CREATING (see above).
 * `force` accepts a source that is not a usable volume (a stale one being moved aside to
 * `DELETED_<uuid>`). Lock checks are the caller's.
 */
export async function renameVolume(ctx: VolumeContext, oldUuid: VdiUuid, newUuid: VdiUuid, force = false, reserve: readonly VdiUuid[] = []): Promise<void> {
  if (oldUuid === newUuid) throw new VolumeError(`cannot rename VDI ${oldUuid} to itself`);
  if (!force && !ctx.volumes.has(oldUuid)) throw new VolumeNotFoundError(oldUuid);
  if (ctx.volumes.has(newUuid)) throw new VolumeExistsError(newUuid);
  const records = volumeRecords(await ctx.kv.props());
  const source = records.get(oldUuid);
  if (source?.updatingUuidSrc !== undefined) throw new VolumeError(`VDI ${oldUuid} is itself the target of an unfinished rename`);
  if (records.has(newUuid)) throw new VolumeExistsError(newUuid, 'has keys in the KV already');
  const name = ctx.volumes.get(oldUuid) ?? source?.volumeName;
  if (name === undefined) throw new VolumeNotFoundError(oldUuid);
  if (reserve.includes(newUuid) || new Set(reserve).size !== reserve.length) throw new VolumeError(`cannot reserve a VDI uuid twice: ${reserve.join(', ')}`);
  for (const uuid of reserve) if (uuid !== oldUuid && (ctx.volumes.has(uuid) || records.has(uuid))) throw new VolumeExistsError(uuid);

  const set: Record<string, string> = {
    [volumeKey(newUuid, FIELD_NOT_EXISTS)]: VOLUME_STATE.EXISTS,
    [volumeKey(newUuid, FIELD_VOLUME_NAME)]: name,
  };
  if (source?.metadata !== undefined) set[volumeKey(newUuid, FIELD_METADATA)] = source.metadata;
  for (const uuid of reserve) {
    set[volumeKey(uuid, FIELD_NOT_EXISTS)] = VOLUME_STATE.CREATING;
    set[volumeKey(uuid, FIELD_VOLUME_NAME)] = newVolumeResourceName(ctx.uuid4);
  }
  // LINSTOR applies the overrides before the deletes: a source that is reserved again loses its other
  // keys one by one, not its namespace.
  const change = reserve.includes(oldUuid) ? { delete: (source?.keys ?? []).filter((k) => !(k in set)) } : { deleteNamespaces: [volumeNamespace(oldUuid)] };
  try {
    await ctx.kv.modify({ set, ...change });
  } catch (error) {
    // Applied or not, the KV holds one volume or the other, never both: the next read decides.
    throw new VolumeError(`cannot rename VDI ${oldUuid} to ${newUuid}`, { cause: error });
  }
  ctx.volumes.delete(oldUuid);
  ctx.volumes.set(newUuid, asResourceName(name));
  ctx.log.info('volume uuid renamed', { from: oldUuid, to: newUuid, resource: name, ...(reserve.length > 0 ? { reserved: reserve } : {}) });
}
