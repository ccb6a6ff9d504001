import test from 'ava';
import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { AppendFileSink } from '../../../lib/log/append-file-sink.js';
import { FileSink } from '../../../lib/log/file-sink.js';
import { createLogger, type LogRecord, type LogSink } from '../../../lib/log/logger.js';

/** The same records, with the same times, through a sink into a fresh file; the file's text. */
async function written(make: (file: string) => LogSink, records: readonly LogRecord[], existing?: string): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'append-sink-'));
  const file = path.join(dir, 'sub', 'dir', 'SMlog');
  if (existing !== undefined) {
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, existing);
  }
  const sink = make(file);
  for (const record of records) sink.write(record);
  await sink.close();
  return readFile(file, 'utf8');
}

const RECORDS: readonly LogRecord[] = [
  {
    time: new Date('2026-11-24T06:49:30.404Z'),
    level: 'info',
    message: 'sr_get_driver_info start',
    data: { params: { host_ref: 'OpaqueRef:a', command: 'sr_get_driver_info', args: [], device_config: {} } },
  },
  { time: new Date('2026-11-24T06:49:30.406Z'), level: 'info', message: 'sr_get_driver_info done in 4 ms: ok' },
  { time: new Date('2026-11-24T06:49:31.000Z'), level: 'error', message: 'two\nlines', data: {} },
  { time: new Date('2026-11-24T06:49:32.000Z'), level: 'warn', message: 'x'.repeat(2000) },
  { time: new Date('2026-11-24T06:49:33.000Z'), level: 'debug', message: 'big', data: { n: 12345678901234567890n } },
];

test('it appends exactly the text FileSink (winston) writes, its directory created alike', async (t) => {
  const options = { ident: 'SM', pid: 4242 };
  const viaWinston = await written((file) => new FileSink({ ...options, file }), RECORDS, 'earlier line\n');
  const appended = await written((file) => new AppendFileSink({ ...options, file }), RECORDS, 'earlier line\n');
  t.is(appended, viaWinston);
  t.true(appended.startsWith('earlier line\n2026-11-24T06:49:30.404Z SM: [4242] info: sr_get_driver_info start {"params":{'));
});

test('through a logger, lines are redacted as with any sink', async (t) => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'append-sink-'));
  const file = path.join(dir, 'SMlog');
  const log = createLogger(new AppendFileSink({ ident: 'SM', file }));
  log.info('vdi_attach start', { session_ref: 'OpaqueRef:secret', args: ['true'] });
  await log.close();
  const text = await readFile(file, 'utf8');
  t.regex(text, new RegExp(`^\\S+Z SM: \\[${process.pid}\\] info: vdi_attach start \\{"session_ref":"\\*\\*\\*\\*\\*\\*","args":\\["true"\\]\\}\\n$`));
});

test('a file that cannot be written loses lines and never throws', async (t) => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'append-sink-'));
  const blocker = path.join(dir, 'not-a-dir');
  await writeFile(blocker, '');
  const log = createLogger(new AppendFileSink({ ident: 'SM', file: path.join(blocker, 'SMlog') }));
  t.notThrows(() => log.info('lost'));
  await t.notThrowsAsync(log.close());
});
