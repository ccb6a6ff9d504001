import { BLOCK_SIZE, MAX_PREALLOCATED_SIZE, MAX_VIRTUAL_SIZE, MIN_VIRTUAL_SIZE } from './constants.js';
import { VhdInvalidArgumentError } from './errors.js';

/**
 * SM's size rules (sm-linstor.md §4.1), used by the driver to size LINSTOR volumes and by the GC to
 * plan inflates. Results are bytes.
 */

/** Rounds up to a multiple of `unit`. */
export const roundUp = (value: number, unit: number): number => Math.ceil(value / unit) * unit;

/** Rounds up to 512 bytes (util.roundup(512, …)). */
export const roundUp512 = (value: number): number => roundUp(value, 512);

/** Rounds a requested virtual size up to whole 2 MiB blocks (what vhd-util does with -s). */
export const roundUpVirtualSize = (value: number): number => roundUp(value, BLOCK_SIZE);

/**
 * vhdutil.calcOverheadEmpty: metadata of an empty VHD whose BAT covers `virtualSize`:
 * 3 KiB, plus 4 bytes per 2 MiB block rounded up to 512, plus 1 bit per block, rounded up to 4096.
 */
export function calcOverheadEmpty(virtualSize: number): number {
  const sizeMb = Math.floor(virtualSize / (1024 * 1024));
  let overhead = 3 * 1024 + Math.floor(sizeMb / 2) * 4;
  overhead = roundUp(overhead, 512);
  overhead += Math.floor(Math.floor(sizeMb / 2) / 8);
  return roundUp(overhead, 4096);
}

/** vhdutil.calcOverheadBitmap: one 4 KiB-rounded sector bitmap per 2 MiB block. */
export const calcOverheadBitmap = (virtualSize: number): number => Math.ceil(virtualSize / BLOCK_SIZE) * 4096;

/** The image types compute_volume_size knows. */
export type VolumeType = 'vhd' | 'aio';

/**
 * LinstorVolumeManager.compute_volume_size: the device size a fully inflated VHD of `virtualSize`
 * needs (BAT preallocated for 2 TiB), or the RAW size.
 */
export function computeVolumeSize(virtualSize: number, type: VolumeType): number {
  if (type === 'aio') return roundUp512(virtualSize);
  if (type === 'vhd') {
    return roundUp512(virtualSize + calcOverheadEmpty(MAX_PREALLOCATED_SIZE) + calcOverheadBitmap(virtualSize));
  }
  throw new VhdInvalidArgumentError(`unknown volume type ${JSON.stringify(type)}`);
}

/** Validates a requested virtual size against SM's limits (2 MiB ≤ size ≤ 2040 GiB). */
export function validateVirtualSize(sizeBytes: number): void {
  if (!Number.isSafeInteger(sizeBytes) || sizeBytes < MIN_VIRTUAL_SIZE) {
    throw new VhdInvalidArgumentError(`virtual size ${sizeBytes} is below the minimum of ${MIN_VIRTUAL_SIZE} bytes`);
  }
  if (sizeBytes > MAX_VIRTUAL_SIZE) {
    throw new VhdInvalidArgumentError(`virtual size ${sizeBytes} exceeds the maximum of ${MAX_VIRTUAL_SIZE} bytes`);
  }
}
