// A VHD written straight onto a block device, as on a DRBD device on dom0: the size comes from the
// device (fstat says 0, toolchain.md §4), the footer sits at its end, and the device is never resized.
import test from 'ava';
import { spawnSync } from 'node:child_process';
import { mkdir, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { createVhd, openChain, queryVhd, readChain, writeChain, checkVhd } from '../../../lib/vhd/index.js';
import { assertSameBytes, ORACLES, pattern, qemuRaw, tmpRoot } from './helpers.js';

const MiB = 2 ** 20;

function attachLoop(file: string): string | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const r = spawnSync('losetup', ['--find', '--show', file], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : undefined;
}

const probe = spawnSync('losetup', ['--version'], { stdio: 'ignore' }).status === 0 && process.getuid?.() === 0;
(probe ? test : test.skip)(`a VHD on a loop block device${probe ? '' : ' (skipped: needs root and losetup)'}`, async (t) => {
  const root = await tmpRoot(t);
  const backing = path.join(root, 'backing.img');
  await writeFile(backing, '');
  spawnSync('truncate', ['-s', String(24 * MiB), backing]);
  const device = attachLoop(backing);
  if (!device) {
    t.log('losetup could not attach a loop device here; nothing to test');
    t.pass();
    return;
  }
  t.teardown(() => {
    spawnSync('losetup', ['-d', device]);
  });
  await mkdir(path.join(root, 'dev/drbd/by-res/bd'), { recursive: true });
  await symlink(device, path.join(root, 'dev/drbd/by-res/bd/0'));
  const ctx = { root };
  const p = '/dev/drbd/by-res/bd/0';
  await createVhd(ctx, p, { sizeBytes: 16 * MiB });
  const data = pattern(5 * MiB + 77, 3);
  const chain = await openChain(ctx, p, { writable: true });
  t.true(chain.leaf.container.isBlockDevice);
  t.is(chain.leaf.container.size, 24 * MiB);
  await writeChain(chain, 1234, data);
  const back = await readChain(chain, 1234, data.length);
  await chain.close();
  assertSameBytes(t, back, data);
  t.is((await queryVhd(ctx, p)).virtualSize, 16 * MiB);
  t.true((await checkVhd(ctx, p)).ok);
  if (ORACLES.qemu) {
    const model = Buffer.alloc(16 * MiB);
    data.copy(model, 1234);
    assertSameBytes(t, await qemuRaw(device, root), model, 'qemu-img reads the device');
  }
});
