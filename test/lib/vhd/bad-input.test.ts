import test, { type ExecutionContext } from 'ava';
import { open, readFile, rm, stat, truncate, writeFile } from 'node:fs/promises';
import path from 'node:path';
import {
  coalesceVhd, createVhd, openChain, queryVhd, readChain, setHidden, setParent, snapshotVhd, writeChain, checkVhd, chainDepth,
  VhdChainTooLongError, VhdFormatError, VhdParentLoopError, VhdParentMissingError, VhdNotFoundError,
} from '../../../lib/vhd/index.js';
import { fingerprint, tmpRoot } from './helpers.js';
import { writeAt } from '../../../sim/fixtures/write.js';

const MiB = 2 ** 20;

const write = writeAt;

async function patch(file: string, offset: number, bytes: Buffer): Promise<void> {
  const fh = await open(file, 'r+');
  await fh.write(bytes, 0, bytes.length, offset);
  await fh.close();
}

/** Runs every mutating operation on `p` and expects each to fail with `expected`, leaving all files intact. */
async function nothingWritten(t: ExecutionContext, root: string, p: string, expected: new (...args: never[]) => Error): Promise<void> {
  const ctx = { root };
  const before = await fingerprint(root);
  await t.throwsAsync(write(ctx, p, 100, Buffer.alloc(700, 1)), { instanceOf: expected });
  await t.throwsAsync(snapshotVhd(ctx, '/snap.vhd', p), { instanceOf: expected });
  t.deepEqual(await fingerprint(root), before, 'no file changed and none was created');
}

test('a truncated file is refused with a typed error', async (t) => {
  const root = await tmpRoot(t);
  const ctx = { root };
  await createVhd(ctx, '/a.vhd', { sizeBytes: 8 * MiB });
  await write(ctx, '/a.vhd', 0, Buffer.alloc(3 * MiB, 1));
  const file = path.join(root, 'a.vhd');
  await truncate(file, (await stat(file)).size - MiB);
  const e = await t.throwsAsync(queryVhd(ctx, '/a.vhd'), { instanceOf: VhdFormatError });
  t.regex(e?.field ?? '', /BAT entry 1/);
  await nothingWritten(t, root, '/a.vhd', VhdFormatError);
  await truncate(file, 700);
  t.is((await t.throwsAsync(queryVhd(ctx, '/a.vhd'), { instanceOf: VhdFormatError }))?.field, 'file length');
});

test('wrong cookies are refused', async (t) => {
  const root = await tmpRoot(t);
  const ctx = { root };
  await createVhd(ctx, '/a.vhd', { sizeBytes: 4 * MiB });
  const file = path.join(root, 'a.vhd');
  await patch(file, 512, Buffer.from('cxsparsX'));
  const e = await t.throwsAsync(queryVhd(ctx, '/a.vhd'), { instanceOf: VhdFormatError });
  t.is(e?.field, 'header cookie');
  t.is(e?.actual, '"cxsparsX"');
  await nothingWritten(t, root, '/a.vhd', VhdFormatError);
  const size = (await stat(file)).size;
  await patch(file, 0, Buffer.from('nonsense'));
  await patch(file, size - 512, Buffer.from('nonsense'));
  t.is((await t.throwsAsync(queryVhd(ctx, '/a.vhd'), { instanceOf: VhdFormatError }))?.field, 'footer cookie');
});

test('bad checksums are refused with both values', async (t) => {
  const root = await tmpRoot(t);
  const ctx = { root };
  await createVhd(ctx, '/a.vhd', { sizeBytes: 4 * MiB });
  const file = path.join(root, 'a.vhd');
  await patch(file, 512 + 40, Buffer.from([0x42]));
  const e = await t.throwsAsync(queryVhd(ctx, '/a.vhd'), { instanceOf: VhdFormatError });
  t.is(e?.field, 'header checksum');
  t.regex(e?.message ?? '', /expected 0x[0-9a-f]+, found 0x[0-9a-f]+/);
  await nothingWritten(t, root, '/a.vhd', VhdFormatError);
  const check = await checkVhd(ctx, '/a.vhd');
  t.false(check.ok);
});

test('a BAT entry past the end of the file is refused', async (t) => {
  const root = await tmpRoot(t);
  const ctx = { root };
  await createVhd(ctx, '/a.vhd', { sizeBytes: 4 * MiB });
  const entry = Buffer.alloc(4);
  entry.writeUInt32BE(0x00100000, 0);
  await patch(path.join(root, 'a.vhd'), 1536 + 4, entry);
  const e = await t.throwsAsync(queryVhd(ctx, '/a.vhd'), { instanceOf: VhdFormatError });
  t.is(e?.field, 'BAT entry 1');
  await nothingWritten(t, root, '/a.vhd', VhdFormatError);
});

test('a parent loop is detected and nothing is written', async (t) => {
  const root = await tmpRoot(t);
  const ctx = { root };
  await createVhd(ctx, '/a.vhd', { sizeBytes: 4 * MiB });
  await write(ctx, '/a.vhd', 0, Buffer.alloc(512, 1));
  await snapshotVhd(ctx, '/b.vhd', '/a.vhd');
  await write(ctx, '/b.vhd', 0, Buffer.alloc(512, 2));
  await snapshotVhd(ctx, '/c.vhd', '/b.vhd');
  await setParent(ctx, '/b.vhd', '/c.vhd');
  const e = await t.throwsAsync(openChain(ctx, '/c.vhd'), { instanceOf: VhdParentLoopError });
  t.deepEqual(e?.chain, ['/c.vhd', '/b.vhd', '/c.vhd']);
  await nothingWritten(t, root, '/c.vhd', VhdParentLoopError);
  await t.throwsAsync(chainDepth(ctx, '/c.vhd'), { instanceOf: VhdParentLoopError });
});

