// Growing a volume against the LINSTOR simulator, on a clock that only the waits move: the resize waits
// for the replicas to be in sync (polled every second, at most 300 s) and then modifies the size once.
import test from 'ava';
import { makeRetCode, RC } from '../../../lib/linstor/index.js';
import { asVdiUuid, VolumeResizeError, VolumeResizeTimeoutError, type VolumeManager } from '../../../lib/volume/index.js';
import { startVolumeEnv, type VolumeEnv } from './volume-env.js';

const A = asVdiUuid('a0000000-0000-4000-8000-000000000001');
const GiB = 1024 ** 3;
const SYNC_STATUS = 'GET /v1/resource-definitions/{resource}/sync-status';
const RESIZE = 'PUT /v1/resource-definitions/{resource}/volume-definitions/{volume_number}';

/** A simulator and a manager sharing a fake clock that advances by what the manager sleeps (time scale 1). */
async function setup(t: Parameters<typeof startVolumeEnv>[0]): Promise<{ env: VolumeEnv; volumes: VolumeManager; rd: string; clock: { now: number } }> {
  const clock = { now: 1_700_000_000_000 };
  const env = await startVolumeEnv(t, 2, { nowMs: () => clock.now });
  const volumes = await env.open({
    timeScale: 1,
    nowMs: () => clock.now,
    sleep: async (ms) => {
      clock.now += ms;
    },
  });
  const rd = await volumes.create(A, GiB);
  env.sim.controls.resetCounters();
  return { env, volumes, rd, clock };
}

const sizeKib = (env: VolumeEnv, rd: string) => env.sim.state().resourceDefinitions[rd.toUpperCase()]?.vds[0]?.sizeKib;

test('a resize waits, polling every second, until the replicas are in sync, then grows the volume once', async (t) => {
  const { env, volumes, rd, clock } = await setup(t);
  const started = clock.now;
  // A thick volume's initial sync, say: two minutes.
  await env.sim.setSyncing(rd, 120_000);
  await volumes.resize(A, 2 * GiB);
  t.is(sizeKib(env, rd), 2 * 1024 * 1024);
  t.is(clock.now - started, 120_000, 'waited exactly until the resync ended');
  const counted = env.sim.controls.counters().byRoute;
  t.is(counted[SYNC_STATUS], 121, 'one poll per second, the last one synced');
  t.is(counted[RESIZE], 1, 'a single modify, after the wait');
});

test('a resync that outlasts 300 s fails with the Python message and leaves the size alone', async (t) => {
  const { env, volumes, rd, clock } = await setup(t);
  const started = clock.now;
  await env.sim.setSyncing(rd, 3_600_000);
  const error = await t.throwsAsync(volumes.resize(A, 2 * GiB), { instanceOf: VolumeResizeTimeoutError });
  t.is(error.message, `Volume resizing of \`${A}\` from SR \`xcp-sr-linstor_group_thin_device\` is incomplete: timeout reached but it continues in background.`);
  t.is(clock.now - started, 300_000);
  t.is(sizeKib(env, rd), 1024 * 1024);
  t.is(env.sim.controls.counters().byRoute[RESIZE], undefined, 'the size was never sent');
});

test('a refused modify fails with the Python message carrying LINSTOR\'s', async (t) => {
  const { env, volumes, rd } = await setup(t);
  env.sim.controls.addFault({ method: 'PUT', path: '/v1/resource-definitions/{resource}/volume-definitions/{volume_number}', status: 500, retCode: makeRetCode('error', RC.FAIL_NOT_ENOUGH_FREE_SPACE), message: 'Not enough free space' });
  const error = await t.throwsAsync(volumes.resize(A, 2 * GiB), { instanceOf: VolumeResizeError });
  t.regex(error.message, new RegExp(`^Could not resize volume \`${A}\` from SR \`xcp-sr-linstor_group_thin_device\`: .*Not enough free space`));
  t.is(sizeKib(env, rd), 1024 * 1024);
  t.is(env.sim.controls.counters().byRoute[RESIZE], 1, 'not retried');
});

test('a view already read that shows every replica UpToDate: the resize goes first, with no sync-status poll', async (t) => {
  const { env, volumes, rd } = await setup(t);
  await volumes.sizes(A);
  env.sim.controls.resetCounters();
  await volumes.resize(A, 2 * GiB);
  t.is(sizeKib(env, rd), 2 * 1024 * 1024);
  const counted = env.sim.controls.counters().byRoute;
  t.is(counted[SYNC_STATUS], undefined);
  t.is(counted[RESIZE], 1);
});

test('a view older than a resync: LINSTOR refuses the resize, which then waits for the sync and succeeds once', async (t) => {
  const { env, volumes, rd, clock } = await setup(t);
  await volumes.sizes(A);
  const started = clock.now;
  await env.sim.setSyncing(rd, 30_000);
  env.sim.controls.resetCounters();
  await volumes.resize(A, 2 * GiB);
  t.is(sizeKib(env, rd), 2 * 1024 * 1024);
  t.is(clock.now - started, 30_000, 'waited until the resync ended');
  const counted = env.sim.controls.counters().byRoute;
  t.is(counted[RESIZE], 2, 'refused, then the one that succeeded');
  t.is(counted[SYNC_STATUS], 31);
});
