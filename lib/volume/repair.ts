/**
 * Building the volume set from the KV at load, and repairing what crashed operations left
 * (spec/sm-linstor.md §3.2 `_build_volumes`, §3.5 `remove_resourceless_volumes`):
 *
 *   1. pending renames (`updating-uuid-src`): without repair, read as the repair would leave them, writing
 *      nothing (an uncommitted copy is not there yet, a committed one replaces its source), so a reader
 *      never fails because the master is renaming another volume (or this one) at this moment
 *   2. each namespace with a state: EXISTS is usable; CREATING is usable without repair (a slave may use
 *      a volume the master is still creating); anything else is ignored, or with repair removed
 *      (definition deleted, keys cleared; if that fails, renamed to `DELETED_<uuid>`)
 *   3. each pending rename: a copy that never reached EXISTS is dropped, a committed one is finished
 *   4. with repair, usable volumes whose definition is missing (or whose name is empty) are destroyed
 */
import type { VolumeContext } from './context.js';
import { FIELD_UPDATING_UUID_SRC, VOLUME_STATE, volumeKey, volumeNamespace, volumeRecords, type VolumeRecord } from './kv-layout.js';
import { destroyVolume, forceDeleteDefinition } from './lifecycle.js';
import { asResourceName, asVdiUuid, deletedVdiUuid, isDeletedVdiUuid, isResourceName, type ResourceName } from './naming.js';
import { renameVolume } from './rename.js';
import { srResourceDefinitions } from './views.js';

/** Fills `ctx.volumes` from the KV, repairing when `repair` is set. */
export async function loadVolumes(ctx: VolumeContext, repair: boolean): Promise<void> {
  const records = volumeRecords(await ctx.kv.props());
  const renames = [...records.values()].filter((r) => r.updatingUuidSrc !== undefined);
  ctx.volumes.clear();
  const bad: VolumeRecord[] = [];
  for (const record of records.values()) {
    if (record.updatingUuidSrc !== undefined || record.state === undefined) continue;
    const name = validName(record.volumeName);
    const usable = record.state === VOLUME_STATE.EXISTS || (record.state === VOLUME_STATE.CREATING && !repair);
    if (usable && name !== undefined) ctx.volumes.set(record.uuid, name);
    else if (repair) bad.push(record);
    else ctx.log.info('ignoring a volume that is not usable', { vdi: record.uuid, state: record.state, resource: record.volumeName });
  }
  if (!repair) {
    for (const record of renames) viewRename(ctx, record);
    return;
  }
  for (const record of bad) await removeBadVolume(ctx, record);
  for (const record of renames) await finishRename(ctx, record);
  await removeResourcelessVolumes(ctx);
}

/** A stored volume-name that LINSTOR could hold; anything else means "no resource". */
function validName(name: string | undefined): ResourceName | undefined {
  return name !== undefined && isResourceName(name) ? asResourceName(name) : undefined;
}

/** Removes a stale CREATING or NOT_EXISTS volume; moves it aside to `DELETED_<uuid>` when it resists. */
async function removeBadVolume(ctx: VolumeContext, record: VolumeRecord): Promise<void> {
  const name = validName(record.volumeName);
  ctx.log.warn('repair: removing a stale volume', { vdi: record.uuid, state: record.state, resource: record.volumeName });
  try {
    if (name !== undefined && (await srResourceDefinitions(ctx)).has(name)) await forceDeleteDefinition(ctx, name);
    await ctx.kv.modify({ deleteNamespaces: [volumeNamespace(record.uuid)] });
  } catch (error) {
    ctx.log.warn('repair: cannot remove the stale volume, renaming it aside', { vdi: record.uuid, error });
    if (isDeletedVdiUuid(record.uuid)) return;
    try {
      // So that a snapshot rollback can reuse the uuid; the GC purges DELETED_ volumes.
      await renameVolume(ctx, record.uuid, deletedVdiUuid(record.uuid), true);
    } catch (renameError) {
      // Left as is: the next repair tries again; loading must not fail because of one stale volume.
      ctx.log.warn('repair: cannot rename the stale volume aside either', { vdi: record.uuid, error: renameError });
    }
  }
}

/**
 * Step 3 read only: the destination of a committed rename (EXISTS) is the volume, its source no longer
 * is; an uncommitted copy is ignored and its source stays the volume. The same outcome as {@link
 * finishRename}, so a repair that runs later agrees with what this reader used.
 */
function viewRename(ctx: VolumeContext, destination: VolumeRecord): void {
  if (destination.state !== VOLUME_STATE.EXISTS) return;
  const name = validName(destination.volumeName);
  if (name === undefined) return;
  ctx.volumes.delete(asVdiUuid(destination.updatingUuidSrc ?? ''));
  ctx.volumes.set(destination.uuid, name);
}

/** Step 3: drop an uncommitted copy, or finish a committed rename (clear the source, drop the marker). */
async function finishRename(ctx: VolumeContext, destination: VolumeRecord): Promise<void> {
  const source = asVdiUuid(destination.updatingUuidSrc ?? '');
  if (destination.state !== VOLUME_STATE.EXISTS) {
    ctx.log.warn('repair: discarding an unfinished uuid rename', { from: source, to: destination.uuid });
    await ctx.kv.modify({ deleteNamespaces: [volumeNamespace(destination.uuid)] });
    return;
  }
  ctx.log.warn('repair: completing a uuid rename', { from: source, to: destination.uuid });
  await ctx.kv.modify({ delete: [volumeKey(destination.uuid, FIELD_UPDATING_UUID_SRC)], deleteNamespaces: [volumeNamespace(source)] });
  ctx.volumes.delete(source);
  const name = validName(destination.volumeName);
  if (name !== undefined) ctx.volumes.set(destination.uuid, name);
}

/** Step 4: a usable volume whose definition is gone (deleted by hand, or a crash mid-destroy). */
async function removeResourcelessVolumes(ctx: VolumeContext): Promise<void> {
  const definitions = await srResourceDefinitions(ctx);
  for (const [uuid, name] of [...ctx.volumes]) {
    if (definitions.has(name)) continue;
    ctx.log.warn('repair: destroying a volume without a resource definition', { vdi: uuid, resource: name });
    try {
      await destroyVolume(ctx, uuid);
    } catch (error) {
      // It stays NOT_EXISTS, which the next repair removes.
      ctx.log.warn('repair: cannot destroy a resourceless volume', { vdi: uuid, error });
    }
  }
}
