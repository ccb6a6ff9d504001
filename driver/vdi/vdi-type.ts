/**
 * The image type of an existing VDI (spec/sm-linstor.md §2.4 load): the KV metadata's `vdi_type` (already
 * read with the volume set, so free), else XAPI's sm-config `vdi_type`; neither → VDIUnavailable.
 */
import { SrError } from '../../lib/smapi/sr-error.js';
import type { VdiUuid, VolumeManager } from '../../lib/volume/index.js';
import type { SrSession } from '../sr/session.js';
import type { VdiType } from './sizes.js';

function asType(value: unknown): VdiType | undefined {
  return value === 'vhd' || value === 'aio' ? value : undefined;
}

export async function vdiTypeOf(session: SrSession, volumes: VolumeManager, uuid: VdiUuid, vdiRef: string | undefined): Promise<VdiType> {
  const fromKv = asType((await volumes.getMetadata(uuid)).vdi_type);
  if (fromKv !== undefined) return fromKv;
  if (vdiRef !== undefined) {
    const fromXapi = asType((await session.xapi.vdi.getSmConfig(vdiRef))['vdi_type']);
    if (fromXapi !== undefined) return fromXapi;
  }
  throw new SrError('VDIUnavailable', `failed to get vdi_type in metadata of ${uuid}`);
}
