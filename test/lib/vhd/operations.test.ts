import test from 'ava';
import { mkdir, open, stat, truncate, writeFile } from 'node:fs/promises';
import path from 'node:path';
import {
  blockBitmap, checkVhd, coalesceVhd, computeVolumeSize, createVhd, getKeyHash, killData, openChain, queryVhd, readChain,
  repairVhd, resizeVhd, setHidden, setKeyHash, setParent, setPhysicalSize, snapshotVhd, queryDepth,
  VhdInvalidArgumentError, VhdNoSpaceError, type VhdContext,
} from '../../../lib/vhd/index.js';
import { assertSameBytes, fingerprint, pattern, tmpRoot } from './helpers.js';
import { writeAt } from '../../../sim/fixtures/write.js';

const MiB = 2 ** 20;

const write = writeAt;

async function readAll(ctx: VhdContext, p: string): Promise<Buffer> {
  const chain = await openChain(ctx, p);
  try {
    return await readChain(chain, 0, chain.leaf.virtualSize);
  } finally {
    await chain.close();
  }
}

test('create rounds to 2 MiB, preallocates the BAT and reports vhd-util\'s sizes', async (t) => {
  const root = await tmpRoot(t);
  const ctx = { root };
  await createVhd(ctx, '/a.vhd', { sizeBytes: 3 * MiB, maxSizeBytes: 2 * 2 ** 40 });
  const q = await queryVhd(ctx, '/a.vhd');
  t.is(q.virtualSize, 4 * MiB);
  t.is(q.maxResizeSize, 2 * 2 ** 40);
  t.is(q.physicalSize, 4_327_936);
  t.is(q.allocatedBlocks, 0);
  t.false(q.hidden);
  t.is(q.parentPath, undefined);
  t.is((await stat(path.join(root, 'a.vhd'))).size, 4_327_936);
  await t.throwsAsync(createVhd(ctx, '/b.vhd', { sizeBytes: 0 }), { instanceOf: VhdInvalidArgumentError });
  await t.throwsAsync(createVhd(ctx, '/b.vhd', { sizeBytes: 8 * MiB, maxSizeBytes: 4 * MiB }), { instanceOf: VhdInvalidArgumentError });
});

test('byte-level writes read back through a chain, sector-accurate', async (t) => {
  const ctx = { root: await tmpRoot(t) };
  const model = Buffer.alloc(8 * MiB);
  await createVhd(ctx, '/base.vhd', { sizeBytes: 8 * MiB });
  const w = async (p: string, off: number, data: Buffer): Promise<void> => {
    await write(ctx, p, off, data);
    data.copy(model, off);
  };
  await w('/base.vhd', 0, Buffer.alloc(512 * 1024, 0xaa));
  await w('/base.vhd', 2 * MiB - 7, pattern(20, 1));
  await snapshotVhd(ctx, '/child.vhd', '/base.vhd');
  await w('/child.vhd', 10 * 512 + 3, pattern(5, 2));
  await w('/child.vhd', 6 * MiB + 100, pattern(3 * 512, 3));
  assertSameBytes(t, await readAll(ctx, '/child.vhd'), model);
  const q = await queryVhd(ctx, '/child.vhd');
  t.is(q.parentPath, '/base.vhd');
  t.is(q.allocatedBlocks, 2);
  t.is(await queryDepth(ctx, '/child.vhd'), 2);
  t.deepEqual(await blockBitmap(ctx, '/child.vhd'), Buffer.from([0b1001_0000]));
  t.deepEqual((await checkVhd(ctx, '/child.vhd')).ok, true);
});

test('coalesce merges only the child\'s sectors into the parent and counts them', async (t) => {
  const ctx = { root: await tmpRoot(t) };
  await createVhd(ctx, '/p.vhd', { sizeBytes: 8 * MiB });
  await write(ctx, '/p.vhd', 0, Buffer.alloc(MiB, 0xaa));
  await snapshotVhd(ctx, '/c.vhd', '/p.vhd');
  await write(ctx, '/c.vhd', 512, Buffer.alloc(512, 0xbb));
  await write(ctx, '/c.vhd', 4 * MiB, Buffer.alloc(3 * 512, 0xcc));
  const expected = await readAll(ctx, '/c.vhd');
  t.is(await coalesceVhd(ctx, '/c.vhd'), 4);
  assertSameBytes(t, await readAll(ctx, '/p.vhd'), expected);
  const head = (await readAll(ctx, '/p.vhd')).subarray(0, MiB);
  t.is(head.subarray(1024).every((b) => b === 0xaa), true, 'parent sectors the child never wrote are kept');
});

