import test from 'ava';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { FileSink } from '../../../lib/log/file-sink.js';
import { createLogger } from '../../../lib/log/logger.js';
import { splitLines } from '../../../lib/log/syslog-sink.js';

const PREFIX = /^\S+Z SM: \[4242\] (?:debug|info|warn|error): /;

/** A fresh log file path, its directory removed when the test ends. */
async function logFile(t: import('ava').ExecutionContext): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'file-sink-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  return path.join(dir, 'SMlog');
}

/** A message of `bytes` characters that tells its record apart at every position. */
const message = (i: number, bytes: number): string => `record ${i} `.padEnd(bytes, String.fromCharCode(97 + (i % 26)));

test('lines of 30 to 70 kB, many of them and the last right before close, are all written in full', async (t) => {
  const file = await logFile(t);
  const log = createLogger(new FileSink({ file, ident: 'SM', pid: 4242 }));
  const sizes = [30_000, 47_000, 70_000];
  const messages: string[] = [];
  const emit = (i: number): void => {
    const m = message(i, sizes[i % sizes.length] ?? 1);
    messages.push(m);
    log.info(m);
  };
  for (let i = 0; i < 60; i += 1) emit(i);
  // A second burst once winston is loaded and writing, then one more line in the same tick as close().
  await new Promise((resolve) => setTimeout(resolve, 20));
  for (let i = 60; i < 120; i += 1) emit(i);
  emit(120);
  // Before the fix, winston's "write after end" escaped here as an uncaught exception.
  await t.notThrowsAsync(log.close());
  await new Promise((resolve) => setTimeout(resolve, 20));
  const lines = (await readFile(file, 'utf8')).split('\n');
  t.is(lines.pop(), '', 'the file ends with a newline');
  const expected = messages.flatMap((m) => splitLines(m));
  t.is(lines.length, expected.length);
  t.true(lines.every((l) => PREFIX.test(l)));
  t.true(lines.map((l) => l.replace(PREFIX, '')).join('') === messages.join(''), 'every record, in order, byte for byte');
});

test('a line logged after close is dropped without throwing', async (t) => {
  const file = await logFile(t);
  const log = createLogger(new FileSink({ file, ident: 'SM', pid: 4242 }));
  log.info(message(0, 40_000));
  await log.close();
  t.notThrows(() => log.info('too late'));
  await t.notThrowsAsync(log.close());
  await new Promise((resolve) => setTimeout(resolve, 20));
  const text = await readFile(file, 'utf8');
  t.false(text.includes('too late'));
  t.is(text.split('\n').length - 1, splitLines(message(0, 40_000)).length);
});