test('a chain deeper than 30 is refused', async (t) => {
  const root = await tmpRoot(t);
  const ctx = { root };
  await createVhd(ctx, '/l0.vhd', { sizeBytes: 2 * MiB });
  for (let i = 1; i < 30; i += 1) await snapshotVhd(ctx, `/l${i}.vhd`, `/l${i - 1}.vhd`, { noEmptyCheck: true });
  t.is(await chainDepth(ctx, '/l29.vhd'), 30);
  const before = await fingerprint(root);
  const e = await t.throwsAsync(snapshotVhd(ctx, '/l30.vhd', '/l29.vhd', { noEmptyCheck: true }), { instanceOf: VhdChainTooLongError });
  t.is(e?.depth, 31);
  t.deepEqual(await fingerprint(root), before);
  // A second chain re-parented onto the first makes 31 images: every reader refuses it.
  await createVhd(ctx, '/m0.vhd', { sizeBytes: 2 * MiB });
  await snapshotVhd(ctx, '/m1.vhd', '/m0.vhd', { noEmptyCheck: true });
  await setParent(ctx, '/m1.vhd', '/l29.vhd');
  await t.throwsAsync(openChain(ctx, '/m1.vhd'), { instanceOf: VhdChainTooLongError });
  await t.throwsAsync(chainDepth(ctx, '/m1.vhd'), { instanceOf: VhdChainTooLongError });
});

test('a missing parent is reported as such and nothing is written', async (t) => {
  const root = await tmpRoot(t);
  const ctx = { root };
  await createVhd(ctx, '/a.vhd', { sizeBytes: 4 * MiB });
  await write(ctx, '/a.vhd', 0, Buffer.alloc(512, 1));
  await snapshotVhd(ctx, '/b.vhd', '/a.vhd');
  await write(ctx, '/b.vhd', 0, Buffer.alloc(512, 2));
  await rm(path.join(root, 'a.vhd'));
  const e = await t.throwsAsync(openChain(ctx, '/b.vhd'), { instanceOf: VhdParentMissingError });
  t.is(e?.parentPath, '/a.vhd');
  await nothingWritten(t, root, '/b.vhd', VhdParentMissingError);
  const before = await fingerprint(root);
  await t.throwsAsync(coalesceVhd(ctx, '/b.vhd'), { instanceOf: VhdParentMissingError });
  await t.throwsAsync(setParent(ctx, '/b.vhd', '/nowhere.vhd'), { instanceOf: VhdParentMissingError });
  await t.throwsAsync(snapshotVhd(ctx, '/c.vhd', '/nowhere.vhd'), { instanceOf: VhdParentMissingError });
  t.deepEqual(await fingerprint(root), before);
  // The leaf itself still answers a query without its parent (query -u does not open it).
  t.is((await queryVhd(ctx, '/b.vhd')).parentPath, '/a.vhd');
});

test('a missing image is VhdNotFoundError and a read-only chain refuses writes', async (t) => {
  const root = await tmpRoot(t);
  const ctx = { root };
  await t.throwsAsync(queryVhd(ctx, '/none.vhd'), { instanceOf: VhdNotFoundError });
  await t.throwsAsync(setHidden(ctx, '/none.vhd', true), { instanceOf: VhdNotFoundError });
  await createVhd(ctx, '/a.vhd', { sizeBytes: 4 * MiB });
  const chain = await openChain(ctx, '/a.vhd');
  await t.throwsAsync(writeChain(chain, 0, Buffer.alloc(1)), { message: /read-only/ });
  await t.throwsAsync(readChain(chain, 4 * MiB - 1, 2), { message: /outside the virtual disk/ });
  await chain.close();
  t.is((await readFile(path.join(root, 'a.vhd'))).length, 3584, 'an empty 4 MiB image: footer copy, header, BAT, batmap, footer');
  await writeFile(path.join(root, 'junk.vhd'), Buffer.alloc(4096, 0));
  await t.throwsAsync(queryVhd(ctx, '/junk.vhd'), { instanceOf: VhdFormatError, message: /footer cookie/ });
});

test('a snapshot never overwrites an image of its own parent chain', async (t) => {
  const root = await tmpRoot(t);
  const ctx = { root };
  await createVhd(ctx, '/a.vhd', { sizeBytes: 4 * MiB });
  await write(ctx, '/a.vhd', 0, Buffer.alloc(512, 1));
  await snapshotVhd(ctx, '/b.vhd', '/a.vhd');
  const before = await fingerprint(root);
  await t.throwsAsync(snapshotVhd(ctx, '/a.vhd', '/b.vhd', { noEmptyCheck: true }), { message: /own parent chain/ });
  await t.throwsAsync(snapshotVhd(ctx, '/b.vhd', '/b.vhd', { noEmptyCheck: true }), { message: /own parent chain/ });
  t.deepEqual(await fingerprint(root), before);
});
