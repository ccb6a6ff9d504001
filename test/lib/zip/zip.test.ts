// The zip reader checks what Python's testzip checks: structure and each entry's CRC, stored or deflated.
import test from 'ava';
import { deflateRawSync } from 'node:zlib';
import { readZipEntries, writeZip, ZipFormatError } from '../../../lib/zip/zip.js';

test('what writeZip writes reads back, entry by entry', (t) => {
  const zip = writeZip([
    { name: 'linstordb.mv.db', data: Buffer.from('database') },
    { name: 'empty', data: Buffer.alloc(0) },
  ]);
  t.deepEqual(readZipEntries(zip), [
    { name: 'linstordb.mv.db', size: 8 },
    { name: 'empty', size: 0 },
  ]);
});

test('a deflated entry (what an H2 backup holds) is inflated and checked', (t) => {
  const stored = writeZip([{ name: 'linstordb.mv.db', data: Buffer.from('database') }]);
  const packed = deflateRawSync(Buffer.from('database'));
  // Rebuild the same archive with method 8 and the packed data.
  const local = Buffer.from(stored.subarray(0, 30 + 15));
  local.writeUInt16LE(8, 8);
  local.writeUInt32LE(packed.length, 18);
  const central = Buffer.from(stored.subarray(30 + 15 + 8, 30 + 15 + 8 + 46 + 15));
  central.writeUInt16LE(8, 10);
  central.writeUInt32LE(packed.length, 20);
  const end = Buffer.from(stored.subarray(stored.length - 22));
  end.writeUInt32LE(30 + 15 + packed.length, 16);
  t.deepEqual(readZipEntries(Buffer.concat([local, packed, central, end])), [{ name: 'linstordb.mv.db', size: 8 }]);
});

test('a flipped data byte, a truncated file or no zip at all is a ZipFormatError', (t) => {
  const zip = writeZip([{ name: 'linstordb.mv.db', data: Buffer.from('database') }]);
  const flipped = Buffer.from(zip);
  flipped.writeUInt8(flipped.readUInt8(30 + 15) ^ 0xff, 30 + 15);
  t.throws(() => readZipEntries(flipped), { instanceOf: ZipFormatError, message: /bad CRC/ });
  t.throws(() => readZipEntries(zip.subarray(0, 40)), { instanceOf: ZipFormatError });
  t.throws(() => readZipEntries(Buffer.from('not a zip')), { instanceOf: ZipFormatError });
});
