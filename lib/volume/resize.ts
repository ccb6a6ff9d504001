/**
 * Growing a volume (spec/sm-linstor.md §3.4 `resize_volume`): `size_kib` rounded up, retried while LINSTOR
 * answers "non-UpToDate DRBD device" (common just after a thick creation). LINSTOR never shrinks.
 */
import { hasRetCode, RC } from '../linstor/index.js';
import { scaled, type VolumeContext } from './context.js';
import { VolumeResizeError } from './errors.js';
import { requireVolume } from './lifecycle.js';
import type { VdiUuid } from './naming.js';
import { volumeSizeKib } from './sizes.js';
import { invalidateResources } from './views.js';

/** Attempts while peers are not UpToDate (Python: 30, 2 s apart). */
export const RESIZE_ATTEMPTS = 30;

/** Grows the volume of `uuid` to hold `sizeBytes`; a smaller size than today is refused by LINSTOR. */
export async function resizeVolume(ctx: VolumeContext, uuid: VdiUuid, sizeBytes: number): Promise<void> {
  const name = requireVolume(ctx, uuid);
  const sizeKib = volumeSizeKib(sizeBytes);
  for (let attempt = 1; ; attempt += 1) {
    try {
      await ctx.linstor.volumeDefinitions.resize(name, 0, sizeKib);
      break;
    } catch (error) {
      if (!hasRetCode(error, RC.FAIL_NOT_ALL_UPTODATE) || attempt >= RESIZE_ATTEMPTS) throw new VolumeResizeError(uuid, { cause: error });
      ctx.log.info('resize waits for UpToDate peers', { vdi: uuid, attempt });
      await ctx.sleep(scaled(ctx, 2000));
    } finally {
      invalidateResources(ctx);
    }
  }
  ctx.log.info('volume resized', { vdi: uuid, resource: name, sizeKib });
}
