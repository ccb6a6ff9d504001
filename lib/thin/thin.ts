/**
 * Inflate and deflate of a VHD that lives in a LINSTOR volume (spec/sm-linstor.md §4.3, §5): LINSTOR
 * volumes only grow, so "thin" means the VHD footer sits just after the used data while the VDI is not
 * attached writable, and at the end of a grown device while it is.
 *
 *   inflate: journal `inflate/<vdi>` = old size ─▶ grow the volume ─▶ footer to the new end ─▶ drop the entry
 *   replay (master, before any other master VDI command): footer back to the old size, drop the entry
 *   deflate: footer back to the end of the data (the volume keeps its size)
 *
 * Device paths are dom0 paths of a device this host can open (`localDevicePath`). Used by the driver
 * (activate, resize, master prelude) and by the plugin's `attach`/`detach` (the master's side for slaves
 * that route thin provisioning through it, as the Python driver's slaves do).
 */
import { faultPoint } from '../host/faults.js';
import type { Journal } from '../journal/index.js';
import type { Logger } from '../log/logger.js';
import { computeVolumeSize, queryVhd, roundUp512, setPhysicalSize } from '../vhd/index.js';
import { asVdiUuid, type VdiUuid, type VolumeManager } from '../volume/index.js';

export type ThinDeps = {
  readonly volumes: VolumeManager;
  readonly journal: Journal;
  /** LINSTOR_SR_ROOT. */
  readonly root: string;
  readonly faults: string | undefined;
  readonly log: Logger;
  /**
   * A slave holds the volume lock it asked the master for (plugin lockVdi) while it works on the VDI:
   * its own resize neither waits for that lock nor clears it (the lock has no owner: clearing it could
   * drop another slave's lock on the same VDI; see LockWaitOptions.heldByCaller).
   */
  readonly holdsVolumeLock?: boolean;
};

/** The usable size of the volume of `uuid` (what the device holds), in bytes. */
export async function usableBytes(volumes: VolumeManager, uuid: VdiUuid): Promise<number> {
  const sizes = await volumes.sizes(uuid);
  if (sizes === undefined) throw new Error(`the volume of VDI ${uuid} reports no usable size`);
  return sizes.usableBytes;
}

/** The fault points of an inflate, in the order it crosses them. */
export const INFLATE_POINTS = { afterJournal: 'inflate:after-journal', afterResize: 'inflate:after-resize' } as const;

/**
 * Grows the volume of `uuid` to at least `newSize` and moves the VHD footer to the new end. A no-op when
 * the device is already large enough (the footer is still moved to its end when `footerToEnd`).
 */
export async function inflate(d: ThinDeps, uuid: VdiUuid, path: string, newSize: number, options: { footerToEnd?: boolean } = {}): Promise<void> {
  const wanted = roundUp512(newSize);
  const current = await usableBytes(d.volumes, uuid);
  if (wanted <= current) {
    if (options.footerToEnd) await setPhysicalSize({ root: d.root }, path, current);
    return;
  }
  await d.journal.create('inflate', uuid, String(current));
  faultPoint(d.faults, INFLATE_POINTS.afterJournal);
  await d.volumes.resize(uuid, wanted, d.holdsVolumeLock ? { heldByCaller: true } : {});
  d.volumes.invalidateResources();
  const grown = await usableBytes(d.volumes, uuid);
  if (grown < wanted) d.log.warn('the volume grew less than asked', { vdi: uuid, wanted, grown });
  faultPoint(d.faults, INFLATE_POINTS.afterResize);
  await setPhysicalSize({ root: d.root }, path, grown);
  await d.journal.remove('inflate', uuid);
  d.log.info('VHD inflated', { vdi: uuid, from: current, to: grown });
}

/** Moves the footer of the VHD at `path` back to the end of its data (no-op when already there). */
export async function deflate(d: Pick<ThinDeps, 'root' | 'log'>, uuid: VdiUuid, path: string, deviceSize: number): Promise<void> {
  const info = await queryVhd({ root: d.root }, path);
  const target = roundUp512(info.physicalSize);
  if (target >= deviceSize) return;
  await setPhysicalSize({ root: d.root }, path, target);
  d.log.info('VHD deflated', { vdi: uuid, to: target, device: deviceSize });
}

/**
 * `_handle_interrupted_inflate` for every `inflate` entry: the footer goes back to the recorded old size
 * (never below the data) and the entry is removed. `devicePathOf` opens the volume on this host (master).
 * Call it under the SR lock only (every inflater on this host holds it; slaves hold the volume lock).
 * Undoing is always right: an inflate's commit point is the removal of its entry, and no guest writes to
 * the VHD before the attach that inflated it has returned.
 */
export async function replayInflateJournal(d: ThinDeps, devicePathOf: (uuid: VdiUuid) => Promise<string>): Promise<void> {
  const entries = await d.journal.getAll('inflate');
  for (const [id, value] of entries) {
    const uuid = asVdiUuid(id);
    if (d.volumes.has(uuid)) {
      // A slave inflates under the volume lock it took through the master (plugin lockVdi), not under
      // this SR lock: while that lock lives, its owner may still be running. Wait for it, then look again.
      try {
        await d.volumes.ensureNotLocked(uuid);
      } catch (error) {
        d.log.warn('an inflate is still running under a volume lock: left for a later command', { vdi: uuid, error });
        continue;
      }
      if ((await d.journal.get('inflate', id)) === undefined) continue;
      const path = await devicePathOf(uuid);
      const info = await queryVhd({ root: d.root }, path).catch(() => undefined);
      const current = await usableBytes(d.volumes, uuid);
      const old = Number(value);
      if (info !== undefined && Number.isSafeInteger(old)) {
        const target = Math.min(current, Math.max(roundUp512(old), roundUp512(info.physicalSize)));
        await setPhysicalSize({ root: d.root }, path, target);
      }
      d.log.info('interrupted inflate undone', { vdi: uuid, old: value, device: current });
    }
    await d.journal.remove('inflate', uuid);
  }
}

/** `attach_thin`: inflates the VHD at `path` to the full size its virtual size needs (footer at the end). */
export async function attachThin(d: ThinDeps, uuid: VdiUuid, path: string): Promise<void> {
  const info = await queryVhd({ root: d.root }, path);
  await inflate(d, uuid, path, computeVolumeSize(info.virtualSize, 'vhd'), { footerToEnd: true });
}

/** `detach_thin`: moves the footer of the VHD at `path` back to the end of its data. */
export async function detachThin(d: ThinDeps, uuid: VdiUuid, path: string): Promise<void> {
  await deflate(d, uuid, path, await usableBytes(d.volumes, uuid));
}
