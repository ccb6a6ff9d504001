import test from 'ava';
import { inflateSync } from 'node:zlib';
import { createVhd, snapshotVhd, writeChain, openChain } from '../../lib/vhd/index.js';
import { controllerOn, seedResource, tmpPool } from '../sim/pool/helpers.js';
import { callPlugin } from '../../sim/fixtures/plugin.js';

const BASE = '/dev/drbd/by-res/xcp-volume-base/0';
const LEAF = '/dev/drbd/by-res/xcp-volume-leaf/0';
const MIB = 1024 * 1024;

test('the VHD getters answer from this host\'s device, in vhd-util\'s units', async (t) => {
  const pool = await tmpPool(t, 2);
  const api = await controllerOn(pool, 'host1');
  await seedResource(api, pool, 'xcp-volume-base', ['host1', 'host2'], [], 24 * 1024);
  await seedResource(api, pool, 'xcp-volume-leaf', ['host1'], ['host2'], 24 * 1024);
  const ctx = { root: pool.spec.hosts[0]!.root };
  await createVhd(ctx, BASE, { sizeBytes: 16 * MIB, maxSizeBytes: 64 * MIB });
  const chain = await openChain(ctx, BASE, { writable: true });
  await writeChain(chain, 3 * MIB, Buffer.alloc(4096, 7));
  await chain.close();
  await snapshotVhd(ctx, LEAF, BASE);
  const on = (host: string, fn: string, devicePath: string, extra: Record<string, string> = {}) =>
    callPlugin(pool, host, fn, { devicePath, groupName: 'linstor_group/thin_device', ...extra });
  t.is(await on('host2', 'getSizeVirt', BASE), String(16 * MIB));
  t.is(await on('host2', 'getAllocatedSize', BASE), String(2 * MIB), 'one 2 MiB block');
  t.is(await on('host1', 'getMaxResizeSize', BASE), '64');
  t.is(await on('host1', 'hasParent', BASE), 'False');
  t.is(await on('host2', 'hasParent', LEAF), 'True', 'read through the diskless on host2');
  t.is(await on('host1', 'getDepth', LEAF), '2');
  t.is(await on('host1', 'getDrbdSize', BASE), String(24 * 1024 * 1024));
  t.is(await on('host1', 'check', LEAF), 'True');
  t.is(await on('host1', 'getKeyHash', BASE), '');
  const bitmap = inflateSync(Buffer.from(await on('host1', 'getBlockBitmap', BASE), 'base64'));
  t.is(bitmap[0], 0b01000000, 'block 1 (bytes 2–4 MiB) allocated, MSB first');
  t.regex(await on('host1', 'getSizePhys', BASE), /^\d+$/);
  await t.throwsAsync(on('host1', 'getSizeVirt', '/etc/shadow'), { message: /devicePath must be/ });
});
