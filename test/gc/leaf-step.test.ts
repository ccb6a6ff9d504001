/**
 * The collector's leaf-coalesce step decides how to merge a leaf from who uses it, under the SR lock.
 * A slave's attach or activation that took the volume lock before (plugin lockVdi, through that same
 * SR lock) goes on without it: the decision must not be made while such a verb is under way. The
 * soak's case: the step waited for the lock, then merged "offline" a leaf that a VM had just opened on
 * another host, and the VM's next writes went to the volume set aside and destroyed.
 */
import test from 'ava';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { leafStep } from '../../gc/leaf-step.js';
import { Journal } from '../../lib/journal/index.js';
import { MemorySink } from '../../lib/log/logger.js';
import { asVdiUuid, VolumeManager } from '../../lib/volume/index.js';
import { silentLogger } from '../../sim/fixtures/silent-logger.js';
import { contentOf, gcContextOn } from './helpers.js';
import { buildChain, parents } from '../../sim/fixtures/chain.js';
import { createdSr } from '../../sim/fixtures/sr-create.js';
import { openVolumes } from '../../sim/fixtures/volumes.js';
import type { UnderLock } from '../../gc/coalesce.js';

const P = '77777777-6666-4666-8666-000000000001';
const L = '77777777-6666-4666-8666-000000000002';
const MiB = 2 ** 20;

test('a leaf whose volume a slave verb holds locked is left for a later pass, even when the lock ends while the step runs', async (t) => {
  t.timeout(5 * 60_000);
  const fx = await createdSr(t);
  await buildChain(fx, [
    { uuid: P, label: 'base copy', hidden: true, writes: [{ offset: 0, length: 2 * MiB, fill: 0x51 }] },
    { uuid: L, label: 'disk', parent: P, writes: [{ offset: MiB, length: MiB, fill: 0x52 }] },
  ]);
  const [leafBefore, parentsBefore] = [await contentOf(fx, L), await parents(fx)];
  const resource = (await openVolumes(fx)).resourceName(asVdiUuid(L));
  // host2's activation, past its lockVdi: it opens the leaf there, then its lockVdi False drops the lock.
  const finishActivation = async () => {
    const openers = path.join(fx.pool.runtime.host('host2').spec.root, `sys/kernel/debug/drbd/resources/${resource}/volumes/0/openers`);
    await mkdir(path.dirname(openers), { recursive: true });
    await writeFile(openers, 'tapdisk 4242 1000\n');
    await (await openVolumes(fx)).unlock(asVdiUuid(L));
  };
  await (await openVolumes(fx)).lock(asVdiUuid(L));
  const ctx = gcContextOn(fx, new MemorySink(), () => Promise.reject(new Error('no plugin call expected')));
  let waits = 0;
  const underLock: UnderLock = async (fn) => {
    const volumes = await VolumeManager.open({
      linstor: fx.linstor,
      groupName: fx.groupName,
      logger: silentLogger(),
      timeScale: 0.01,
      // The slave's verb ends while the collector would wait for its lock.
      sleep: async () => {
        waits += 1;
        if (waits === 1) await finishActivation();
      },
    });
    return fn(volumes, new Journal(volumes.journalStore(), ctx.log), new Map());
  };
  const r = await leafStep(ctx, underLock, { leaf: L, parent: P, leafBytes: MiB, rounds: [] });
  t.is(r.kind, 'skip', JSON.stringify(r));
  t.regex(r.kind === 'skip' ? r.reason : '', new RegExp(`a slave verb holds the volume lock of ${L}`));
  t.is(waits, 0, 'the step did not wait for the lock');
  t.deepEqual(await parents(fx), parentsBefore, 'nothing renamed');
  t.is((await openVolumes(fx)).resourceName(asVdiUuid(L)), resource, 'the leaf keeps its volume');
  t.true((await contentOf(fx, L)).equals(leafBefore));
});
