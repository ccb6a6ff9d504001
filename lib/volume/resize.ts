/**
 * Growing a volume (spec/sm-linstor.md §3.4 `resize_volume`, as changed in spec/sm-changes-2026.md §7):
 *
 *   1. wait until LINSTOR reports every replica in sync (`sync-status`), polling every second for at
 *      most 300 s: LINSTOR refuses to grow a resource with a non-UpToDate replica (e.g. a thick volume
 *      still doing its initial sync), and a resync can take minutes;
 *   2. one `PUT …/volume-definitions/0` with `size_kib` rounded up. LINSTOR never shrinks.
 *
 * When the resource view the verb already read shows every replica UpToDate, step 2 goes first and
 * step 1 only follows a failure, before one more try: the same outcome, one request fewer.
 *
 * Both periods are scaled by the time scale. A timeout changes nothing.
 */
import { scaled, type VolumeContext } from './context.js';
import { VolumeResizeError, VolumeResizeTimeoutError } from './errors.js';
import { requireVolume } from './lifecycle.js';
import type { ResourceName, VdiUuid } from './naming.js';
import { volumeSizeKib } from './sizes.js';
import { invalidateResources, resourcesByName } from './views.js';

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

/**
 * Whether the resource view this manager already holds shows every replica of `name` UpToDate (disklesses
 * aside): then the resize goes first, and the sync-status wait only follows a refusal.
 */
async function viewShowsInSync(ctx: VolumeContext, name: ResourceName): Promise<boolean> {
  if (ctx.cache.peek('resources') === undefined) return false;
  const resources = (await resourcesByName(ctx, name)).get(name) ?? [];
  const states = resources.flatMap((r) => (r.volumes ?? []).map((v) => v.state?.disk_state));
  return states.some((s) => s === 'UpToDate') && states.every((s) => s === 'UpToDate' || s === 'Diskless');
}

/** Grows the volume of `uuid` to hold `sizeBytes`; a smaller size than today is refused by LINSTOR. */
export async function resizeVolume(ctx: VolumeContext, uuid: VdiUuid, sizeBytes: number): Promise<void> {
  const name = requireVolume(ctx, uuid);
  const sizeKib = volumeSizeKib(sizeBytes);
  const optimistic = await viewShowsInSync(ctx, name);
  if (!optimistic) await waitForSync(ctx, uuid, name);
  try {
    try {
      await ctx.linstor.volumeDefinitions.resize(name, 0, sizeKib);
    } catch (error) {
      if (!optimistic) throw error;
      // The view was older than a resync that started since: wait for it as sm does, then once more.
      ctx.log.info('resize refused or failed; waiting for the replicas to be in sync before retrying', { vdi: uuid, resource: name, error });
      invalidateResources(ctx);
      await waitForSync(ctx, uuid, name);
      await ctx.linstor.volumeDefinitions.resize(name, 0, sizeKib);
    }
  } catch (error) {
    if (error instanceof VolumeResizeError) throw error;
    throw new VolumeResizeError(uuid, ctx.names.resourceGroup, { cause: error });
  } finally {
    invalidateResources(ctx);
  }
  ctx.log.info('volume resized', { vdi: uuid, resource: name, sizeKib });
}
