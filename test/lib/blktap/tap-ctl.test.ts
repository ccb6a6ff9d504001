// TapCtl's retries, run against an exec that answers with the exit statuses (errno values) tap-ctl uses.
import test from 'ava';
import { EROFS, TapCtl } from '../../../lib/blktap/tap-ctl.js';
import { CommandError } from '../../../lib/exec/command-error.js';
import type { Exec } from '../../../lib/exec/run.js';
import { createLogger, MemorySink } from '../../../lib/log/logger.js';

/** Linux errno values, as tap-ctl exits with them. */
const ENODATA = 61;
const EMEDIUMTYPE = 124;

/** A tap-ctl whose runs fail with `statuses` in turn, then succeed; records each argv and each sleep. */
function scripted(statuses: readonly number[]) {
  const calls: string[][] = [];
  const sleeps: number[] = [];
  const exec: Exec = async (file, args) => {
    calls.push([file, ...args]);
    const status = statuses[calls.length - 1];
    if (status !== undefined) throw new CommandError([file, ...args], { exitCode: status, stderr: `failed with ${status}` });
    return { stdout: '', stderr: '', exitCode: 0 };
  };
  const tap = new TapCtl({ exec, log: createLogger(new MemorySink()), sleep: async (ms) => void sleeps.push(ms), timeScale: 1 });
  return { tap, calls, sleeps };
}

test('an open refused with EMEDIUMTYPE (read-only, another host writing) is retried like EROFS, 1 s apart', async (t) => {
  const { tap, calls, sleeps } = scripted([EMEDIUMTYPE, EROFS, EMEDIUMTYPE]);
  await tap.open(20001, 3, 'vhd', '/dev/drbd/by-res/xcp-volume-a/0', true);
  t.is(calls.length, 4);
  t.deepEqual(calls.at(-1), ['tap-ctl', 'open', '-p', '20001', '-m', '3', '-a', 'vhd:/dev/drbd/by-res/xcp-volume-a/0', '-R']);
  t.deepEqual(sleeps, [1000, 1000, 1000]);
});

test('an open still refused with EMEDIUMTYPE after 5 attempts fails with that status', async (t) => {
  const { tap, calls } = scripted([EMEDIUMTYPE, EMEDIUMTYPE, EMEDIUMTYPE, EMEDIUMTYPE, EMEDIUMTYPE]);
  const error = await t.throwsAsync(tap.open(20001, 3, 'vhd', '/dev/drbd/by-res/xcp-volume-a/0', true), { instanceOf: CommandError });
  t.is(error.exitCode, EMEDIUMTYPE);
  t.is(calls.length, 5);
});

test('an unpause failing with ENODATA (no UpToDate data reachable yet) is retried until the data is back', async (t) => {
  const { tap, calls, sleeps } = scripted([ENODATA, ENODATA, ENODATA]);
  await tap.unpause(20001, 3, { type: 'vhd', path: '/dev/drbd/by-res/xcp-volume-b/0' });
  t.is(calls.length, 4);
  t.deepEqual(calls.at(-1), ['tap-ctl', 'unpause', '-p', '20001', '-m', '3', '-a', 'vhd:/dev/drbd/by-res/xcp-volume-b/0']);
  t.deepEqual(sleeps, [500, 500, 500]);
});

test('an unpause gives up after 10 ENODATA answers; any other status is not retried', async (t) => {
  const lasting = scripted(Array.from({ length: 10 }, () => ENODATA));
  const error = await t.throwsAsync(lasting.tap.unpause(20001, 3), { instanceOf: CommandError });
  t.is(error.exitCode, ENODATA);
  t.is(lasting.calls.length, 10);
  for (const status of [EROFS, EMEDIUMTYPE, 22]) {
    const once = scripted([status]);
    const refused = await t.throwsAsync(once.tap.unpause(20001, 3), { instanceOf: CommandError });
    t.is(refused.exitCode, status);
    t.is(once.calls.length, 1, `status ${status} fails at once`);
  }
});
