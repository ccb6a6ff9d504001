import test from 'ava';
import { run } from '../../../lib/exec/run.js';
import { CommandError } from '../../../lib/exec/command-error.js';

test('arguments are passed as an array, never through a shell', async (t) => {
  const evil = '$(touch /tmp/should-not-exist); `id` && echo pwned';
  const { stdout } = await run('printf', ['%s', evil]);
  t.is(stdout, evil);
});

test('a non-zero exit throws CommandError with argv, exit code and stderr', async (t) => {
  const error = await t.throwsAsync(run('sh', ['-c', 'echo boom >&2; exit 3']), { instanceOf: CommandError });
  t.deepEqual(error?.argv, ['sh', '-c', 'echo boom >&2; exit 3']);
  t.is(error?.exitCode, 3);
  t.is(error?.stderr, 'boom\n');
  t.regex(error?.message ?? '', /exit code 3: boom/);
});

test('allowFailure returns the exit code instead of throwing', async (t) => {
  const result = await run('sh', ['-c', 'exit 4'], { allowFailure: true });
  t.is(result.exitCode, 4);
});

test('a missing program is a CommandError that says it failed to start', async (t) => {
  const error = await t.throwsAsync(run('/nonexistent/program', []), { instanceOf: CommandError });
  t.regex(error?.message ?? '', /failed to start/);
});

test('stdin input and timeouts', async (t) => {
  t.is((await run('cat', [], { input: 'hello' })).stdout, 'hello');
  const error = await t.throwsAsync(run('sleep', ['5'], { timeoutMs: 100 }), { instanceOf: CommandError });
  t.regex(error?.message ?? '', /killed by SIGTERM/);
  // A command that catches the SIGTERM and exits 0 still failed: it ran past its time.
  const trapped = await t.throwsAsync(run('sh', ['-c', 'trap "exit 0" TERM; sleep 5 >/dev/null 2>&1 & wait'], { timeoutMs: 200 }), { instanceOf: CommandError });
  t.regex(trapped?.message ?? '', /killed by SIGTERM/);
});

test('input a command never reads does not fail the run; env adds to the environment rather than replacing it', async (t) => {
  t.is((await run('true', [], { input: 'x'.repeat(4 * 1024 * 1024) })).exitCode, 0);
  const { stdout } = await run('sh', ['-c', 'printf "%s|%s" "$RUN_TEST_VAR" "${PATH:+has-path}"'], { env: { RUN_TEST_VAR: 'set' } });
  t.is(stdout, 'set|has-path');
});

test('output is kept whole, across chunks and multi-byte characters', async (t) => {
  const { stdout } = await run('sh', ['-c', 'i=0; while [ $i -lt 20000 ]; do printf "é✓%05d\\n" $i; i=$((i+1)); done']);
  const lines = stdout.trimEnd().split('\n');
  t.is(lines.length, 20000);
  t.is(lines[19999], 'é✓19999');
});
