/**
 * LINSTOR's ApiCallRc `ret_code` bit layout (linstor-rest.md §2.2). A ret_code is a signed 64-bit Java
 * `long`, so it is always handled as a bigint here: a JS number loses the low code bits near 2^62.
 *
 *   bits 63..62 type | bits 25..24 operation | bits 22..18 object | bits 14..0 code
 *
 * Callers match on the type and on `rc & 0x7FFF` exactly, never on the whole value: the server ORs in
 * the op/object bits of whatever handler produced the entry.
 */

/** Type bits (63..62), as unsigned patterns; compare through {@link retCodeType}. */
export const MASK_TYPE = 0xc000_0000_0000_0000n;
export const MASK_ERROR = 0xc000_0000_0000_0000n;
export const MASK_WARN = 0x8000_0000_0000_0000n;
export const MASK_INFO = 0x4000_0000_0000_0000n;
export const MASK_CODE = 0x7fffn;

/** Operation bits. */
export const MASK_CRT = 0x0100_0000n;
export const MASK_MOD = 0x0200_0000n;
export const MASK_DEL = 0x0300_0000n;

/** Object bits (the handler's context, not necessarily the object the code is about). */
export const OBJ = {
  NODE: 0x3c_0000n,
  RSC_DFN: 0x38_0000n,
  RSC: 0x34_0000n,
  VLM_DFN: 0x30_0000n,
  VLM: 0x2c_0000n,
  NET_IF: 0x1c_0000n,
  STOR_POOL_DFN: 0x18_0000n,
  STOR_POOL: 0x14_0000n,
  CTRL_CONF: 0x10_0000n,
  KVS: 0x40_0000n,
  RSC_GRP: 0x44_0000n,
  VLM_GRP: 0x48_0000n,
} as const;

/** The codes (`rc & 0x7FFF`) this project reads or emits (linstor-rest.md §2.3). */
export const RC = {
  SUCCESS: 0,
  CREATED: 1,
  DELETED: 2,
  MODIFIED: 3,
  FAIL_INVLD_NODE_NAME: 200,
  FAIL_INVLD_NODE_TYPE: 201,
  FAIL_INVLD_RSC_NAME: 202,
  FAIL_INVLD_VLM_NR: 205,
  FAIL_INVLD_VLM_SIZE: 206,
  FAIL_INVLD_STOR_POOL_NAME: 208,
  FAIL_INVLD_NET_NAME: 209,
  FAIL_INVLD_PROP: 213,
  FAIL_INVLD_PLACE_COUNT: 219,
  FAIL_INVLD_VLM_SIZES: 228,
  FAIL_NODE_HAS_USED_RSC: 233,
  FAIL_INVLD_REQUEST: 234,
  FAIL_INVLD_RSC_GRP_NAME: 237,
  FAIL_INVLD_KVS_NAME: 241,
  FAIL_NOT_FOUND_NODE: 300,
  FAIL_NOT_FOUND_RSC_DFN: 301,
  FAIL_NOT_FOUND_RSC: 302,
  FAIL_NOT_FOUND_VLM_DFN: 303,
  FAIL_NOT_FOUND_NET_IF: 305,
  FAIL_NOT_FOUND_STOR_POOL_DFN: 309,
  FAIL_NOT_FOUND_STOR_POOL: 310,
  FAIL_NOT_FOUND_DFLT_STOR_POOL: 311,
  FAIL_NOT_FOUND_KVS: 316,
  FAIL_NOT_FOUND_RSC_GRP: 317,
  FAIL_NOT_FOUND_VLM_GRP: 318,
  FAIL_EXISTS_NODE: 500,
  FAIL_EXISTS_RSC_DFN: 501,
  FAIL_EXISTS_RSC: 502,
  FAIL_EXISTS_VLM_DFN: 503,
  FAIL_EXISTS_NET_IF: 505,
  FAIL_EXISTS_STOR_POOL: 510,
  FAIL_EXISTS_RSC_GRP: 522,
  FAIL_EXISTS_VLM_GRP: 523,
  FAIL_POOL_EXHAUSTED_MINOR_NR: 801,
  FAIL_NOT_ALL_UPTODATE: 974,
  FAIL_NOT_ENOUGH_FREE_SPACE: 980,
  FAIL_STOR_POOL_CONFIGURATION_ERROR: 990,
  FAIL_NOT_ENOUGH_NODES: 996,
  FAIL_IN_USE: 997,
  FAIL_UNKNOWN_ERROR: 998,
  WARN_RSC_ALREADY_DEPLOYED: 1006,
  WARN_RSC_ALREADY_HAS_DISK: 1007,
  WARN_RSC_ALREADY_DISKLESS: 1008,
  WARN_VLMDFN_RESIZE_SAME_SIZE: 1023,
  WARN_NOT_FOUND: 3000,
  WARN_NO_EFFECT: 3001,
  WARN_DEPRECATED: 4000,
  INFO_NO_RSC_SPAWNED: 10000,
  INFO_PROP_SET: 10002,
  INFO_RSC_ALREADY_EXISTS: 10008,
} as const;

/** A code name from {@link RC}. */
export type RcName = keyof typeof RC;

/** The four entry types an ApiCallRc can have. */
export type RetCodeType = 'error' | 'warning' | 'info' | 'success';

const U64 = (1n << 64n) - 1n;

/** Type of a (signed) ret_code: the two top bits of its 64-bit two's complement pattern. */
export function retCodeType(rc: bigint): RetCodeType {
  const bits = BigInt.asUintN(64, rc) & MASK_TYPE;
  if (bits === MASK_ERROR) return 'error';
  if (bits === MASK_WARN) return 'warning';
  if (bits === MASK_INFO) return 'info';
  return 'success';
}

/** The bare code `rc & 0x7FFF`, the part callers compare with {@link RC}. */
export function retCodeCode(rc: bigint): number {
  return Number(BigInt.asUintN(64, rc) & MASK_CODE);
}

/** True when `rc` is an error whose bare code is `code`. */
export function isErrorCode(rc: bigint, code: number): boolean {
  return retCodeType(rc) === 'error' && retCodeCode(rc) === code;
}

/**
 * Builds a signed ret_code the way the server does (`type | op | obj | code`): what the simulator emits
 * and what tests compare with.
 */
export function makeRetCode(type: RetCodeType, code: number, op = 0n, obj = 0n): bigint {
  const typeBits = type === 'error' ? MASK_ERROR : type === 'warning' ? MASK_WARN : type === 'info' ? MASK_INFO : 0n;
  return BigInt.asIntN(64, (typeBits | op | obj | BigInt(code)) & U64);
}
