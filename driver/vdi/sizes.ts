/**
 * SM's VDI size rules (spec/sm-linstor.md §2.4, §4.1): what vdi_create and vdi_resize accept, and the
 * LINSTOR volume size each VDI type and provisioning needs.
 */
import { SrError } from '../../lib/smapi/sr-error.js';
import { computeVolumeSize, roundUp512 } from '../../lib/vhd/index.js';

const MIB = 1024 * 1024;
/** VHD block size: sizes are rounded up to it. */
export const VHD_BLOCK = 2 * MIB;
/** Smallest VDI (smaller requests become this). */
export const MIN_VDI_SIZE = 2 * MIB;
/** Largest VDI (VHD limit, also applied to RAW as the Python driver does). */
export const MAX_VDI_SIZE = 2040 * 1024 * MIB;

/** The two image types the driver writes: VHD, or RAW (`aio`). */
export type VdiType = 'vhd' | 'aio';

/**
 * sm's `validateAndRoundImageSize`, applied to RAW and VHD alike (spec/sm-changes-2026.md §5.4): VDISize
 * out of [0, 2040 GiB], with sm's exact text (it names no size); below 2 MiB → 2 MiB; else up to 2 MiB.
 */
export function validateAndRoundSize(sizeBytes: number): number {
  if (!Number.isSafeInteger(sizeBytes) || sizeBytes < 0 || sizeBytes > MAX_VDI_SIZE) {
    throw new SrError('VDISize', `VDI size must be between 1 MB and ${MAX_VDI_SIZE / MIB} MB`);
  }
  if (sizeBytes < MIN_VDI_SIZE) return MIN_VDI_SIZE;
  return Math.ceil(sizeBytes / VHD_BLOCK) * VHD_BLOCK;
}

/** The device a fully inflated image of `virtualSize` needs (VHD: BAT for 2 TiB + bitmaps; RAW: the size). */
export function fullVolumeSize(virtualSize: number, type: VdiType): number {
  return computeVolumeSize(virtualSize, type);
}

/**
 * The device a new thin VHD starts with: its metadata only (footer, header, the BAT and batmap
 * preallocated for 2 TiB, end footer). Writable attaches inflate it to {@link fullVolumeSize}.
 */
export const THIN_VHD_INITIAL_SIZE = roundUp512(computeVolumeSize(0, 'vhd'));
