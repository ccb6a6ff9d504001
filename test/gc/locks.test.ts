import test from 'ava';
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { abortFlagPath, GcAbortedError, GcLocks } from '../../gc/locks.js';
import { SmLocks } from '../../lib/host/sm-lock.js';

const SR = '99999999-8888-4777-8666-555555555555';

/** The collector's locks, and a second helper process standing for the driver (fcntl locks are per process). */
async function setup(t: { teardown(fn: () => Promise<void>): void }, timeScale: number) {
  const root = await mkdtemp(path.join(os.tmpdir(), 'gc-locks-'));
  const ours = new SmLocks({ root });
  const driver = new SmLocks({ root });
  t.teardown(() => ours.close());
  t.teardown(() => driver.close());
  return { root, driver, gc: new GcLocks({ locks: ours, sr: SR, env: { root, timeScale } }) };
}

test('the SR lock: taken at once when free; waited for while the driver holds it; released after the work', async (t) => {
  const { driver, gc } = await setup(t, 0.01);
  t.is(await gc.withSrLock(async () => 'free'), 'free');
  const held = await driver.acquire(SR, 'sr');
  let ran = false;
  const waiting = gc.withSrLock(async () => {
    ran = true;
    return 'after the driver';
  });
  // The driver's verb ends after a few of our polls.
  await new Promise((r) => setTimeout(r, 50));
  t.false(ran, 'not while the driver holds it');
  await held.release();
  t.is(await waiting, 'after the driver');
  // Ours is released: the driver takes it without waiting.
  await (await driver.tryAcquire(SR, 'sr')).release();
});

test('the SR lock wait gives up at an abort request, and after sm’s budget', async (t) => {
  const { root, driver, gc } = await setup(t, 0.001);
  const held = await driver.acquire(SR, 'sr');
  const flag = path.join(root, abortFlagPath(SR));
  // sm's 300 s budget, scaled to 0.3 s.
  await t.throwsAsync(gc.withSrLock(async () => 'never'), { instanceOf: GcAbortedError, message: /could not get the SR lock/ });
  await mkdir(path.dirname(flag), { recursive: true });
  await writeFile(flag, '1\n');
  await t.throwsAsync(gc.withSrLock(async () => 'never'), { instanceOf: GcAbortedError, message: 'Abort requested' });
  await held.release();
});
