/**
 * The little of the zip format LINSTOR database backups need: the simulator writes a backup as the
 * controller does (one stored entry per file), and the driver checks a new backup before it lets an
 * older one go — the equivalent of Python's `ZipFile.testzip()` plus "has `linstordb.mv.db`, not
 * empty". Only single-disk archives without zip64 are read; a controller backup is one of those.
 */
import { crc32, inflateRawSync } from 'node:zlib';

/** One file of an archive to write. */
export type ZipEntry = { readonly name: string; readonly data: Buffer };

/** One file of an archive as read back (its data checked against its CRC). */
export type ZipEntryInfo = { readonly name: string; readonly size: number };

/** Thrown for an archive that is not a readable zip or whose data does not match its CRC. */
export class ZipFormatError extends Error {
  override name = 'ZipFormatError';
}

/** A zip archive holding `entries` uncompressed (method 0, "stored"). */
export function writeZip(entries: readonly ZipEntry[]): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const entry of entries) {
    const name = Buffer.from(entry.name, 'utf8');
    const crc = crc32(entry.data);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(0x0800, 6);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(entry.data.length, 18);
    local.writeUInt32LE(entry.data.length, 22);
    local.writeUInt16LE(name.length, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(0x0800, 8);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(entry.data.length, 20);
    central.writeUInt32LE(entry.data.length, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt32LE(offset, 42);
    locals.push(local, name, entry.data);
    centrals.push(central, name);
    offset += local.length + name.length + entry.data.length;
  }
  const directory = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(directory.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, directory, end]);
}

/** Reads every entry of `zip`, checking each one's data against its CRC (stored or deflated). */
export function readZipEntries(zip: Buffer): ZipEntryInfo[] {
  const endAt = zip.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  if (endAt < 0 || endAt + 22 > zip.length) throw new ZipFormatError('no end of central directory');
  const count = zip.readUInt16LE(endAt + 10);
  let at = zip.readUInt32LE(endAt + 16);
  const entries: ZipEntryInfo[] = [];
  for (let i = 0; i < count; i += 1) {
    if (at + 46 > zip.length || zip.readUInt32LE(at) !== 0x02014b50) throw new ZipFormatError(`bad central directory entry ${i}`);
    const method = zip.readUInt16LE(at + 10);
    const crc = zip.readUInt32LE(at + 16);
    const packed = zip.readUInt32LE(at + 20);
    const size = zip.readUInt32LE(at + 24);
    const nameLength = zip.readUInt16LE(at + 28);
    const extra = zip.readUInt16LE(at + 30) + zip.readUInt16LE(at + 32);
    const local = zip.readUInt32LE(at + 42);
    const name = zip.toString('utf8', at + 46, at + 46 + nameLength);
    if (local + 30 > zip.length || zip.readUInt32LE(local) !== 0x04034b50) throw new ZipFormatError(`bad local header of ${name}`);
    const dataAt = local + 30 + zip.readUInt16LE(local + 26) + zip.readUInt16LE(local + 28);
    if (dataAt + packed > zip.length) throw new ZipFormatError(`${name} is truncated`);
    const raw = zip.subarray(dataAt, dataAt + packed);
    let data: Buffer;
    if (method === 0) data = raw;
    else if (method === 8) {
      try {
        data = inflateRawSync(raw);
      } catch (error) {
        throw new ZipFormatError(`${name} does not inflate: ${(error as Error).message}`);
      }
    } else throw new ZipFormatError(`${name} uses unsupported method ${method}`);
    if (data.length !== size || crc32(data) !== crc) throw new ZipFormatError(`bad CRC for ${name}`);
    entries.push({ name, size });
    at += 46 + nameLength + extra;
  }
  return entries;
}
