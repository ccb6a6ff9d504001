// A slave's thin inflate and the ownerless volume lock (spec/sm-linstor.md §3.6, §4.3): the slave's own
// resize neither waits for the lock nor removes it, so another slave's lock on the same VDI survives.
import test from 'ava';
import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Journal } from '../../../lib/journal/index.js';
import { inflate } from '../../../lib/thin/thin.js';
import { createVhd } from '../../../lib/vhd/index.js';
import { asVdiUuid, formatTimestamp, VolumeLockedError } from '../../../lib/volume/index.js';
import { startVolumeEnv } from '../volume/volume-env.js';

const A = asVdiUuid('a0000000-0000-4000-8000-0000000000a1');
const MIB = 1024 * 1024;

test('a slave inflating under its own lock grows the volume without clearing the lock; without the flag the live lock blocks', async (t) => {
  const env = await startVolumeEnv(t);
  const root = await mkdtemp(path.join(os.tmpdir(), 'inflate-lock-'));
  await createVhd({ root }, '/a.vhd', { sizeBytes: 16 * MIB });
  const before = await env.open({ timeScale: 0.001 });
  await before.create(A, 8 * MIB);
  // The lock another slave (or this one) asked the master for: live for the whole test.
  const lock = formatTimestamp(Date.now() + 3_600_000);
  await env.seedKv({ [`xcp/volume/${A}/readonly-timestamp`]: lock });

  const volumes = await env.open({ timeScale: 0.001 });
  const journal = new Journal(volumes.journalStore(), env.logger);
  const deps = { volumes, journal, root, faults: undefined, log: env.logger };
  await t.throwsAsync(inflate(deps, A, '/a.vhd', 40 * MIB), { instanceOf: VolumeLockedError }, 'the master or GC waits for a live lock');
  await journal.remove('inflate', A);

  await inflate({ ...deps, holdsVolumeLock: true }, A, '/a.vhd', 40 * MIB);
  const raw = await env.rawKv();
  t.is(raw[`xcp/volume/${A}/readonly-timestamp`] ?? raw[`/xcp/volume/${A}/readonly-timestamp`], lock, 'the lock is still there');
  t.true((await volumes.sizes(A))!.usableBytes >= 40 * MIB);
  t.is((await journal.getAll('inflate')).size, 0);
});
