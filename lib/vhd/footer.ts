import { randomUUID } from 'node:crypto';
import { onesComplementSum } from './checksum.js';
import {
  CREATOR_APP, CREATOR_VERSION, DISK_TYPE, FEATURES_RESERVED, FILE_FORMAT_VERSION, FOOTER_COOKIE,
  FOOTER_SIZE, POISON_COOKIE, SECTOR_SIZE, VHD_EPOCH_SECONDS, type DiskTypeCode,
} from './constants.js';
import { VhdFormatError } from './errors.js';

/**
 * The 512-byte hard disk footer (hd_ftr), kept at the end of the used area and copied at offset 0.
 * Byte offsets: cookie 0, features 8, version 12, data offset 16, timestamp 24, creator 28/32/36,
 * sizes 40/48, geometry 56, type 60, checksum 64, uuid 68, saved 84, hidden 85 (blktap), reserved 86.
 */
export type Footer = {
  cookie: string;
  features: number;
  fileFormatVersion: number;
  dataOffset: bigint;
  timestamp: number;
  creatorApp: string;
  creatorVersion: number;
  creatorOs: number;
  originalSize: number;
  currentSize: number;
  geometry: number;
  diskType: number;
  checksum: number;
  uuid: Buffer;
  saved: number;
  hidden: number;
  /** The 426 reserved bytes, kept as found so that a rewrite changes only what we mean to change. */
  reserved: Buffer;
};

/** Seconds since the VHD epoch, as vhd_time() writes them. */
export function vhdTime(unixMs: number = Date.now()): number {
  return Math.max(0, Math.floor(unixMs / 1000) - VHD_EPOCH_SECONDS) >>> 0;
}

/** A fresh random UUID as the 16 bytes VHD stores. */
export function newUuid(): Buffer {
  return uuidToBytes(randomUUID());
}

/** `xxxxxxxx-xxxx-…` ↔ 16 bytes, in the byte order libuuid uses (big-endian text order). */
export function uuidToBytes(text: string): Buffer {
  const hex = text.replace(/-/g, '');
  if (!/^[0-9a-fA-F]{32}$/.test(hex)) throw new VhdFormatError('uuid', 'a 32-hex-digit UUID', text);
  return Buffer.from(hex, 'hex');
}

