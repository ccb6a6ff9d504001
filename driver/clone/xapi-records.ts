/**
 * The XAPI side of a snapshot (spec/sm-linstor.md §4.4 steps 6, 8, 10): the active VDI's sm-config now
 * names its new parent (and keeps `paused` and `host_*`, which unpause needs), the snapshot is introduced
 * as a managed VDI, and a base copy that is still used as an unmanaged, read-only one.
 */
import { EPOCH, NULL_REF, VHD_PARENT, type Ref, type Xapi } from '../../lib/xapi/index.js';

export type IntroducedLeaf = {
  readonly uuid: string;
  readonly srRef: Ref;
  readonly nameLabel: string;
  readonly nameDescription: string;
  readonly xapiType: string;
  readonly virtualSize: number;
  readonly utilisation: number;
  /** VDI uuid of the VHD parent, if any. */
  readonly parent: string | undefined;
};

function smConfigOf(parent: string | undefined): Record<string, string> {
  return parent === undefined ? { vdi_type: 'vhd' } : { vdi_type: 'vhd', [VHD_PARENT]: parent };
}

/** Points the active VDI's sm-config at its new parent; every other key (paused, host_*) stays. */
export async function setActiveParent(xapi: Xapi, vdiRef: Ref, parent: string | undefined): Promise<void> {
  const current = await xapi.vdi.getSmConfig(vdiRef);
  const next: Record<string, string> = { ...current, vdi_type: 'vhd' };
  delete next[VHD_PARENT];
  if (parent !== undefined) next[VHD_PARENT] = parent;
  await xapi.vdi.set(vdiRef, 'sm_config', next);
}

/** The snapshot (or the clone): managed, writable; xapi names it and marks it after the verb. */
export async function introduceSnapshot(xapi: Xapi, leaf: IntroducedLeaf, snapshotOf: Ref | undefined, time: Date): Promise<Ref> {
  return xapi.vdi.dbIntroduce({
    uuid: leaf.uuid,
    name_label: leaf.nameLabel,
    name_description: leaf.nameDescription,
    SR: leaf.srRef,
    type: leaf.xapiType,
    sharable: false,
    read_only: false,
    other_config: {},
    location: leaf.uuid,
    xenstore_data: {},
    sm_config: smConfigOf(leaf.parent),
    managed: true,
    virtual_size: leaf.virtualSize,
    physical_utilisation: leaf.utilisation,
    metadata_of_pool: NULL_REF,
    is_a_snapshot: snapshotOf !== undefined,
    snapshot_time: snapshotOf !== undefined ? time : EPOCH,
    snapshot_of: snapshotOf ?? NULL_REF,
    cbt_enabled: false,
  });
}

/** The base copy: hidden in the chain, so unmanaged and read-only, named as sm names it. */
export async function introduceBase(xapi: Xapi, leaf: IntroducedLeaf): Promise<Ref> {
  return xapi.vdi.dbIntroduce({
    uuid: leaf.uuid,
    name_label: 'base copy',
    name_description: '',
    SR: leaf.srRef,
    type: leaf.xapiType,
    sharable: false,
    read_only: true,
    other_config: {},
    location: leaf.uuid,
    xenstore_data: {},
    sm_config: smConfigOf(leaf.parent),
    managed: false,
    virtual_size: leaf.virtualSize,
    physical_utilisation: leaf.utilisation,
    metadata_of_pool: NULL_REF,
    is_a_snapshot: false,
    snapshot_time: EPOCH,
    snapshot_of: NULL_REF,
    cbt_enabled: false,
  });
}
