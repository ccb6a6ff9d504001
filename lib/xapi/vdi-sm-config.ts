/**
 * A VDI's sm-config through XAPI, the one adapter every caller uses: blktap's tagging and pause
 * protocol reads and edits it key by key (the record is the hosts' shared medium), and `vhd-parent`,
 * XAPI's view of the VHD chain that sr_scan and the collector read, is set in one way.
 */
import type { VdiApi } from './storage.js';
import type { Ref } from './types.js';

/** XAPI's record of a VDI's VHD parent (a VDI uuid). */
export const VHD_PARENT = 'vhd-parent';

/** The shape lib/blktap's `VdiSmConfig` asks for. */
export type VdiSmConfigAdapter = {
  read(): Promise<Readonly<Record<string, string>>>;
  /** Fails (MAP_DUPLICATE_KEY) when the key exists. */
  add(key: string, value: string): Promise<void>;
  /** Removing a missing key succeeds. */
  remove(key: string): Promise<void>;
};

export function vdiSmConfig(vdi: Pick<VdiApi, 'getSmConfig' | 'addToSmConfig' | 'removeFromSmConfig'>, ref: Ref): VdiSmConfigAdapter {
  return {
    read: () => vdi.getSmConfig(ref),
    add: (key, value) => vdi.addToSmConfig(ref, key, value),
    remove: (key) => vdi.removeFromSmConfig(ref, key),
  };
}

/**
 * Sets the VDI's `vhd-parent` to `parent` (removes it when undefined). With the sm-config the caller
 * already read, a value already right costs no call.
 */
export async function setVhdParent(vdi: Pick<VdiApi, 'addToSmConfig' | 'removeFromSmConfig'>, ref: Ref, parent: string | undefined, current?: Readonly<Record<string, string>>): Promise<void> {
  if (current !== undefined && current[VHD_PARENT] === parent) return;
  if (current === undefined || current[VHD_PARENT] !== undefined) await vdi.removeFromSmConfig(ref, VHD_PARENT);
  if (parent !== undefined) await vdi.addToSmConfig(ref, VHD_PARENT, parent);
}
