import test from 'ava';
import { decodeFooter, encodeFooter, newFooter, parseFooter, chsGeometry, uuidToString, uuidToBytes, vhdTime } from '../../../lib/vhd/footer.js';
import { decodeHeader, encodeHeader, newHeader, parseHeader } from '../../../lib/vhd/header.js';
import { encodeBatmapHeader, newBatmapHeader, parseBatmapHeader, batmapChecksummedBytes } from '../../../lib/vhd/batmap.js';
import { batmapChecksum, onesComplementSum } from '../../../lib/vhd/checksum.js';
import { decodeLocator, decodeParentName, encodeLocator, encodeParentName, resolveParentPath } from '../../../lib/vhd/locator.js';
import { countBits, runsOf, setBit, testBit, allSet } from '../../../lib/vhd/bitmap.js';
import {
  calcOverheadBitmap, calcOverheadEmpty, computeVolumeSize, DISK_TYPE, PLATFORM, validateVirtualSize, VhdFormatError,
  VhdInvalidArgumentError, MAX_PREALLOCATED_SIZE,
} from '../../../lib/vhd/index.js';

const GiB = 2 ** 30;

test('compute_volume_size matches sm-linstor §4.1 examples', (t) => {
  t.is(calcOverheadEmpty(MAX_PREALLOCATED_SIZE), 4_329_472);
  t.is(calcOverheadBitmap(GiB), 512 * 4096);
  t.is(computeVolumeSize(GiB, 'vhd'), 1_080_168_448);
  t.is(computeVolumeSize(10 * GiB, 'vhd'), 10_762_719_232);
  t.is(computeVolumeSize(1000, 'aio'), 1024);
  t.throws(() => computeVolumeSize(GiB, 'qcow2' as 'vhd'), { instanceOf: VhdInvalidArgumentError });
});

test('virtual sizes are bounded by 2 MiB and 2040 GiB', (t) => {
  t.notThrows(() => validateVirtualSize(2 * 2 ** 20));
  t.notThrows(() => validateVirtualSize(2040 * GiB));
  t.throws(() => validateVirtualSize(2 ** 20), { instanceOf: VhdInvalidArgumentError, message: /minimum/ });
  t.throws(() => validateVirtualSize(2040 * GiB + 2 ** 21), { instanceOf: VhdInvalidArgumentError, message: /maximum/ });
});

test('one\'s complement checksums skip their own field', (t) => {
  const b = Buffer.from([1, 2, 3, 0xff, 0xff, 0xff, 0xff, 4]);
  t.is(onesComplementSum(b, 3), ~(1 + 2 + 3 + 4) >>> 0);
  t.is(batmapChecksum(Buffer.from([0x80, 1]), 2, false), ~(0x80 + 1) >>> 0);
  t.is(batmapChecksum(Buffer.from([0x80, 1]), 2, true), ~(-128 + 1) >>> 0);
});

test('footer round-trips and carries blktap\'s creator, version and layout', (t) => {
  const f = newFooter(DISK_TYPE.dynamic, 64 * 2 ** 20, Date.UTC(2026, 0, 1));
  f.hidden = 1;
  const bytes = encodeFooter(f);
  t.is(bytes.length, 512);
  t.is(bytes.subarray(0, 8).toString('latin1'), 'conectix');
  t.is(bytes.subarray(28, 32).toString('latin1'), 'tap\0');
  t.is(bytes.readUInt32BE(32), 0x00010003);
  t.is(bytes.readUInt32BE(8), 2);
  t.is(Number(bytes.readBigUInt64BE(16)), 512);
  t.is(bytes[85], 1);
  const back = parseFooter(bytes);
  t.is(back.currentSize, 64 * 2 ** 20);
  t.is(back.hidden, 1);
  t.is(back.timestamp, vhdTime(Date.UTC(2026, 0, 1)));
  t.deepEqual(back.uuid, f.uuid);
  t.deepEqual(encodeFooter(decodeFooter(bytes)), bytes);
});

test('a corrupt footer is refused with the field at fault', (t) => {
  const bytes = encodeFooter(newFooter(DISK_TYPE.dynamic, 4 * 2 ** 20));
  const badSum = Buffer.from(bytes);
  badSum[100] = 7;
  t.throws(() => parseFooter(badSum), { instanceOf: VhdFormatError, message: /footer checksum/ });
  const badCookie = Buffer.from(bytes);
  badCookie.write('CONECTIX', 0, 'latin1');
  const e = t.throws(() => parseFooter(badCookie), { instanceOf: VhdFormatError });
  t.is(e?.field, 'footer cookie');
  t.is(e?.actual, '"CONECTIX"');
  t.throws(() => parseFooter(bytes.subarray(0, 100)), { message: /footer length/ });
});