test('coalesce reports its progress per block, never backwards, ending at the child\'s allocated bytes', async (t) => {
  const ctx = { root: await tmpRoot(t) };
  await createVhd(ctx, '/p.vhd', { sizeBytes: 16 * MiB });
  await snapshotVhd(ctx, '/c.vhd', '/p.vhd');
  // Three allocated blocks (0, 3 and 6), one of them with a single sector.
  await write(ctx, '/c.vhd', 0, pattern(MiB, 4));
  await write(ctx, '/c.vhd', 6 * MiB + 512, Buffer.alloc(512, 0xdd));
  await write(ctx, '/c.vhd', 12 * MiB, pattern(2 * MiB, 5));
  const expected = await readAll(ctx, '/c.vhd');
  const calls: [number, number][] = [];
  const sectors = await coalesceVhd(ctx, '/c.vhd', { onProgress: (done, total) => calls.push([done, total]) });
  t.is(sectors, 2048 + 1 + 4096);
  const total = 3 * 2 * MiB;
  t.true(calls.every(([, tot]) => tot === total), 'the total is known from the first call');
  t.deepEqual(calls.at(0), [0, total]);
  t.deepEqual(calls.at(-1), [total, total]);
  t.true(calls.every(([d], i) => i === 0 || d >= (calls[i - 1]?.[0] ?? 0)), `monotonic: ${JSON.stringify(calls)}`);
  t.is(calls.filter(([d]) => d === total).length, 1, '100% is reported once, after the sync');
  assertSameBytes(t, await readAll(ctx, '/p.vhd'), expected);
  // A child without data still ends its progress at 100% (0 of 0).
  await snapshotVhd(ctx, '/e.vhd', '/p.vhd', { noEmptyCheck: true });
  const empty: [number, number][] = [];
  t.is(await coalesceVhd(ctx, '/e.vhd', { onProgress: (done, tot) => empty.push([done, tot]) }), 0);
  t.deepEqual(empty.at(-1), [0, 0]);
});

test('snapshot of an empty differencing parent links to the grandparent unless -e', async (t) => {
  const ctx = { root: await tmpRoot(t) };
  await createVhd(ctx, '/a.vhd', { sizeBytes: 4 * MiB });
  await snapshotVhd(ctx, '/b.vhd', '/a.vhd', { maxSizeBytes: 16 * MiB });
  t.is(await snapshotVhd(ctx, '/c.vhd', '/b.vhd'), '/a.vhd');
  t.is((await queryVhd(ctx, '/c.vhd')).parentPath, '/a.vhd');
  t.is(await snapshotVhd(ctx, '/d.vhd', '/b.vhd', { noEmptyCheck: true }), '/b.vhd');
  t.is(await queryDepth(ctx, '/d.vhd'), 3);
  // The child keeps the size of the parent it was given, even when that one was resized.
  await resizeVhd(ctx, '/b.vhd', 8 * MiB);
  await snapshotVhd(ctx, '/e.vhd', '/b.vhd');
  t.is((await queryVhd(ctx, '/e.vhd')).parentPath, '/a.vhd');
  t.is((await queryVhd(ctx, '/e.vhd')).virtualSize, 8 * MiB);
});

test('a RAW parent (-m) is read through and coalesced into', async (t) => {
  const root = await tmpRoot(t);
  const ctx = { root };
  const raw = pattern(4 * MiB, 9);
  await writeFile(path.join(root, 'raw.img'), raw);
  await snapshotVhd(ctx, '/c.vhd', '/raw.img', { parentRaw: true });
  const q = await queryVhd(ctx, '/c.vhd');
  t.true(q.parentRaw);
  t.is(q.virtualSize, 4 * MiB);
  t.is(await queryDepth(ctx, '/c.vhd'), 2);
  assertSameBytes(t, await readAll(ctx, '/c.vhd'), raw);
  await write(ctx, '/c.vhd', 1000, Buffer.alloc(100, 1));
  Buffer.alloc(100, 1).copy(raw, 1000);
  t.is(await coalesceVhd(ctx, '/c.vhd'), 2, 'bytes 1000..1099 touch sectors 1 and 2');
  const onDisk = await open(path.join(root, 'raw.img'));
  const back = Buffer.alloc(4 * MiB);
  await onDisk.read(back, 0, back.length, 0);
  await onDisk.close();
  assertSameBytes(t, back, raw);
});

