/**
 * `create_chain_paths` for the master (spec/sm-linstor.md §4.2): the VDI and every parent get a device on
 * this host (a diskless on demand), so that the snapshot can read the chain and write the new leaves.
 * Also how deep the chain is, which the depth limit is checked against.
 */
import { MAX_CHAIN_DEPTH, queryVhd } from '../../lib/vhd/index.js';
import type { VdiUuid } from '../../lib/volume/naming.js';
import type { VolumeManager } from '../../lib/volume/volume-manager.js';

export type ChainLevel = { readonly uuid: VdiUuid; readonly path: string };

/**
 * The chain of `uuid`, leaf first, each level with its local device path. Stops one level past the limit
 * (a longer chain is refused anyway). Throws when a parent is not a volume of this SR.
 */
export async function chainOnThisHost(volumes: VolumeManager, uuid: VdiUuid, node: string, root: string): Promise<ChainLevel[]> {
  const levels: ChainLevel[] = [{ uuid, path: await volumes.localDevicePath(uuid, node, root) }];
  for (;;) {
    const current = levels.at(-1)!;
    if (levels.length > MAX_CHAIN_DEPTH) return levels;
    const info = await queryVhd({ root }, current.path);
    if (info.parentPath === undefined) return levels;
    const parent = volumes.vdiUuidFromDevicePath(info.parentPath);
    if (parent === undefined) throw new Error(`the parent ${info.parentPath} of VDI ${current.uuid} is not a volume of this SR`);
    const path = await volumes.localDevicePath(parent, node, root);
    if (info.parentRaw) return [...levels, { uuid: parent, path }];
    levels.push({ uuid: parent, path });
  }
}
