import test from 'ava';
import { createMergeProgress, type MergeProgressOptions } from '../../gc/progress.js';

const MiB = 2 ** 20;

/** A reporter wired to recorders and a clock the test moves by hand. */
function rig(isTTY: boolean, extra: Partial<MergeProgressOptions> = {}) {
  const clock = { ms: 0 };
  const lines: string[] = [];
  const writes: string[] = [];
  const fractions: number[] = [];
  const logged: { message: string; data: unknown }[] = [];
  const bar = createMergeProgress({
    label: 'coalesce A into B',
    print: (l) => lines.push(l),
    isTTY,
    write: (s) => writes.push(s),
    setFraction: (f) => fractions.push(f),
    log: { info: (message, data) => logged.push({ message, data }) },
    now: () => clock.ms,
    ...extra,
  });
  return { clock, lines, writes, fractions, logged, bar };
}

/** Feeds `blocks` calls of `step` bytes each, `everyMs` apart, from 0 to the total. */
function feed(r: ReturnType<typeof rig>, blocks: number, step: number, everyMs: number): void {
  for (let i = 0; i <= blocks; i += 1) {
    r.clock.ms = i * everyMs;
    r.bar(i * step, blocks * step);
  }
}

test('off a terminal: a plain line at the start, at each 10% and at the end, with MiB and throughput', (t) => {
  const r = rig(false);
  feed(r, 100, MiB, 50);
  t.deepEqual(r.writes, [], 'nothing is drawn in place');
  t.is(r.lines.length, 11);
  t.is(r.lines[0], 'coalesce A into B: 0% 0.0/100.0 MiB');
  t.is(r.lines[4], 'coalesce A into B: 40% 40.0/100.0 MiB at 20.0 MiB/s');
  t.is(r.lines.at(-1), 'coalesce A into B: 100% 100.0/100.0 MiB at 20.0 MiB/s');
  t.deepEqual(r.logged.map((l) => l.message), r.lines, 'the log gets the same milestones');
  t.deepEqual(r.logged.at(-1)?.data, { doneBytes: 100 * MiB, totalBytes: 100 * MiB, mibPerSec: 20 });
});

test('a slow merge still reports every 10 s between two 10% steps', (t) => {
  const r = rig(false);
  for (let s = 0; s <= 30; s += 1) {
    r.clock.ms = s * 1000;
    r.bar(s * MiB, 1000 * MiB);
  }
  t.deepEqual(r.lines, [
    'coalesce A into B: 0% 0.0/1000.0 MiB',
    'coalesce A into B: 1% 10.0/1000.0 MiB at 1.0 MiB/s',
    'coalesce A into B: 2% 20.0/1000.0 MiB at 1.0 MiB/s',
    'coalesce A into B: 3% 30.0/1000.0 MiB at 1.0 MiB/s',
  ]);
});

test('the XAPI fraction goes from 0 to 1, never backwards, at most once a second', (t) => {
  const r = rig(false);
  feed(r, 100, MiB, 50);
  t.is(r.fractions[0], 0);
  t.is(r.fractions.at(-1), 1);
  t.true(r.fractions.every((f, i) => i === 0 || f >= (r.fractions[i - 1] ?? 0)));
  // 5 s of merge: the start, one a second, and the end.
  t.true(r.fractions.length <= 7, `${r.fractions.length} updates`);
});

test('on a terminal: one line redrawn in place, throttled, ended by a newline at 100%', (t) => {
  const r = rig(true);
  feed(r, 100, MiB, 50);
  t.deepEqual(r.lines, [], 'no plain lines on a terminal');
  const draws = r.writes.filter((w) => w.startsWith('\r'));
  t.true(draws.length >= 20 && draws.length <= 30, `${draws.length} redraws for 5 s at one per 200 ms`);
  t.true(draws.every((w) => !w.includes('\n')), 'a drawing stays on its line');
  t.regex(draws[10] ?? '', /^\r\x1b\[K\[#+\.+\] +\d+% +\d+\.\d\/100\.0 MiB +20\.0 MiB\/s$/);
  t.is(draws.at(-1), `\r\x1b[K[${'#'.repeat(24)}] 100%  100.0/100.0 MiB  20.0 MiB/s`);
  t.is(r.writes.at(-1), '\n');
  r.bar.finish();
  t.is(r.writes.filter((w) => w === '\n').length, 1, 'finish after 100% adds no second newline');
  t.is(r.logged.length, 11, 'the log still gets the 10% milestones');
});

test('finish() mid-merge (a failure) ends the bar line once; later calls draw nothing', (t) => {
  const r = rig(true);
  r.bar(0, 10 * MiB);
  r.clock.ms = 1000;
  r.bar(3 * MiB, 10 * MiB);
  r.bar.finish();
  r.bar.finish();
  t.deepEqual(r.writes.slice(-1), ['\n']);
  t.is(r.writes.filter((w) => w === '\n').length, 1);
  const before = r.writes.length;
  r.clock.ms = 5000;
  r.bar(10 * MiB, 10 * MiB);
  t.is(r.writes.length, before);
});

test('a merge run elsewhere (0% then 100%) and an empty one (0 of 0) both end at 100%', (t) => {
  const remote = rig(false);
  remote.bar(0, 64 * MiB);
  remote.clock.ms = 2000;
  remote.bar(64 * MiB, 64 * MiB);
  t.deepEqual(remote.lines, ['coalesce A into B: 0% 0.0/64.0 MiB', 'coalesce A into B: 100% 64.0/64.0 MiB at 32.0 MiB/s']);
  t.deepEqual(remote.fractions, [0, 1]);
  const empty = rig(false);
  empty.bar(0, 0);
  t.deepEqual(empty.lines, ['coalesce A into B: 100% 0.0/0.0 MiB']);
  t.deepEqual(empty.fractions, [1]);
});

test('on a terminal without a write function it falls back to plain lines', (t) => {
  const lines: string[] = [];
  const bar = createMergeProgress({ label: 'x', print: (l) => lines.push(l), isTTY: true, write: undefined, now: () => 0 });
  bar(0, MiB);
  bar(MiB, MiB);
  t.deepEqual(lines, ['x: 0% 0.0/1.0 MiB', 'x: 100% 1.0/1.0 MiB']);
});
