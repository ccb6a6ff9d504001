/**
 * Deleting a volume the collector no longer needs (sm's `LinstorVDI.delete` for the GC, and the
 * `DELETED_` purge), under the SR lock: destroy the volume (KV NOT_EXISTS first, so a crash leaves what
 * repair finishes), forget the XAPI record, remove sm's per-VDI lock folder.
 */
import { rm } from 'node:fs/promises';
import { hostPath } from '../lib/host/env.js';
import { asVdiUuid, type VolumeManager } from '../lib/volume/index.js';
import { isXapiError } from '../lib/xapi/index.js';
import { faultPoint } from '../lib/host/faults.js';
import { GC_POINTS } from './fault-points.js';
import type { GcContext } from './sr-context.js';

/** The volume lock wait of the collector (sm: 30 s). */
export const GC_LOCK_WAIT_MS = 30_000;

/** Destroys the volume of `uuid` and forgets its XAPI record (either may already be gone). */
export async function deleteVdi(ctx: GcContext, volumes: VolumeManager, uuid: string, xapiRef: string | undefined): Promise<void> {
  const vdi = asVdiUuid(uuid);
  if (volumes.has(vdi)) await volumes.destroy(vdi, { timeoutMs: GC_LOCK_WAIT_MS });
  faultPoint(ctx.env.faults, GC_POINTS.delete.afterDestroy);
  if (xapiRef !== undefined) {
    try {
      // VDI.forget, as sm's GC: db_forget is for the SM backend session of a driver call only.
      await ctx.xapi.call('VDI.forget', xapiRef);
    } catch (error) {
      if (!isXapiError(error, 'HANDLE_INVALID')) throw error;
    }
  }
  // A DELETED_ name is not a lock namespace sm ever made.
  if (!uuid.includes('/')) await rm(hostPath(ctx.env.root, `/var/lock/sm/${uuid}`), { recursive: true, force: true });
}
