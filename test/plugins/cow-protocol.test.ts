/**
 * Every cowutil wrapper of the plugin answers both argument shapes: the pre-2026 one (no vdiType,
 * setSizeVirt's `jfile`) and LinstorCowUtil's (vdiType always sent, `jFile`), with the same effect;
 * only `check` (CheckResult) and `coalesce` (bytes) answer a 2026 caller differently.
 */
import test from 'ava';
import { open } from 'node:fs/promises';
import { hostPath } from '../../lib/host/env.js';
import { createVhd, openChain, queryVhd, readChain, snapshotVhd, writeChain } from '../../lib/vhd/index.js';
import { controllerOn, seedResource, tmpPool } from '../sim/pool/helpers.js';
import { callPlugin } from '../../sim/fixtures/plugin.js';

const dev = (rd: string) => `/dev/drbd/by-res/${rd}/0`;
const MIB = 1024 * 1024;
const SHAPES = { old: {}, new: { vdiType: 'vhd' } } as const;
type Shape = keyof typeof SHAPES;

test('both argument shapes: same answers from the getters, same effect from the writers; check and coalesce in each protocol\'s units', async (t) => {
  const pool = await tmpPool(t, 2);
  const api = await controllerOn(pool, 'host1');
  const ctx = { root: pool.spec.hosts[1]!.root };
  const names = (shape: Shape) => ({ base: `xcp-volume-${shape}-base`, leaf: `xcp-volume-${shape}-leaf`, other: `xcp-volume-${shape}-other` });
  for (const shape of Object.keys(SHAPES) as Shape[]) {
    const n = names(shape);
    for (const rd of [n.base, n.leaf, n.other]) await seedResource(api, pool, rd, ['host1', 'host2'], [], 40 * 1024);
    await createVhd(ctx, dev(n.base), { sizeBytes: 16 * MIB, maxSizeBytes: 64 * MIB });
    await createVhd(ctx, dev(n.other), { sizeBytes: 16 * MIB, maxSizeBytes: 64 * MIB });
    await snapshotVhd(ctx, dev(n.leaf), dev(n.base));
    const leaf = await openChain(ctx, dev(n.leaf), { writable: true });
    await writeChain(leaf, 3 * MIB, Buffer.alloc(8192, 0x5a));
    await leaf.close();
  }
  const on = (shape: Shape, fn: string, devicePath: string, extra: Record<string, string> = {}) =>
    callPlugin(pool, 'host2', fn, { devicePath, groupName: 'linstor_group/thin_device', ...SHAPES[shape], ...extra });

  const getters = ['hasParent', 'getSizeVirt', 'getSizePhys', 'getAllocatedSize', 'getMaxResizeSize', 'getDepth', 'getKeyHash', 'getBlockBitmap'];
  for (const fn of getters) t.is(await on('new', fn, dev(names('new').leaf)), await on('old', fn, dev(names('old').leaf)), fn);

  t.is(await on('old', 'check', dev(names('old').leaf)), 'True');
  t.is(await on('new', 'check', dev(names('new').leaf)), '0', 'CheckResult.Success');
  t.is(await on('new', 'check', dev('xcp-volume-absent')), '2', 'CheckResult.Unavailable: no such device here');
  await t.throwsAsync(on('old', 'check', dev('xcp-volume-absent')), { message: /XENAPI_PLUGIN_FAILURE/ }, 'an old caller gets the failure it always got');

  for (const shape of Object.keys(SHAPES) as Shape[]) {
    const n = names(shape);
    const journal: Record<string, string> = shape === 'old' ? { jfile: `/tmp/${n.other}.jvhd` } : { jFile: `/tmp/${n.other}.jvhd` };
    t.is(await on(shape, 'setSizeVirtFast', dev(n.other), { size: String(24 * MIB) }), '');
    t.is(await on(shape, 'setSizeVirt', dev(n.other), { size: String(32 * MIB), ...journal }), '');
    t.is((await queryVhd(ctx, dev(n.other))).virtualSize, 32 * MIB, `${shape}: resized`);
    t.is(await on(shape, 'setParent', dev(n.leaf), { parentPath: dev(n.other), parentRaw: 'False' }), '');
    t.is((await queryVhd(ctx, dev(n.leaf))).parentPath, dev(n.other), `${shape}: reparented`);
    t.is(await on(shape, 'setParent', dev(n.leaf), { parentPath: dev(n.base), parentRaw: 'False' }), '');
    t.is(await on(shape, 'repair', dev(n.base)), '');
    const physical = (await queryVhd(ctx, dev(n.base))).physicalSize;
    t.is(await on(shape, 'deflate', dev(n.base), { newSize: String(physical), oldSize: String(40 * MIB), zeroize: 'False' }), '');
  }
  // coalesce: 8 KiB merged = 16 sectors to an old caller, 8192 bytes to a 2026 one.
  t.is(await on('old', 'coalesce', dev(names('old').leaf)), '16');
  t.is(await on('new', 'coalesce', dev(names('new').leaf)), '8192');
  for (const shape of Object.keys(SHAPES) as Shape[]) {
    const base = await openChain(ctx, dev(names(shape).base));
    t.deepEqual(await readChain(base, 3 * MIB, 8192), Buffer.alloc(8192, 0x5a), `${shape}: merged into the parent`);
    await base.close();
  }

  // A damaged image is a Fail (not a plugin failure) for a 2026 caller.
  const fh = await open(hostPath(ctx.root, dev(names('new').other)), 'r+');
  await fh.write(Buffer.alloc(512, 0xff), 0, 512, 0);
  await fh.close();
  t.is(await on('new', 'check', dev(names('new').other)), '1', 'CheckResult.Fail');
});
