import { batmapChecksum } from './checksum.js';
import { BATMAP_COOKIE, BATMAP_VERSION, BATMAP_VERSION_SIGNED, SECTOR_SIZE } from './constants.js';
import { VhdFormatError } from './errors.js';
import { hex } from './footer.js';

/** blktap's key hash, kept in the batmap header: a SHA-256 of nonce + key, set on empty images. */
export type KeyHash = { readonly nonce: Buffer; readonly hash: Buffer };

/**
 * blktap's batmap header (dd_batmap_hdr, one sector after the BAT): cookie `tdbatmap` 0, map offset 8,
 * map size in sectors 16, version 20, checksum 24, marker 28, key hash (cookie 29, nonce 30–61,
 * hash 62–93). The map has one bit per block, set when every sector of the block is allocated.
 */
export type BatmapHeader = {
  cookie: string;
  mapOffset: number;
  mapSectors: number;
  version: number;
  checksum: number;
  marker: number;
  keyHash: KeyHash | undefined;
  /** Bytes 94..511 as found, preserved on rewrite. */
  rest: Buffer;
};

/** A batmap header placed right after the BAT, with a map sized for `maxBatEntries` blocks. */
export function newBatmapHeader(headerOffset: number, maxBatEntries: number): BatmapHeader {
  return {
    cookie: BATMAP_COOKIE,
    mapOffset: headerOffset + SECTOR_SIZE,
    mapSectors: Math.max(1, Math.ceil(Math.ceil(maxBatEntries / 8) / SECTOR_SIZE)),
    version: BATMAP_VERSION,
    checksum: 0,
    marker: 0,
    keyHash: undefined,
    rest: Buffer.alloc(SECTOR_SIZE - 94),
  };
}

/** Bytes of the map covered by the checksum for a disk of `currentSize` (blktap's rule: whole sectors). */
export function batmapChecksummedBytes(currentSize: number): number {
  const bytes = Math.floor(currentSize / 2 ** 24);
  return Math.max(1, Math.ceil(bytes / SECTOR_SIZE)) * SECTOR_SIZE;
}

/** The checksum of `map` for a disk of `currentSize`. */
export function computeBatmapChecksum(h: BatmapHeader, map: Uint8Array, currentSize: number): number {
  return batmapChecksum(map, batmapChecksummedBytes(currentSize), h.version === BATMAP_VERSION_SIGNED);
}

/** Serialises a batmap header sector (the checksum field is written as given). */
export function encodeBatmapHeader(h: BatmapHeader): Buffer {
  const b = Buffer.alloc(SECTOR_SIZE);
  b.write(h.cookie, 0, 8, 'latin1');
  b.writeBigUInt64BE(BigInt(h.mapOffset), 8);
  b.writeUInt32BE(h.mapSectors >>> 0, 16);
  b.writeUInt32BE(h.version >>> 0, 20);
  b.writeUInt32BE(h.checksum >>> 0, 24);
  b[28] = h.marker;
  if (h.keyHash) {
    b[29] = 1;
    h.keyHash.nonce.copy(b, 30, 0, 32);
    h.keyHash.hash.copy(b, 62, 0, 32);
  }
  h.rest.copy(b, 94);
  return b;
}

/** Parses and validates the batmap header as vhd_validate_batmap_header does. */
export function parseBatmapHeader(b: Buffer, path?: string): BatmapHeader {
  const cookie = b.subarray(0, 8).toString('latin1');
  if (cookie !== BATMAP_COOKIE) throw new VhdFormatError('batmap cookie', JSON.stringify(BATMAP_COOKIE), JSON.stringify(cookie), { path });
  const version = b.readUInt32BE(20);
  if (version > BATMAP_VERSION) throw new VhdFormatError('batmap version', `≤ ${hex(BATMAP_VERSION)}`, hex(version), { path });
  return {
    cookie,
    mapOffset: Number(b.readBigUInt64BE(8)),
    mapSectors: b.readUInt32BE(16),
    version,
    checksum: b.readUInt32BE(24),
    marker: b[28] ?? 0,
    keyHash: b[29] === 1 ? { nonce: Buffer.from(b.subarray(30, 62)), hash: Buffer.from(b.subarray(62, 94)) } : undefined,
    rest: Buffer.from(b.subarray(94, SECTOR_SIZE)),
  };
}
