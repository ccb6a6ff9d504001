// Re-pointing a /dev/sm link is atomic: a reader never finds it missing while it moves.
import test from 'ava';
import { mkdtemp, readdir, readlink } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { ensureSymlink, replaceSymlink } from '../../../lib/blktap/links.js';

test('a link re-pointed over and over is never missing for a reader, and leaves nothing beside it', async (t) => {
  const root = await mkdtemp(path.join(os.tmpdir(), 'links-'));
  const link = '/dev/sm/phy/sr/vdi';
  await ensureSymlink(root, link, '/dev/drbd/by-res/xcp-volume-a/0');
  let writing = true;
  let reads = 0;
  const reader = (async () => {
    while (writing) {
      const target = await readlink(path.join(root, link));
      t.regex(target, /^\/dev\/drbd\/by-res\/xcp-volume-[ab]\/0$/);
      reads += 1;
      await new Promise((resolve) => setImmediate(resolve));
    }
  })();
  for (let i = 0; i < 300; i += 1) await replaceSymlink(root, link, `/dev/drbd/by-res/xcp-volume-${i % 2 ? 'a' : 'b'}/0`);
  writing = false;
  await reader;
  t.true(reads > 0);
  t.is(await readlink(path.join(root, link)), '/dev/drbd/by-res/xcp-volume-a/0');
  t.deepEqual(await readdir(path.join(root, '/dev/sm/phy/sr')), ['vdi']);
});
