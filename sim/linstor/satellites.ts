/**
 * The simulated satellites' device side, laid out as DESIGN.md "The simulated pool" says: one sparse
 * backing file per volume in `<dir>/linstor/volumes/` (exactly the DRBD usable size; thin allocation
 * is its allocated blocks), and on every node that has the resource, under that node's host root,
 * `dev/drbd<minor>` as a hard link to it and `dev/drbd/by-res/<rd>/<vlmNr>` as the relative symlink
 * `../../../drbd<minor>` (udev's link on dom0). Diskless resources get the same devices: DRBD serves
 * them the replicas' data, which here is the one shared file.
 */
import { link, mkdir, open, rm, rmdir, stat, symlink, truncate, unlink } from 'node:fs/promises';
import { statSync } from 'node:fs';
import path from 'node:path';
import { hostPath } from '../../lib/host/env.js';

/** Where device files go; both parts are optional (an in-memory simulator makes no files). */
export type SatelliteOptions = {
  /** `<dir>/linstor/volumes`. */
  readonly volumesDir: string | undefined;
  /** A node's host root, or undefined when the node has no files on this machine. */
  readonly hostRoot: (node: string) => string | undefined;
};

/** Creates, grows and removes the files that stand for DRBD devices. */
export class Satellites {
  readonly #options: SatelliteOptions;
  constructor(options: SatelliteOptions) {
    this.#options = options;
  }

  /** The backing file of volume `volume` of `rd` (volume 0 is `<rd>.img`). */
  backingFile(rd: string, volume: number): string | undefined {
    const dir = this.#options.volumesDir;
    if (dir === undefined) return undefined;
    return path.join(dir, volume === 0 ? `${rd}.img` : `${rd}.${volume}.img`);
  }

  /** Creates the backing file if missing and grows it to `sizeKib` (never shrinks). */
  async ensureBacking(rd: string, volume: number, sizeKib: number): Promise<void> {
    const file = this.backingFile(rd, volume);
    if (file === undefined) return;
    await mkdir(path.dirname(file), { recursive: true });
    const handle = await open(file, 'a');
    try {
      const { size } = await handle.stat();
      if (size < sizeKib * 1024) await handle.truncate(sizeKib * 1024);
    } finally {
      await handle.close();
    }
  }

  /** Grows an existing backing file; every hard link sees the new size. */
  async grow(rd: string, volume: number, sizeKib: number): Promise<void> {
    const file = this.backingFile(rd, volume);
    if (file === undefined) return;
    const { size } = await stat(file);
    if (size < sizeKib * 1024) await truncate(file, sizeKib * 1024);
  }

  /** Removes the backing file (the resource definition or volume is gone). */
  async removeBacking(rd: string, volume: number): Promise<void> {
    const file = this.backingFile(rd, volume);
    if (file !== undefined) await rm(file, { force: true });
  }

  /** Allocated KiB of the backing file (thin usage), 0 when there is none. */
  allocatedKib(rd: string, volume: number): number {
    const file = this.backingFile(rd, volume);
    if (file === undefined) return 0;
    try {
      return Math.ceil((statSync(file).blocks * 512) / 1024);
    } catch {
      // No file (an in-memory simulator, or a volume not deployed yet): nothing is allocated.
      return 0;
    }
  }

  /** Makes `dev/drbd<minor>` and the by-res link on `node`. */
  async attach(rd: string, volume: number, node: string, minor: number): Promise<void> {
    const root = this.#options.hostRoot(node);
    const file = this.backingFile(rd, volume);
    if (root === undefined || file === undefined) return;
    const byRes = hostPath(root, `/dev/drbd/by-res/${rd}`);
    await mkdir(byRes, { recursive: true });
    const device = hostPath(root, `/dev/drbd${minor}`);
    await rm(device, { force: true });
    await link(file, device);
    const alias = path.join(byRes, String(volume));
    await rm(alias, { force: true });
    await symlink(`../../../drbd${minor}`, alias);
  }

  /** Removes the device and its by-res link from `node`. */
  async detach(rd: string, volume: number, node: string, minor: number): Promise<void> {
    const root = this.#options.hostRoot(node);
    if (root === undefined) return;
    const byRes = hostPath(root, `/dev/drbd/by-res/${rd}`);
    await unlink(path.join(byRes, String(volume))).catch(ignoreMissing);
    await unlink(hostPath(root, `/dev/drbd${minor}`)).catch(ignoreMissing);
    await rmdir(byRes).catch(ignoreMissingOrBusy);
  }
}

function ignoreMissing(error: NodeJS.ErrnoException): void {
  if (error.code !== 'ENOENT') throw error;
}

function ignoreMissingOrBusy(error: NodeJS.ErrnoException): void {
  // Another volume of the same resource may still be linked there.
  if (error.code !== 'ENOENT' && error.code !== 'ENOTEMPTY') throw error;
}
