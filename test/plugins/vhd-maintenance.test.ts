import test from 'ava';
import { open } from 'node:fs/promises';
import { checkVhd, createVhd, openChain, readChain, snapshotVhd, writeChain } from '../../lib/vhd/index.js';
import { hostPath } from '../../lib/host/env.js';
import { controllerOn, seedResource, tmpPool } from '../sim/pool/helpers.js';
import { callPlugin } from '../../sim/fixtures/plugin.js';

const dev = (rd: string) => `/dev/drbd/by-res/${rd}/0`;
const MIB = 1024 * 1024;

test('coalesce merges a VHD into its parent and answers the sector count; repair restores a damaged end footer', async (t) => {
  const pool = await tmpPool(t, 2);
  const api = await controllerOn(pool, 'host1');
  for (const rd of ['xcp-volume-base', 'xcp-volume-leaf']) await seedResource(api, pool, rd, ['host1', 'host2'], [], 40 * 1024);
  const ctx = { root: pool.spec.hosts[1]!.root };
  await createVhd(ctx, dev('xcp-volume-base'), { sizeBytes: 16 * MIB });
  await snapshotVhd(ctx, dev('xcp-volume-leaf'), dev('xcp-volume-base'), { noEmptyCheck: true });
  const leaf = await openChain(ctx, dev('xcp-volume-leaf'), { writable: true });
  await writeChain(leaf, 3 * MIB, Buffer.alloc(8192, 0x5a));
  await leaf.close();

  t.is(await callPlugin(pool, 'host2', 'coalesce', { devicePath: dev('xcp-volume-leaf') }), '16', '8 KiB = 16 sectors');
  const base = await openChain(ctx, dev('xcp-volume-base'));
  t.deepEqual(await readChain(base, 3 * MIB, 8192), Buffer.alloc(8192, 0x5a), 'the parent now holds the data');
  await base.close();
  await t.throwsAsync(callPlugin(pool, 'host2', 'coalesce', { devicePath: dev('xcp-volume-base') }), { message: /XENAPI_PLUGIN_FAILURE/ }, 'no parent to merge into');
  await t.throwsAsync(callPlugin(pool, 'host2', 'coalesce', { devicePath: '/etc/passwd' }), { message: /devicePath must be \/dev\/drbd\/by-res/ });

  // Damage the end footer (the copy at offset 0 stays valid), as a crash in the middle of a move would.
  // On a device the end footer is in the device's last sector.
  const fh = await open(hostPath(ctx.root, dev('xcp-volume-base')), 'r+');
  const end = (await fh.stat()).size - 512;
  await fh.write(Buffer.alloc(512, 0xff), 0, 512, end);
  await fh.close();
  t.false((await checkVhd(ctx, dev('xcp-volume-base'))).ok);
  t.is(await callPlugin(pool, 'host2', 'repair', { devicePath: dev('xcp-volume-base') }), '');
  t.true((await checkVhd(ctx, dev('xcp-volume-base'))).ok, 'repaired');
  t.is(await callPlugin(pool, 'host2', 'repair', { devicePath: dev('xcp-volume-base') }), '', 'nothing to repair: still answers');
});
