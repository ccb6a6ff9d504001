/**
 * The image type of an existing VDI: the KV metadata's `vdi_type` only (spec/sm-changes-2026.md §5.5), as
 * sm reads it now. XAPI's sm-config `vdi_type` is never trusted for it: anyone with XAPI access can
 * rewrite sm-config, and a VHD read as RAW (or the reverse) hands a guest the wrong bytes. Every volume
 * this driver or the Python driver makes has its metadata written before it is marked as existing, so a
 * volume without it is an unfinished one (the repair removes it) or damage for an operator to look at,
 * never a VDI whose type should be guessed.
 */
import { SrError } from '../../lib/smapi/sr-error.js';
import type { VdiUuid, VolumeManager } from '../../lib/volume/index.js';
import type { VdiType } from './sizes.js';

/** `vhd` or `aio` from the metadata (read with the volume set, so free); else VDIUnavailable. */
export async function vdiTypeOf(volumes: VolumeManager, uuid: VdiUuid): Promise<VdiType> {
  const metadata = await volumes.getMetadata(uuid);
  if (Object.keys(metadata).length === 0) throw new SrError('VDIUnavailable', `failed to get metadata of ${uuid}`);
  const type = metadata.vdi_type;
  if (type === 'vhd' || type === 'aio') return type;
  throw new SrError('VDIUnavailable', `failed to get vdi_type in metadata of ${uuid}`);
}
