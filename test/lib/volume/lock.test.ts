// The volume lock (spec/sm-linstor.md §3.6) with a small time scale: 60 s become 60 ms.
import test from 'ava';
import { asVdiUuid, formatTimestamp, VolumeLockedError } from '../../../lib/volume/index.js';
import { startVolumeEnv } from './volume-env.js';

const A = asVdiUuid('a0000000-0000-4000-8000-000000000001');
const B = asVdiUuid('b0000000-0000-4000-8000-000000000002');

test('lock writes str(time.time()); unlock removes it', async (t) => {
  const env = await startVolumeEnv(t);
  const volumes = await env.open({ nowMs: () => 1_700_000_000_250 });
  await volumes.create(A, 1024 ** 3);
  await volumes.lock(A);
  t.is((await env.rawKv())[`xcp/volume/${A}/readonly-timestamp`], '1700000000.25');
  await volumes.unlock(A);
  t.is((await env.rawKv())[`xcp/volume/${A}/readonly-timestamp`], undefined);
});

test('a live lock makes mutations wait, then fail with VolumeLockedError after the bounded wait', async (t) => {
  const env = await startVolumeEnv(t);
  const volumes = await env.open({ timeScale: 0.001 });
  await volumes.create(A, 1024 ** 3);
  // Another host holds the lock (a timestamp ahead of our clock stays live through the whole wait).
  await env.seedKv({ [`xcp/volume/${A}/readonly-timestamp`]: formatTimestamp(Date.now() + 3_600_000) });
  const fresh = await env.open({ timeScale: 0.001 });
  const error = await t.throwsAsync(fresh.setMetadata(A, { name_label: 'x' }, { timeoutMs: 100_000 }), { instanceOf: VolumeLockedError });
  t.is(error.vdiUuid, A);
  t.true(error.waitedMs >= 100);
  t.is((await env.rawKv())[`xcp/volume/${A}/metadata`], undefined, 'nothing written');
});

test('a lock released while waiting lets the operation go on; an expired one is removed', async (t) => {
  const env = await startVolumeEnv(t);
  const volumes = await env.open({ timeScale: 0.002 }); // expiry 120 ms, poll 2 ms
  await volumes.create(A, 1024 ** 3);
  await volumes.create(B, 1024 ** 3);
  await env.seedKv({ [`xcp/volume/${A}/readonly-timestamp`]: formatTimestamp(Date.now()) });
  const waiter = await env.open({ timeScale: 0.002 });
  setTimeout(() => void env.client.keyValueStore.modify('xcp-sr-linstor_group_thin_device', { delete_props: [`/xcp/volume/${A}/readonly-timestamp`] }), 30);
  const start = Date.now();
  await waiter.setMetadata(A, { name_label: 'after unlock' });
  t.true(Date.now() - start >= 25);
  t.is((await waiter.getMetadata(A)).name_label, 'after unlock');
  // Expired (older than 60 s scaled) and garbage timestamps are popped without waiting.
  await env.seedKv({ [`xcp/volume/${A}/readonly-timestamp`]: formatTimestamp(Date.now() - 1000), [`xcp/volume/${B}/readonly-timestamp`]: 'garbage' });
  const other = await env.open({ timeScale: 0.002 });
  await other.ensureNotLocked([A, B]);
  const raw = await env.rawKv();
  t.is(raw[`xcp/volume/${A}/readonly-timestamp`], undefined);
  t.is(raw[`xcp/volume/${B}/readonly-timestamp`], undefined);
});

test('the wait ends even when the injected clock does not move', async (t) => {
  const env = await startVolumeEnv(t);
  const volumes = await env.open({ timeScale: 0.001, nowMs: () => 1_700_000_000_000 });
  await volumes.create(A, 1024 ** 3);
  await volumes.lock(A);
  const error = await t.throwsAsync(volumes.destroy(A), { instanceOf: VolumeLockedError });
  t.true(error.waitedMs >= 65);
  t.deepEqual(volumes.list(), [A]);
});