test('hidden flag, parent change, key hash and block bitmap', async (t) => {
  const ctx = { root: await tmpRoot(t) };
  await createVhd(ctx, '/a.vhd', { sizeBytes: 4 * MiB });
  await createVhd(ctx, '/a2.vhd', { sizeBytes: 4 * MiB });
  await snapshotVhd(ctx, '/b.vhd', '/a.vhd');
  await setHidden(ctx, '/a.vhd', true);
  t.true((await queryVhd(ctx, '/a.vhd')).hidden);
  await setHidden(ctx, '/a.vhd', false);
  t.false((await queryVhd(ctx, '/a.vhd')).hidden);
  await setParent(ctx, '/b.vhd', '/a2.vhd');
  const q = await queryVhd(ctx, '/b.vhd');
  t.is(q.parentPath, '/a2.vhd');
  t.is(q.parentUuid, (await queryVhd(ctx, '/a2.vhd')).uuid);
  t.is(await getKeyHash(ctx, '/b.vhd'), undefined);
  const key = { nonce: Buffer.alloc(32, 1), hash: Buffer.alloc(32, 2) };
  await setKeyHash(ctx, '/b.vhd', key);
  t.deepEqual(await getKeyHash(ctx, '/b.vhd'), key);
  await write(ctx, '/b.vhd', 0, Buffer.alloc(512, 1));
  await t.throwsAsync(setKeyHash(ctx, '/b.vhd', key), { message: /non-empty/ });
  t.deepEqual(await blockBitmap(ctx, '/b.vhd'), Buffer.from([0x80]));
  t.true((await checkVhd(ctx, '/b.vhd')).ok);
});

test('fast resize grows within the preallocated BAT only, and keeps the data', async (t) => {
  const ctx = { root: await tmpRoot(t) };
  await createVhd(ctx, '/a.vhd', { sizeBytes: 4 * MiB, maxSizeBytes: 16 * MiB });
  await write(ctx, '/a.vhd', 3 * MiB, Buffer.alloc(4096, 7));
  await resizeVhd(ctx, '/a.vhd', 10 * MiB);
  const all = await readAll(ctx, '/a.vhd');
  t.is(all.length, 10 * MiB);
  t.true(all.subarray(3 * MiB, 3 * MiB + 4096).every((b) => b === 7));
  await write(ctx, '/a.vhd', 9 * MiB, Buffer.alloc(10, 1));
  await t.throwsAsync(resizeVhd(ctx, '/a.vhd', 18 * MiB), { message: /fast resize/ });
  await t.throwsAsync(resizeVhd(ctx, '/a.vhd', 4 * MiB), { message: /shrinking/ });
  t.true((await checkVhd(ctx, '/a.vhd')).ok);
});

test('kill data empties the image', async (t) => {
  const ctx = { root: await tmpRoot(t) };
  await createVhd(ctx, '/a.vhd', { sizeBytes: 4 * MiB });
  await write(ctx, '/a.vhd', 0, Buffer.alloc(3 * MiB, 5));
  await killData(ctx, '/a.vhd');
  const q = await queryVhd(ctx, '/a.vhd');
  t.is(q.allocatedBlocks, 0);
  t.true((await readAll(ctx, '/a.vhd')).every((b) => b === 0));
  t.true((await checkVhd(ctx, '/a.vhd')).ok);
});

test('repair restores a damaged end footer from the copy', async (t) => {
  const root = await tmpRoot(t);
  const ctx = { root };
  await createVhd(ctx, '/a.vhd', { sizeBytes: 4 * MiB });
  await write(ctx, '/a.vhd', 0, Buffer.alloc(512, 3));
  const file = path.join(root, 'a.vhd');
  const size = (await stat(file)).size;
  const fh = await open(file, 'r+');
  await fh.write(Buffer.alloc(512, 0x55), 0, 512, size - 512);
  await fh.close();
  const bad = await checkVhd(ctx, '/a.vhd');
  t.false(bad.ok);
  t.regex(bad.ok ? '' : bad.reason, /footer cookie/);
  t.true((await checkVhd(ctx, '/a.vhd', { ignoreMissingFooter: true })).ok);
  t.true((await readAll(ctx, '/a.vhd')).subarray(0, 512).every((b) => b === 3), 'reads use the copy meanwhile');
  t.true(await repairVhd(ctx, '/a.vhd'));
  t.true((await checkVhd(ctx, '/a.vhd')).ok);
  t.false(await repairVhd(ctx, '/a.vhd'));
});

