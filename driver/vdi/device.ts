/**
 * The LINSTOR half of activate/deactivate (the `DeviceDriver` of lib/blktap/activation.ts; spec/
 * sm-linstor.md §2.4 attach/detach, §3.5, §4.3):
 *
 *   attach: refuse a VDI with journal entries ─▶ its device here (a diskless on demand) ─▶ every parent
 *           made available ─▶ the chain's devices checked ─▶ thin VHD opened writable: inflate to the
 *           full size ─▶ path and type
 *   detach: thin VHD not open elsewhere: deflate ─▶ on a slave, remove the plain disklesses of the chain
 *           (never a tie-breaker or a replica; the master keeps its devices for the GC)
 *
 * Detach never fails the verb for a cleanup: errors are logged (as the Python detach_thin).
 */
import { existsSync } from 'node:fs';
import { hostPath } from '../../lib/host/env.js';
import type { DeviceDriver } from '../../lib/blktap/activation.js';
import type { Journal } from '../../lib/journal/index.js';
import type { Logger } from '../../lib/log/logger.js';
import { SrError } from '../../lib/smapi/sr-error.js';
import { MAX_CHAIN_DEPTH, queryVhd } from '../../lib/vhd/index.js';
import type { Provisioning, VdiUuid, VolumeManager } from '../../lib/volume/index.js';
import { fullVolumeSize, type VdiType } from './sizes.js';
import { deflate, inflate, usableBytes } from '../../lib/thin/thin.js';

export type LinstorDeviceOptions = {
  readonly volumes: VolumeManager;
  readonly journal: Journal;
  readonly uuid: VdiUuid;
  readonly type: VdiType;
  readonly provisioning: Provisioning;
  /** This host's LINSTOR node name. */
  readonly node: string;
  readonly isMaster: boolean;
  readonly root: string;
  readonly faults: string | undefined;
  readonly log: Logger;
};

export const INTERRUPTED = 'Interrupted operation detected on this VDI, scan SR first to trigger auto-repair';

/** Refuses a VDI an interrupted operation left a journal entry for (until a master command repairs it). */
export async function refusePendingJournal(journal: Journal, uuid: string): Promise<void> {
  if (await journal.hasEntries(uuid)) throw new SrError('VDIUnavailable', INTERRUPTED);
}

/**
 * The chain below `uuid` (leaf first). With `makeAvailable`, each parent is made available here and
 * every device of the chain is checked against LINSTOR at the end (one resource view for the chain);
 * without, only the parents present are listed (detach).
 */
async function chain(o: LinstorDeviceOptions, leafPath: string, makeAvailable: boolean): Promise<{ uuid: VdiUuid; path: string }[]> {
  const out = [{ uuid: o.uuid, path: leafPath }];
  if (o.type === 'vhd') {
    let path = leafPath;
    for (let depth = 1; depth < MAX_CHAIN_DEPTH; depth += 1) {
      const info = await queryVhd({ root: o.root }, path);
      if (info.parentPath === undefined) break;
      const parent = o.volumes.vdiUuidFromDevicePath(info.parentPath);
      if (parent === undefined) throw new SrError('VDIUnavailable', `the parent ${info.parentPath} of ${out.at(-1)?.uuid} is not a volume of this SR`);
      path = makeAvailable ? await o.volumes.prepareLocalDevice(parent, o.node, o.root) : o.volumes.devicePath(parent);
      if (!makeAvailable && !existsSync(hostPath(o.root, path))) break;
      out.push({ uuid: parent, path });
    }
  }
  if (makeAvailable) await o.volumes.verifyLocalDevices(out.map((l) => l.uuid), o.node, o.root);
  return out;
}

export function linstorDevice(o: LinstorDeviceOptions): DeviceDriver {
  return {
    async attach(writable) {
      // The command holds the volume lock (a slave's through the master, the master's own): an entry
      // now is an interrupted operation, for a master command to repair.
      await refusePendingJournal(o.journal, o.uuid);
      // The whole chain's devices first, checked together, then the only write: the inflate.
      const path = await o.volumes.prepareLocalDevice(o.uuid, o.node, o.root);
      await chain(o, path, true);
      if (o.type === 'aio') return { path, type: 'aio' };
      if (writable) {
        const info = await queryVhd({ root: o.root }, path);
        await inflate({ ...o, holdsVolumeLock: true }, o.uuid, path, fullVolumeSize(info.virtualSize, 'vhd'), { footerToEnd: true });
      }
      return { path, type: 'vhd' };
    },
    async detach() {
      const path = o.volumes.devicePath(o.uuid);
      if (!existsSync(hostPath(o.root, path))) return;
      let links = [{ uuid: o.uuid, path }];
      try {
        if (o.type === 'vhd') links = await chain(o, path, true);
        const openElsewhere = [...(await o.volumes.usageStates(o.uuid))].some(([node, inUse]) => inUse && node.toUpperCase() !== o.node.toUpperCase());
        if (o.type === 'vhd' && o.provisioning === 'thin' && !openElsewhere) await deflate(o, o.uuid, path, await usableBytes(o.volumes, o.uuid));
      } catch (error) {
        o.log.warn('cannot deflate on detach', { vdi: o.uuid, error });
      }
      if (o.isMaster) return;
      for (const link of links) {
        try {
          await o.volumes.removeIfDiskless(link.uuid, o.node);
        } catch (error) {
          o.log.warn('cannot remove a diskless resource on detach', { vdi: link.uuid, node: o.node, error });
        }
      }
    },
  };
}
