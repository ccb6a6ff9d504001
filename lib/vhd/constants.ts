/**
 * VHD format constants as blktap writes them (xapi-project/blktap include/vhd.h, libvhd.h).
 * Protocol/format constants only; sizes in bytes unless the name says otherwise.
 */

/** Bytes per VHD sector. */
export const SECTOR_SIZE = 512;
/** Footer (and its copy at offset 0) size. */
export const FOOTER_SIZE = 512;
/** Dynamic disk header size. */
export const HEADER_SIZE = 1024;
/** blktap always uses 2 MiB blocks. */
export const BLOCK_SIZE = 2 * 1024 * 1024;
/** Sectors per block. */
export const SECTORS_PER_BLOCK = BLOCK_SIZE / SECTOR_SIZE;
/** Size of a block's sector bitmap, padded to a sector (1 sector for 2 MiB blocks). */
export const BITMAP_SIZE = SECTOR_SIZE;
/** BAT value of an unallocated block. */
export const BLOCK_UNUSED = 0xffffffff;
/** The page size tapdisk aligns block data to. */
export const DATA_ALIGNMENT = 4096;

/** Cookie of the footer and its copy. */
export const FOOTER_COOKIE = 'conectix';
/** blktap's "disabled" cookie (VHD_POISON_COOKIE). */
export const POISON_COOKIE = 'v_poison';
/** Cookie of the dynamic disk header. */
export const HEADER_COOKIE = 'cxsparse';
/** Cookie of blktap's batmap header. */
export const BATMAP_COOKIE = 'tdbatmap';

/** Footer feature bit that must always be set. */
export const FEATURES_RESERVED = 0x00000002;
/** Footer file format version 1.0. */
export const FILE_FORMAT_VERSION = 0x00010000;
/** Dynamic header version 1.0. */
export const HEADER_VERSION = 0x00010000;
/** Creator application written by blktap ('tap\0'); qemu then trusts current_size. */
export const CREATOR_APP = 'tap';
/** VHD_CURRENT_VERSION (1.3): big-endian bitmaps, batmap. */
export const CREATOR_VERSION = 0x00010003;
/** VHD_BATMAP_CURRENT_VERSION (1.2): unsigned-char checksum. */
export const BATMAP_VERSION = 0x00010002;
/** Batmap version 1.1, whose checksum summed signed chars. */
export const BATMAP_VERSION_SIGNED = 0x00010001;
/** Seconds between the Unix epoch and the VHD epoch (2000-01-01T00:00:00Z). */
export const VHD_EPOCH_SECONDS = 946684800;

/** Disk types of the footer. */
export const DISK_TYPE = { none: 0, fixed: 2, dynamic: 3, differencing: 4 } as const;
/** One of the footer's disk type codes. */
export type DiskTypeCode = (typeof DISK_TYPE)[keyof typeof DISK_TYPE];

/** The names vhd-util prints for each disk type (HD_TYPE_STR). */
export const DISK_TYPE_NAMES: readonly string[] = [
  'None',
  'Reserved (deprecated)',
  'Fixed hard disk',
  'Dynamic hard disk',
  'Differencing hard disk',
  'Reserved (deprecated)',
  'Reserved (deprecated)',
];

/** Parent locator platform codes. */
export const PLATFORM = {
  none: 0,
  wi2r: 0x57693272,
  wi2k: 0x5769326b,
  w2ru: 0x57327275,
  w2ku: 0x57326b75,
  mac: 0x4d616320,
  macx: 0x4d616358,
} as const;

/** Locators blktap writes for a differencing disk, in slot order. */
export const WRITTEN_LOCATORS = [PLATFORM.macx, PLATFORM.w2ku, PLATFORM.w2ru] as const;

/** Smallest virtual size SM allows (one 2 MiB block). */
export const MIN_VIRTUAL_SIZE = 2 * 1024 * 1024;
/** Largest virtual size SM allows (2040 GiB). */
export const MAX_VIRTUAL_SIZE = 2040 * 1024 * 1024 * 1024;
/** LinstorVhdUtil.MAX_SIZE: the size the BAT is preallocated for. */
export const MAX_PREALLOCATED_SIZE = 2 * 1024 * 1024 * 1024 * 1024;
/** MAX_CHAIN_SIZE: a chain holds at most this many images. */
export const MAX_CHAIN_DEPTH = 30;
