import test from 'ava';
import { execa } from 'execa';
import path from 'node:path';
import { ROOT } from '../helpers/run-built.js';

const script = path.join(ROOT, 'scripts', 'tap-summary.mjs');
// Never the CI's own TAP_SUMMARY_TIMES: this test's fake results must not land in its file.
const env = { TAP_SUMMARY_TIMES: '' };

test('echoes the TAP, lists the files that took the most time, and ends with "N passed, N failed"', async (t) => {
  const child = execa('node', [script], { reject: false, env });
  const say = (text: string) => child.stdin?.write(text);
  const echoed = (text: string) => new Promise<void>((resolve) => child.stdout?.on('data', (chunk: Buffer) => chunk.toString().includes(text) && resolve()));
  say('TAP version 13\nok 1 - gc › quick › one\n');
  // The pause is measured from the moment the script has read the first result.
  await echoed('ok 1 -');
  await new Promise((r) => setTimeout(r, 600));
  say('ok 2 - e2e › slow › the long one\nnot ok 3 - gc › quick › two\nok 4 - lone title # SKIP\n');
  child.stdin?.end();
  const r = await child;
  const lines = r.stdout.split('\n');
  t.is(r.exitCode, 1, 'a test failed');
  t.true(lines.includes('not ok 3 - gc › quick › two'), 'the TAP is echoed');
  t.is(lines.at(-1), '2 passed, 1 failed, 1 skipped');
  const listed = lines.filter((l) => /^# +\d+\.\d s {2}/.test(l)).map((l) => l.replace(/^# +\d+\.\d s {2}/, ''));
  t.deepEqual(listed, ['e2e › slow', 'gc › quick', 'lone title'], 'the file whose result came after the pause first');
  t.regex(lines.find((l) => l.endsWith('e2e › slow')) ?? '', /^# +0\.[5-9] s|^# +[1-9]/);
});

test('no result at all: exit 1 and no list', async (t) => {
  const r = await execa('node', [script], { input: 'TAP version 13\n', reject: false, env });
  t.is(r.exitCode, 1);
  t.false(r.stdout.includes('took the most'));
  t.is(r.stdout.trim().split('\n').at(-1), '0 passed, 0 failed');
});
