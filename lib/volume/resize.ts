/**
 * Growing a volume (spec/sm-linstor.md §3.4 `resize_volume`, as changed in spec/sm-changes-2026.md §7):
 *
 *   1. wait until LINSTOR reports every replica in sync (`sync-status`), polling every second for at
 *      most 300 s: LINSTOR refuses to grow a resource with a non-UpToDate replica (e.g. a thick volume
 *      still doing its initial sync), and a resync can take minutes;
 *   2. one `PUT …/volume-definitions/0` with `size_kib` rounded up. LINSTOR never shrinks.
 *
 * Both periods are scaled by the time scale. A timeout changes nothing.
 */
import { scaled, type VolumeContext } from './context.js';
import { VolumeResizeError, VolumeResizeTimeoutError } from './errors.js';
import { requireVolume } from './lifecycle.js';
import type { ResourceName, VdiUuid } from './naming.js';
import { volumeSizeKib } from './sizes.js';
import { invalidateResources } from './views.js';

/** Period of the sync-status poll (ms, before scaling). */
export const RESIZE_SYNC_POLL_MS = 1000;
/** Longest wait for the replicas to be in sync (ms, before scaling). */
export const RESIZE_SYNC_TIMEOUT_MS = 300_000;

/** Waits until every replica of `name` is in sync; {@link VolumeResizeTimeoutError} when it takes too long. */
async function waitForSync(ctx: VolumeContext, uuid: VdiUuid, name: ResourceName): Promise<void> {
  const deadline = ctx.nowMs() + scaled(ctx, RESIZE_SYNC_TIMEOUT_MS);
  for (let polls = 1; ; polls += 1) {
    let synced: boolean;
    try {
      synced = (await ctx.linstor.resourceDefinitions.syncStatus(name)).synced_on_all;
    } catch (error) {
      throw new VolumeResizeError(uuid, ctx.names.resourceGroup, { cause: error });
    }
    if (synced) return;
    if (ctx.nowMs() >= deadline) throw new VolumeResizeTimeoutError(uuid, ctx.names.resourceGroup);
    if (polls === 1) ctx.log.info('resize waits for the replicas to be in sync', { vdi: uuid, resource: name });
    await ctx.sleep(scaled(ctx, RESIZE_SYNC_POLL_MS));
  }
}

/** Grows the volume of `uuid` to hold `sizeBytes`; a smaller size than today is refused by LINSTOR. */
export async function resizeVolume(ctx: VolumeContext, uuid: VdiUuid, sizeBytes: number): Promise<void> {
  const name = requireVolume(ctx, uuid);
  const sizeKib = volumeSizeKib(sizeBytes);
  await waitForSync(ctx, uuid, name);
  try {
    await ctx.linstor.volumeDefinitions.resize(name, 0, sizeKib);
  } catch (error) {
    throw new VolumeResizeError(uuid, ctx.names.resourceGroup, { cause: error });
  } finally {
    invalidateResources(ctx);
  }
  ctx.log.info('volume resized', { vdi: uuid, resource: name, sizeKib });
}
