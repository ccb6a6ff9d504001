// The inflate journal's replay (master, under the SR lock): an entry whose owner still holds the volume
// lock — a slave inflating right now — is never touched; once the owner is done (entry gone) or its lock
// has expired (the owner died), the replay does its work.
import test from 'ava';
import { mkdtemp, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Journal } from '../../../lib/journal/index.js';
import { replayInflateJournal } from '../../../lib/thin/thin.js';
import { createVhd, setPhysicalSize } from '../../../lib/vhd/index.js';
import { asVdiUuid, formatTimestamp } from '../../../lib/volume/index.js';
import { startVolumeEnv } from '../volume/volume-env.js';

const A = asVdiUuid('a0000000-0000-4000-8000-0000000000a2');
const MIB = 1024 * 1024;

/** Where the footer ends: the image is a plain file here, whose size follows the footer. */
async function footerEnd(root: string): Promise<number> {
  return (await stat(path.join(root, 'a.vhd'))).size;
}

async function setup(t: Parameters<typeof startVolumeEnv>[0]) {
  const env = await startVolumeEnv(t);
  const root = await mkdtemp(path.join(os.tmpdir(), 'inflate-replay-'));
  await createVhd({ root }, '/a.vhd', { sizeBytes: 16 * MIB });
  const small = await footerEnd(root);
  await (await env.open()).create(A, 8 * MIB);
  // The slave's inflate got as far as moving the footer to the grown end.
  await setPhysicalSize({ root }, '/a.vhd', 8 * MIB);
  return { env, root, small };
}

test('an entry whose owner holds a live volume lock is left alone, and done once the lock expires', async (t) => {
  const { env, root, small } = await setup(t);
  // Scaled: the lock lives 60 ms, the wait for it gives up after 65 ms.
  await env.seedKv({ [`xcp/sr/journal/inflate/${A}`]: String(small), [`xcp/volume/${A}/readonly-timestamp`]: formatTimestamp(Date.now() + 3_600_000) });
  const volumes = await env.open({ timeScale: 0.001 });
  const journal = new Journal(volumes.journalStore(), env.logger);
  const deps = { volumes, journal, root, faults: undefined, log: env.logger };
  await replayInflateJournal(deps, async () => '/a.vhd');
  t.is(await footerEnd(root), 8 * MIB, 'the running inflate is not undone');
  t.is((await journal.getAll('inflate')).size, 1, 'its entry stays');

  await env.seedKv({ [`xcp/volume/${A}/readonly-timestamp`]: formatTimestamp(Date.now() - 3_600_000) });
  const later = await env.open({ timeScale: 0.001 });
  const laterJournal = new Journal(later.journalStore(), env.logger);
  await replayInflateJournal({ ...deps, volumes: later, journal: laterJournal }, async () => '/a.vhd');
  t.true(await footerEnd(root) < 8 * MIB, 'an owner gone (lock expired): undone');
  t.is((await laterJournal.getAll('inflate')).size, 0);
});

test('an entry its owner removes while the replay waits for the lock is not replayed', async (t) => {
  const { env, root, small } = await setup(t);
  await env.seedKv({ [`xcp/sr/journal/inflate/${A}`]: String(small), [`xcp/volume/${A}/readonly-timestamp`]: formatTimestamp(Date.now()) });
  const volumes = await env.open({ timeScale: 0.05 });
  const journal = new Journal(volumes.journalStore(), env.logger);
  // The owner finishes 20 ms later: it drops its entry, then its lock.
  const owner = (async () => {
    await new Promise((resolve) => setTimeout(resolve, 20));
    const mine = await env.open();
    await new Journal(mine.journalStore(), env.logger).remove('inflate', A);
    await mine.unlock(A);
  })();
  await replayInflateJournal({ volumes, journal, root, faults: undefined, log: env.logger }, async () => '/a.vhd');
  await owner;
  t.is(await footerEnd(root), 8 * MIB, 'the finished inflate is kept');
});
