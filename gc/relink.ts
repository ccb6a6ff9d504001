/**
 * The relink phase of a non-leaf coalesce (sm's `_relinkSkip`, spec/blktap2.md §2.4), under the SR lock:
 * once the merged layer's data is in its parent, each child is re-pointed at that parent — wait for the
 * child's volume lock (a slave attaching it), pause its tapdisks everywhere, rewrite the VHD parent
 * locator (the parent's by-res path, which never changes), set XAPI's `vhd-parent`, unpause.
 * Re-pointing a child that already points at the parent is a no-op, so a killed relink is simply redone.
 */
import { tapPause, tapUnpause } from '../lib/blktap/pause.js';
import { faultPoint } from '../lib/host/faults.js';
import { GC_POINTS } from './fault-points.js';
import { queryVhd, setParent } from '../lib/vhd/index.js';
import { asVdiUuid, type VolumeManager } from '../lib/volume/index.js';
import { GC_LOCK_WAIT_MS } from './delete.js';
import { setVhdParent } from '../lib/xapi/index.js';
import type { XapiVdi } from './inventory.js';
import { pauseDeps } from './live-pause.js';
import type { GcContext } from './sr-context.js';

/** Re-points `children` (VDI uuids) at `parent`. */
export async function relinkChildren(ctx: GcContext, volumes: VolumeManager, children: readonly string[], parent: string, xapiVdis: ReadonlyMap<string, XapiVdi>): Promise<void> {
  const parentPath = volumes.devicePath(asVdiUuid(parent));
  const vhd = { root: ctx.env.root };
  for (const child of children) {
    const uuid = asVdiUuid(child);
    await volumes.ensureNotLocked(uuid, { timeoutMs: GC_LOCK_WAIT_MS });
    const childPath = await volumes.localDevicePath(uuid, ctx.node, ctx.env.root);
    const record = xapiVdis.get(child);
    const deps = record ? pauseDeps(ctx, record.ref) : undefined;
    // sm ignores the pause result here; a tapdisk that could not pause keeps reading the old parent,
    // whose data is a superset of what it read before, so the relink stays correct.
    if (deps) await tapPause(deps.config, deps.call, ctx.log, ctx.srUuid, child).catch((e: unknown) => ctx.log.warn('pause before relink failed', { vdi: child, error: String(e) }));
    try {
      const info = await queryVhd(vhd, childPath);
      if (info.parentPath !== parentPath) await setParent(vhd, childPath, parentPath);
      volumes.invalidateResources();
      if (record) {
        await setVhdParent(ctx.xapi.vdi, record.ref, parent);
      }
      ctx.log.info('relinked', { vdi: child, parent });
      faultPoint(ctx.env.faults, GC_POINTS.relink.afterChild);
    } finally {
      if (deps) await tapUnpause(deps.config, deps.call, ctx.log, ctx.srUuid, child).catch((e: unknown) => ctx.log.warn('unpause after relink failed', { vdi: child, error: String(e) }));
    }
  }
}