test('a fixed container keeps its size; inflate and deflate move the footer', async (t) => {
  const root = await tmpRoot(t);
  const ctx = { root };
  await mkdir(path.join(root, 'dev/drbd/by-res/vol/'), { recursive: true });
  const dev = path.join(root, 'dev/drbd/by-res/vol/0');
  const virt = 6 * MiB;
  const full = computeVolumeSize(virt, 'vhd');
  await writeFile(dev, '');
  await truncate(dev, 4_329_472 + 4096);
  await createVhd(ctx, '/dev/drbd/by-res/vol/0', { sizeBytes: virt, maxSizeBytes: 2 * 2 ** 40 });
  t.is((await stat(dev)).size, 4_329_472 + 4096, 'create never resizes a container');
  await t.throwsAsync(write(ctx, '/dev/drbd/by-res/vol/0', 0, Buffer.alloc(512, 1)), { instanceOf: VhdNoSpaceError });
  // Room for one block but not two: a two-block write is refused before anything is written.
  await truncate(dev, 4_329_472 + 2 * MiB + 512);
  const before = await fingerprint(root);
  await t.throwsAsync(write(ctx, '/dev/drbd/by-res/vol/0', 2 * MiB - 512, Buffer.alloc(1024, 1)), { instanceOf: VhdNoSpaceError });
  t.deepEqual(await fingerprint(root), before);
  await write(ctx, '/dev/drbd/by-res/vol/0', 0, Buffer.alloc(512, 1));
  // LINSTOR grows the device; then inflate zeroes the future footer slot and moves the footer there.
  await truncate(dev, full);
  await setPhysicalSize(ctx, '/dev/drbd/by-res/vol/0', full);
  const data = pattern(virt, 4);
  await write(ctx, '/dev/drbd/by-res/vol/0', 0, data); // exactly compute_volume_size(virt): every block fits
  t.is((await stat(dev)).size, full);
  assertSameBytes(t, await readAll(ctx, '/dev/drbd/by-res/vol/0'), data);
  const phys = (await queryVhd(ctx, '/dev/drbd/by-res/vol/0')).physicalSize;
  t.true(phys <= full);
  await t.throwsAsync(setPhysicalSize(ctx, '/dev/drbd/by-res/vol/0', phys - 512), { instanceOf: VhdInvalidArgumentError, message: /lose data/ });
  await t.throwsAsync(setPhysicalSize(ctx, '/dev/drbd/by-res/vol/0', full + 512), { instanceOf: VhdNoSpaceError });
  await setPhysicalSize(ctx, '/dev/drbd/by-res/vol/0', phys);
  t.is((await stat(dev)).size, full, 'deflate does not shrink the device');
  assertSameBytes(t, await readAll(ctx, '/dev/drbd/by-res/vol/0'), data);
  t.true((await checkVhd(ctx, '/dev/drbd/by-res/vol/0')).ok);
});

test('snapshot on a fixed container writes parent locators holding the by-res path', async (t) => {
  const root = await tmpRoot(t);
  const ctx = { root };
  for (const rd of ['base', 'leaf']) {
    await mkdir(path.join(root, `dev/drbd/by-res/${rd}`), { recursive: true });
    await writeFile(path.join(root, `dev/drbd/by-res/${rd}/0`), '');
    await truncate(path.join(root, `dev/drbd/by-res/${rd}/0`), computeVolumeSize(4 * MiB, 'vhd'));
  }
  await createVhd(ctx, '/dev/drbd/by-res/base/0', { sizeBytes: 4 * MiB, maxSizeBytes: 2 * 2 ** 40 });
  await write(ctx, '/dev/drbd/by-res/base/0', 0, Buffer.alloc(4096, 9));
  await snapshotVhd(ctx, '/dev/drbd/by-res/leaf/0', '/dev/drbd/by-res/base/0', { maxSizeBytes: 2 * 2 ** 40 });
  const q = await queryVhd(ctx, '/dev/drbd/by-res/leaf/0');
  t.is(q.parentPath, '/dev/drbd/by-res/base/0');
  t.is(q.maxResizeSize, 2 * 2 ** 40);
  t.true((await readAll(ctx, '/dev/drbd/by-res/leaf/0')).subarray(0, 4096).every((b) => b === 9));
});

test('a RAW parent whose size is not a whole number of blocks', async (t) => {
  const root = await tmpRoot(t);
  const ctx = { root };
  const raw = pattern(3 * MiB + 512, 5);
  await writeFile(path.join(root, 'odd.img'), raw);
  await snapshotVhd(ctx, '/c.vhd', '/odd.img', { parentRaw: true });
  const q = await queryVhd(ctx, '/c.vhd');
  t.is(q.virtualSize, 3 * MiB + 512);
  t.is(q.maxResizeSize, 4 * MiB);
  await write(ctx, '/c.vhd', 3 * MiB, Buffer.alloc(512, 0xfe));
  Buffer.alloc(512, 0xfe).copy(raw, 3 * MiB);
  assertSameBytes(t, await readAll(ctx, '/c.vhd'), raw);
  t.true((await checkVhd(ctx, '/c.vhd')).ok);
});

test('an empty child of a RAW image is skipped for the RAW image itself', async (t) => {
  const root = await tmpRoot(t);
  const ctx = { root };
  await writeFile(path.join(root, 'raw.img'), pattern(4 * MiB, 6));
  await snapshotVhd(ctx, '/b.vhd', '/raw.img', { parentRaw: true });
  t.is(await snapshotVhd(ctx, '/c.vhd', '/b.vhd'), '/raw.img');
  const q = await queryVhd(ctx, '/c.vhd');
  t.true(q.parentRaw);
  t.is(q.parentPath, '/raw.img');
});