test('CHS geometry follows the VHD specification', (t) => {
  t.is(chsGeometry(64 * 2 ** 20), (963 << 16) | (8 << 8) | 17);
  const big = chsGeometry(2040 * GiB);
  t.is(big & 0xff, 255);
  t.is((big >>> 8) & 0xff, 16);
});

test('uuids convert both ways', (t) => {
  const text = '0123abcd-4567-89ab-cdef-0123456789ab';
  t.is(uuidToString(uuidToBytes(text)), text);
  t.throws(() => uuidToBytes('nope'), { instanceOf: VhdFormatError });
});

test('dynamic header round-trips and validates', (t) => {
  const h = newHeader(1_048_576);
  h.locators[0] = { code: PLATFORM.macx, dataSpace: 512, dataLength: 20, reserved: 0, dataOffset: 4_327_424 };
  const bytes = encodeHeader(h);
  t.is(bytes.length, 1024);
  t.is(bytes.subarray(0, 8).toString('latin1'), 'cxsparse');
  t.is(Number(bytes.readBigUInt64BE(16)), 1536);
  t.is(bytes.readUInt32BE(28), 1_048_576);
  t.is(bytes.readUInt32BE(576), PLATFORM.macx);
  const back = parseHeader(bytes);
  t.deepEqual(back.locators[0], h.locators[0]);
  t.deepEqual(encodeHeader(decodeHeader(bytes)), bytes);
  const bad = Buffer.from(bytes);
  bad.writeUInt32BE(0x12345678, 576 + 24);
  t.throws(() => parseHeader(bad), { message: /parent locator 1 code/ });
});

test('batmap header keeps the marker and the key hash at blktap\'s offsets', (t) => {
  const h = newBatmapHeader(1536 + 4 * 2 ** 20, 1_048_576);
  t.is(h.mapSectors, 256);
  h.marker = 1;
  h.keyHash = { nonce: Buffer.alloc(32, 0x11), hash: Buffer.alloc(32, 0x22) };
  const bytes = encodeBatmapHeader(h);
  t.is(bytes.subarray(0, 8).toString('latin1'), 'tdbatmap');
  t.is(bytes[28], 1);
  t.is(bytes[29], 1);
  t.is(bytes[30], 0x11);
  t.is(bytes[62], 0x22);
  const back = parseBatmapHeader(bytes);
  t.deepEqual(back.keyHash?.hash, Buffer.alloc(32, 0x22));
  t.is(batmapChecksummedBytes(64 * 2 ** 20), 512);
});

test('parent locators encode the dom0 path as blktap does', (t) => {
  const p = '/dev/drbd/by-res/xcp-volume-1234/0';
  t.is(encodeLocator(PLATFORM.macx, p).toString('utf8'), `file://${p}`);
  t.is(encodeLocator(PLATFORM.w2ku, p).toString('utf16le'), '\\dev\\drbd\\by-res\\xcp-volume-1234\\0');
  t.is(encodeLocator(PLATFORM.w2ru, 'base.vhd').toString('utf16le'), '.\\base.vhd');
  for (const code of [PLATFORM.macx, PLATFORM.w2ku, PLATFORM.w2ru]) t.is(decodeLocator(code, encodeLocator(code, p)), p);
  t.is(decodeParentName(encodeParentName(p)), '0');
  t.is(encodeParentName('/x/ab')[1], 'a'.charCodeAt(0));
  t.is(resolveParentPath('/srv/child.vhd', './base.vhd'), '/srv/base.vhd');
});

test('bitmaps are most-significant-bit first', (t) => {
  const m = new Uint8Array(2);
  setBit(m, 0);
  setBit(m, 9);
  t.is(m[0], 0x80);
  t.is(m[1], 0x40);
  t.true(testBit(m, 9));
  t.is(countBits(m, 16), 2);
  t.deepEqual(runsOf(m, 0, 16), [{ start: 0, count: 1 }, { start: 9, count: 1 }]);
  t.false(allSet(m, 16));
  t.true(allSet(new Uint8Array([0xff, 0xc0]), 10));
});
