import { onesComplementSum } from './checksum.js';
import { BLOCK_SIZE, HEADER_COOKIE, HEADER_SIZE, HEADER_VERSION, PLATFORM } from './constants.js';
import { VhdFormatError } from './errors.js';
import { hex } from './footer.js';

/** One of the 8 parent locator entries of the dynamic header (prt_loc, 24 bytes). */
export type LocatorEntry = {
  code: number;
  /** blktap writes bytes here (MICROSOFT_COMPAT), others sectors; see locatorSpaceBytes. */
  dataSpace: number;
  dataLength: number;
  reserved: number;
  dataOffset: number;
};

/**
 * The 1024-byte dynamic disk header (dd_hdr). Offsets: cookie 0, data offset 8, table offset 16,
 * version 24, max BAT entries 28, block size 32, checksum 36, parent uuid 40, parent time 56,
 * reserved 60, parent unicode name 64 (512 bytes UTF-16BE), locators 576 (8 × 24), reserved 768.
 */
export type Header = {
  cookie: string;
  dataOffset: bigint;
  tableOffset: number;
  headerVersion: number;
  maxBatEntries: number;
  blockSize: number;
  checksum: number;
  parentUuid: Buffer;
  parentTimestamp: number;
  parentName: Buffer;
  locators: LocatorEntry[];
};

const VALID_CODES: ReadonlySet<number> = new Set(Object.values(PLATFORM));

/** An empty locator slot. */
export const emptyLocator = (): LocatorEntry => ({ code: 0, dataSpace: 0, dataLength: 0, reserved: 0, dataOffset: 0 });

/** A header as vhd_initialize_header makes it: BAT right after footer copy and header (offset 1536). */
export function newHeader(maxBatEntries: number): Header {
  return {
    cookie: HEADER_COOKIE,
    dataOffset: 0xffffffffffffffffn,
    tableOffset: 3 * 512,
    headerVersion: HEADER_VERSION,
    maxBatEntries,
    blockSize: BLOCK_SIZE,
    checksum: 0,
    parentUuid: Buffer.alloc(16),
    parentTimestamp: 0,
    parentName: Buffer.alloc(512),
    locators: Array.from({ length: 8 }, emptyLocator),
  };
}

/** Bytes a locator's data occupies (vhd_parent_locator_size: sectors if < 512, else bytes if aligned). */
export function locatorSpaceBytes(loc: LocatorEntry): number {
  if (loc.dataSpace < 512) return loc.dataSpace * 512;
  return loc.dataSpace % 512 === 0 ? loc.dataSpace : 0;
}

/**
 * Refuses a locator whose data cannot be where the header says, as `vhd-util check` does (invalid data
 * space, length or offset): a length or offset taken on trust would make a reader allocate or seek as
 * far as the field allows (4 GiB, 2^64), or a writer extend the file there. `eofBytes` is where the
 * locator data must end: the footer's offset.
 */
export function validateLocators(h: Header, eofBytes: number, path?: string): void {
  h.locators.forEach((l, i) => {
    if (l.code === 0) return;
    const space = locatorSpaceBytes(l);
    if (space === 0) throw new VhdFormatError(`parent locator ${i} data space`, 'sectors (< 512) or bytes (a multiple of 512)', l.dataSpace, { path });
    if (l.dataLength > space) throw new VhdFormatError(`parent locator ${i} data length`, `≤ its data space (${space} bytes)`, l.dataLength, { path });
    if (!Number.isSafeInteger(l.dataOffset) || l.dataOffset + space > eofBytes) {
      throw new VhdFormatError(`parent locator ${i} data offset`, `data within the file (before byte ${eofBytes})`, `bytes ${l.dataOffset}..${l.dataOffset + space}`, { path });
    }
  });
}