/** The text form uuid_unparse prints. */
export function uuidToString(bytes: Uint8Array): string {
  const h = Buffer.from(bytes).toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

/** CHS geometry of a disk of `sizeBytes` (the VHD specification's algorithm, as vhd_chs). */
export function chsGeometry(sizeBytes: number): number {
  let secs = Math.max(1, Math.ceil(sizeBytes / SECTOR_SIZE));
  secs = Math.min(secs, 65535 * 16 * 255);
  let spt: number;
  let heads: number;
  let cth: number;
  if (secs >= 65535 * 16 * 63) {
    spt = 255;
    heads = 16;
    cth = Math.floor(secs / spt);
  } else {
    spt = 17;
    cth = Math.floor(secs / spt);
    heads = Math.max(4, Math.floor((cth + 1023) / 1024));
    if (cth >= heads * 1024 || heads > 16) {
      spt = 31;
      heads = 12;
      cth = Math.floor(secs / spt);
    }
    if (cth >= heads * 1024) {
      spt = 63;
      heads = 16;
      cth = Math.floor(secs / spt);
    }
  }
  const cyl = Math.floor(cth / heads);
  return ((cyl << 16) | (heads << 8) | spt) >>> 0;
}

/** A footer as blktap's vhd_initialize_footer makes it (creator `tap`, version 1.3). */
export function newFooter(diskType: DiskTypeCode, sizeBytes: number, now = Date.now()): Footer {
  return {
    cookie: FOOTER_COOKIE,
    features: FEATURES_RESERVED,
    fileFormatVersion: FILE_FORMAT_VERSION,
    dataOffset: diskType === DISK_TYPE.fixed ? 0xffffffffffffffffn : BigInt(FOOTER_SIZE),
    timestamp: vhdTime(now),
    creatorApp: CREATOR_APP,
    creatorVersion: CREATOR_VERSION,
    creatorOs: 0,
    originalSize: sizeBytes,
    currentSize: sizeBytes,
    geometry: chsGeometry(sizeBytes),
    diskType,
    checksum: 0,
    uuid: newUuid(),
    saved: 0,
    hidden: 0,
    reserved: Buffer.alloc(426),
  };
}

/** Serialises a footer, computing its checksum. */
export function encodeFooter(f: Footer): Buffer {
  const b = Buffer.alloc(FOOTER_SIZE);
  b.write(f.cookie, 0, 8, 'latin1');
  b.writeUInt32BE(f.features >>> 0, 8);
  b.writeUInt32BE(f.fileFormatVersion >>> 0, 12);
  b.writeBigUInt64BE(f.dataOffset, 16);
  b.writeUInt32BE(f.timestamp >>> 0, 24);
  b.write(f.creatorApp, 28, 4, 'latin1');
  b.writeUInt32BE(f.creatorVersion >>> 0, 32);
  b.writeUInt32BE(f.creatorOs >>> 0, 36);
  b.writeBigUInt64BE(BigInt(f.originalSize), 40);
  b.writeBigUInt64BE(BigInt(f.currentSize), 48);
  b.writeUInt32BE(f.geometry >>> 0, 56);
  b.writeUInt32BE(f.diskType >>> 0, 60);
  f.uuid.copy(b, 68, 0, 16);
  b[84] = f.saved;
  b[85] = f.hidden;
  f.reserved.copy(b, 86, 0, 426);
  const sum = onesComplementSum(b, 64);
  b.writeUInt32BE(sum, 64);
  f.checksum = sum;
  return b;
}

/** Parses 512 bytes without validating them (vhd-util read -p shows bad footers too). */
export function decodeFooter(b: Buffer): Footer {
  const creatorRaw = b.subarray(28, 32).toString('latin1');
  return {
    cookie: b.subarray(0, 8).toString('latin1'),
    features: b.readUInt32BE(8),
    fileFormatVersion: b.readUInt32BE(12),
    dataOffset: b.readBigUInt64BE(16),
    timestamp: b.readUInt32BE(24),
    creatorApp: creatorRaw.replace(/\0+$/, ''),
    creatorVersion: b.readUInt32BE(32),
    creatorOs: b.readUInt32BE(36),
    originalSize: Number(b.readBigUInt64BE(40)),
    currentSize: Number(b.readBigUInt64BE(48)),
    geometry: b.readUInt32BE(56),
    diskType: b.readUInt32BE(60),
    checksum: b.readUInt32BE(64),
    uuid: Buffer.from(b.subarray(68, 84)),
    saved: b[84] ?? 0,
    hidden: b[85] ?? 0,
    reserved: Buffer.from(b.subarray(86, 512)),
  };
}

/** The checksum the footer bytes `b` should carry. */
export function footerChecksum(b: Buffer): number {
  return onesComplementSum(b.subarray(0, FOOTER_SIZE), 64);
}

/** Decodes and validates a footer (cookie, checksum, type); throws VhdFormatError with the field at fault. */
export function parseFooter(b: Buffer, path?: string): Footer {
  if (b.length < FOOTER_SIZE) throw new VhdFormatError('footer length', FOOTER_SIZE, b.length, { path });
  const f = decodeFooter(b);
  if (f.cookie !== FOOTER_COOKIE && f.cookie !== POISON_COOKIE) {
    throw new VhdFormatError('footer cookie', JSON.stringify(FOOTER_COOKIE), JSON.stringify(f.cookie), { path });
  }
  const sum = footerChecksum(b);
  if (sum !== f.checksum) {
    throw new VhdFormatError('footer checksum', hex(sum), hex(f.checksum), { path });
  }
  if (f.diskType !== DISK_TYPE.dynamic && f.diskType !== DISK_TYPE.differencing && f.diskType !== DISK_TYPE.fixed) {
    throw new VhdFormatError('footer disk type', '2, 3 or 4', f.diskType, { path });
  }
  return f;
}

/** `0x…` as vhd-util prints checksums. */
export const hex = (n: number): string => `0x${(n >>> 0).toString(16)}`;
