// The SR context builds what it is asked for once, reaches LINSTOR the way its caller says, and closes
// only the client it made itself.
import test from 'ava';
import type { Exec } from '../../../lib/exec/run.js';
import type { LinstorApi } from '../../../lib/linstor/index.js';
import { openSrContext } from '../../../lib/sr-context/sr-context.js';
import { asVdiUuid } from '../../../lib/volume/index.js';
import { GROUP, startVolumeEnv } from '../volume/volume-env.js';

const env = { root: '/nonexistent', timeScale: 0.001 };
const exec: Exec = () => Promise.reject(new Error('no command runs in this test'));
const GiB = 1024 ** 3;

/** `client` with its close() counted. */
function counted(client: LinstorApi): { client: LinstorApi; closes: () => number } {
  let closes = 0;
  return { client: Object.assign(Object.create(client) as LinstorApi, { close: async () => void (closes += 1) }), closes: () => closes };
}

test('a borrowed client serves the volume manager and the journal, and the context never closes it', async (t) => {
  const ve = await startVolumeEnv(t);
  await (await ve.open()).create(asVdiUuid('00000000-0000-4000-8000-000000000001'), GiB);
  const { client, closes } = counted(ve.client);
  const sr = openSrContext({ env, log: ve.logger, exec, groupName: GROUP, client });
  t.is(await sr.linstor(), client);
  const volumes = await sr.volumes();
  t.deepEqual(volumes.list(), ['00000000-0000-4000-8000-000000000001']);
  t.is(await sr.volumes(), volumes, 'memoized');
  await (await sr.journal()).create('clone', 'x', 'v');
  t.is(await (await sr.journal()).get('clone', 'x'), 'v');
  await sr.close();
  t.is(closes(), 0);
  t.is(sr.xapi, undefined);
});

test('a context without a XAPI session connects through its connect(), once, and closes that client', async (t) => {
  const ve = await startVolumeEnv(t);
  const made = counted(ve.client);
  let connects = 0;
  const sr = openSrContext({ env, log: ve.logger, exec, groupName: GROUP, connect: async () => ((connects += 1), made.client) });
  await Promise.all([sr.volumes(), sr.journal(), sr.linstor()]);
  t.is(connects, 1);
  sr.forgetVolumes();
  await sr.volumes();
  t.is(connects, 1, 'forgetting the volumes keeps the client');
  await sr.close();
  t.is(made.closes(), 1);
});

test('without a XAPI session or a way to LINSTOR, the context refuses clearly instead of guessing', async (t) => {
  const sr = openSrContext({ env, log: (await startVolumeEnv(t)).logger, exec, groupName: GROUP });
  await t.throwsAsync(sr.volumes(), { message: /needs a way to reach LINSTOR/ });
  await t.throwsAsync(sr.thisHost(), { message: /needs a XAPI session/ });
  await sr.close();
});

test('freshVolumes reads LINSTOR again without replacing the memoized manager', async (t) => {
  const ve = await startVolumeEnv(t);
  const sr = openSrContext({ env, log: ve.logger, exec, groupName: GROUP, client: ve.client });
  const first = await sr.volumes();
  await (await ve.open()).create(asVdiUuid('00000000-0000-4000-8000-000000000002'), GiB);
  t.deepEqual(first.list(), [], 'the memoized manager is the first read');
  t.deepEqual((await sr.freshVolumes()).list(), ['00000000-0000-4000-8000-000000000002']);
  t.is(await sr.volumes(), first, 'a fresh read does not replace the memoized one');
  sr.forgetVolumes();
  t.deepEqual((await sr.volumes()).list(), ['00000000-0000-4000-8000-000000000002']);
});