/** Serialises a header, computing its checksum. */
export function encodeHeader(h: Header): Buffer {
  const b = Buffer.alloc(HEADER_SIZE);
  b.write(h.cookie, 0, 8, 'latin1');
  b.writeBigUInt64BE(h.dataOffset, 8);
  b.writeBigUInt64BE(BigInt(h.tableOffset), 16);
  b.writeUInt32BE(h.headerVersion >>> 0, 24);
  b.writeUInt32BE(h.maxBatEntries >>> 0, 28);
  b.writeUInt32BE(h.blockSize >>> 0, 32);
  h.parentUuid.copy(b, 40, 0, 16);
  b.writeUInt32BE(h.parentTimestamp >>> 0, 56);
  h.parentName.copy(b, 64, 0, 512);
  h.locators.forEach((l, i) => {
    const o = 576 + i * 24;
    b.writeUInt32BE(l.code >>> 0, o);
    b.writeUInt32BE(l.dataSpace >>> 0, o + 4);
    b.writeUInt32BE(l.dataLength >>> 0, o + 8);
    b.writeUInt32BE(l.reserved >>> 0, o + 12);
    b.writeBigUInt64BE(BigInt(l.dataOffset), o + 16);
  });
  const sum = onesComplementSum(b, 36);
  b.writeUInt32BE(sum, 36);
  h.checksum = sum;
  return b;
}

/** Parses 1024 bytes without validating them. */
export function decodeHeader(b: Buffer): Header {
  const locators: LocatorEntry[] = [];
  for (let i = 0; i < 8; i += 1) {
    const o = 576 + i * 24;
    locators.push({
      code: b.readUInt32BE(o),
      dataSpace: b.readUInt32BE(o + 4),
      dataLength: b.readUInt32BE(o + 8),
      reserved: b.readUInt32BE(o + 12),
      dataOffset: Number(b.readBigUInt64BE(o + 16)),
    });
  }
  return {
    cookie: b.subarray(0, 8).toString('latin1'),
    dataOffset: b.readBigUInt64BE(8),
    tableOffset: Number(b.readBigUInt64BE(16)),
    headerVersion: b.readUInt32BE(24),
    maxBatEntries: b.readUInt32BE(28),
    blockSize: b.readUInt32BE(32),
    checksum: b.readUInt32BE(36),
    parentUuid: Buffer.from(b.subarray(40, 56)),
    parentTimestamp: b.readUInt32BE(56),
    parentName: Buffer.from(b.subarray(64, 576)),
    locators,
  };
}

/** The checksum the header bytes `b` should carry. */
export function headerChecksum(b: Buffer): number {
  return onesComplementSum(b.subarray(0, HEADER_SIZE), 36);
}

/** Decodes and validates a dynamic header as vhd_validate_header does, plus blktap's 2 MiB block size. */
export function parseHeader(b: Buffer, path?: string): Header {
  if (b.length < HEADER_SIZE) throw new VhdFormatError('header length', HEADER_SIZE, b.length, { path });
  const h = decodeHeader(b);
  if (h.cookie !== HEADER_COOKIE) {
    throw new VhdFormatError('header cookie', JSON.stringify(HEADER_COOKIE), JSON.stringify(h.cookie), { path });
  }
  if (h.headerVersion !== HEADER_VERSION) throw new VhdFormatError('header version', hex(HEADER_VERSION), hex(h.headerVersion), { path });
  if (h.dataOffset !== 0xffffffffffffffffn) {
    throw new VhdFormatError('header data offset', '0xffffffffffffffff', `0x${h.dataOffset.toString(16)}`, { path });
  }
  h.locators.forEach((l, i) => {
    if (!VALID_CODES.has(l.code)) throw new VhdFormatError(`parent locator ${i} code`, 'a platform code', hex(l.code), { path });
  });
  const sum = headerChecksum(b);
  if (sum !== h.checksum) throw new VhdFormatError('header checksum', hex(sum), hex(h.checksum), { path });
  if (h.blockSize !== BLOCK_SIZE) throw new VhdFormatError('header block size', BLOCK_SIZE, h.blockSize, { path });
  if (h.tableOffset % 512 !== 0 || h.tableOffset < 1536) {
    throw new VhdFormatError('header table offset', 'a sector-aligned offset ≥ 1536', h.tableOffset, { path });
  }
  return h;
}
