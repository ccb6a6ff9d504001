import test from 'ava';
import { readFile } from 'node:fs/promises';
import { createVhd, openChain, queryVhd, readChain, setKeyHash, snapshotVhd, writeChain } from '../../lib/vhd/index.js';
import { hostPath } from '../../lib/host/env.js';
import { controllerOn, seedResource, tmpPool } from '../sim/pool/helpers.js';
import { callPlugin } from '../../sim/fixtures/plugin.js';

const dev = (rd: string) => `/dev/drbd/by-res/${rd}/0`;
const MIB = 1024 * 1024;

test('setParent, setSizeVirtFast, setSizeVirt and deflate change the VHD on the host that runs them', async (t) => {
  const pool = await tmpPool(t, 2);
  const api = await controllerOn(pool, 'host1');
  for (const rd of ['xcp-volume-a', 'xcp-volume-b', 'xcp-volume-leaf']) await seedResource(api, pool, rd, ['host1', 'host2'], [], 40 * 1024);
  const ctx = { root: pool.spec.hosts[1]!.root };
  const on = (fn: string, args: Record<string, string>) => callPlugin(pool, 'host2', fn, args);
  // Two parents with different content, a leaf over A; setParent moves it over B.
  for (const [rd, byte] of [['xcp-volume-a', 0xaa], ['xcp-volume-b', 0xbb]] as const) {
    await createVhd(ctx, dev(rd), { sizeBytes: 16 * MIB, maxSizeBytes: 64 * MIB });
    const chain = await openChain(ctx, dev(rd), { writable: true });
    await writeChain(chain, MIB, Buffer.alloc(4096, byte));
    await chain.close();
  }
  await snapshotVhd(ctx, dev('xcp-volume-leaf'), dev('xcp-volume-a'));
  t.is(await on('setParent', { devicePath: dev('xcp-volume-leaf'), parentPath: dev('xcp-volume-b'), parentRaw: 'False' }), '');
  t.is((await queryVhd(ctx, dev('xcp-volume-leaf'))).parentPath, dev('xcp-volume-b'));
  const leaf = await openChain(ctx, dev('xcp-volume-leaf'));
  t.deepEqual(await readChain(leaf, MIB, 4096), Buffer.alloc(4096, 0xbb), 'the leaf now reads its new parent');
  await leaf.close();

  t.is(await on('setSizeVirtFast', { devicePath: dev('xcp-volume-a'), size: String(32 * MIB) }), '');
  t.is((await queryVhd(ctx, dev('xcp-volume-a'))).virtualSize, 32 * MIB);
  t.is(await on('setSizeVirt', { devicePath: dev('xcp-volume-a'), size: String(48 * MIB), jfile: '/tmp/xcp-volume-a.jvhd' }), '');
  t.is((await queryVhd(ctx, dev('xcp-volume-a'))).virtualSize, 48 * MIB);
  await t.throwsAsync(on('setSizeVirt', { devicePath: dev('xcp-volume-a'), size: String(128 * MIB), jfile: '/tmp/j' }), { message: /fast resize|max/ });
  t.is((await queryVhd(ctx, dev('xcp-volume-a'))).virtualSize, 48 * MIB, 'a refused resize changes nothing');

  // deflate: the footer moves in from the device's end; zeroize wipes the one left at the old end.
  const device = 40 * MIB;
  const info = await queryVhd(ctx, dev('xcp-volume-b'));
  t.is(await on('deflate', { devicePath: dev('xcp-volume-b'), newSize: String(info.physicalSize), oldSize: String(device), zeroize: 'True', groupName: 'linstor_group/thin_device' }), '');
  const raw = await readFile(hostPath(ctx.root, dev('xcp-volume-b')));
  t.deepEqual(raw.subarray(device - 512, device), Buffer.alloc(512), 'old footer wiped');
  t.is(raw.subarray(info.physicalSize - 512, info.physicalSize - 504).toString('latin1'), 'conectix', 'footer at the new end');
  const b = await openChain(ctx, dev('xcp-volume-b'));
  t.deepEqual(await readChain(b, MIB, 4096), Buffer.alloc(4096, 0xbb), 'data intact after deflate');
  await b.close();
  t.is(await on('deflate', { devicePath: dev('xcp-volume-b'), newSize: String(device), oldSize: String(info.physicalSize), zeroize: 'True', groupName: 'g' }), '', 'growing is a no-op');
  t.is((await readFile(hostPath(ctx.root, dev('xcp-volume-b')))).subarray(info.physicalSize - 512, info.physicalSize - 504).toString('latin1'), 'conectix');
});

test('the setters refuse paths outside /dev/drbd/by-res and bad sizes, changing nothing', async (t) => {
  const pool = await tmpPool(t, 1);
  const api = await controllerOn(pool, 'host1');
  await seedResource(api, pool, 'xcp-volume-a', ['host1'], [], 24 * 1024);
  const ctx = { root: pool.spec.hosts[0]!.root };
  await createVhd(ctx, dev('xcp-volume-a'), { sizeBytes: 16 * MIB, maxSizeBytes: 64 * MIB });
  const on = (fn: string, args: Record<string, string>) => callPlugin(pool, 'host1', fn, args);
  await t.throwsAsync(on('setParent', { devicePath: dev('xcp-volume-a'), parentPath: '/etc/passwd' }), { message: /parentPath must be/ });
  await t.throwsAsync(on('setSizeVirtFast', { devicePath: '/etc/shadow', size: '1' }), { message: /devicePath must be/ });
  await t.throwsAsync(on('setSizeVirtFast', { devicePath: dev('xcp-volume-a'), size: '-5' }), { message: /size must be a byte count/ });
  await t.throwsAsync(on('setSizeVirt', { devicePath: dev('xcp-volume-a'), size: String(32 * MIB) }), { message: /missing argument jfile/ });
  await t.throwsAsync(on('setParent', { devicePath: dev('xcp-volume-a'), parentPath: dev('xcp-volume-a') }), { message: /differencing/ });
  t.is((await queryVhd(ctx, dev('xcp-volume-a'))).virtualSize, 16 * MIB);
});

test('getKeyHash answers the stored hash in hex', async (t) => {
  const pool = await tmpPool(t, 1);
  const api = await controllerOn(pool, 'host1');
  await seedResource(api, pool, 'xcp-volume-k', ['host1'], [], 24 * 1024);
  const ctx = { root: pool.spec.hosts[0]!.root };
  await createVhd(ctx, dev('xcp-volume-k'), { sizeBytes: 16 * MIB, maxSizeBytes: 64 * MIB });
  const hash = Buffer.alloc(32, 0x5a);
  await setKeyHash(ctx, dev('xcp-volume-k'), { hash, nonce: Buffer.alloc(32, 1) });
  t.is(await callPlugin(pool, 'host1', 'getKeyHash', { devicePath: dev('xcp-volume-k') }), hash.toString('hex'));
});
