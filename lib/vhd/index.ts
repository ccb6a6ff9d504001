/**
 * lib/vhd: blktap-compatible VHD images on files and block devices, natively (no vhd-util).
 * Every path argument is a dom0 path, opened under `ctx.root` (DESIGN.md "Host paths").
 */
export * from './constants.js';
export * from './errors.js';
export type { VhdContext, ContainerKind, ContainerOption } from './container.js';
export { computeVolumeSize, calcOverheadEmpty, calcOverheadBitmap, roundUp512, roundUpVirtualSize, validateVirtualSize, type VolumeType } from './size.js';
export { createVhd, snapshotVhd, type CreateOptions, type SnapshotOptions } from './create.js';
export { openChain, chainDepth, type Chain, type ChainLevel, type ChainOptions } from './chain.js';
export { readChain, writeChain } from './chain-io.js';
export { coalesceVhd } from './coalesce.js';
export { queryVhd, queryDepth, blockBitmap, hiddenOf, type VhdInfo } from './query.js';
export { setHidden, setMarker, setParent, setPhysicalSize, resizeVhd, killData, getKeyHash, setKeyHash, getUuid } from './modify.js';
export { checkVhd, repairVhd, type CheckResult, type CheckOptions } from './check.js';
export { exportRaw } from './export.js';
export { VhdImage, type OpenOptions } from './vhd-image.js';
export { RawImage } from './raw-image.js';
export type { KeyHash } from './batmap.js';
