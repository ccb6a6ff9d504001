import test from 'ava';
import { mkdtemp, readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createLogger, MemorySink } from '../../../lib/log/logger.js';
import { SyslogSink, splitLines } from '../../../lib/log/syslog-sink.js';
import { FileSink } from '../../../lib/log/file-sink.js';

test('session refs and passwords never reach the sink', (t) => {
  const sink = new MemorySink();
  const log = createLogger(sink);
  log.info('vdi_attach', {
    session_ref: 'OpaqueRef:secret-session',
    device_config: { 'group-name': 'linstor_group', password: 'hunter2', chappassword: 'x' },
    args: ['true'],
  });
  log.info('running tool --password=hunter2');
  const text = sink.text();
  t.notRegex(text, /secret-session|hunter2/);
  t.regex(text, /linstor_group/);
  t.regex(text, /\*\*\*\*\*\*/);
});

test('levels below the minimum are dropped and child scopes prefix lines', (t) => {
  const sink = new MemorySink();
  const log = createLogger(sink, { minLevel: 'info' }).child('linstor');
  log.debug('hidden');
  log.warn('shown');
  t.deepEqual(sink.records.map((r) => r.message), ['[linstor] shown']);
});

test('long lines are split at 950 characters and on newlines', (t) => {
  const parts = splitLines('a'.repeat(2000) + '\nb');
  t.deepEqual(parts.map((p) => p.length), [950, 950, 100, 1]);
});

test('LINSTOR_SR_LOG_FILE sends lines to a file with the ident and pid', async (t) => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'log-'));
  const file = path.join(dir, 'SMlog');
  const log = createLogger(new FileSink({ ident: 'SM', file, pid: 4242 }));
  log.info('sr_scan start', { sr_uuid: 'abc' });
  log.error('sr_scan failed');
  await log.close();
  const text = await readFile(file, 'utf8');
  t.regex(text, /SM: \[4242\] info: sr_scan start \{"sr_uuid":"abc"\}/);
  t.regex(text, /SM: \[4242\] error: sr_scan failed/);
});

test('a missing logger binary loses lines but never throws', async (t) => {
  const saved = process.env['PATH'];
  process.env['PATH'] = '/nonexistent';
  try {
    const log = createLogger(new SyslogSink({ ident: 'SM' }));
    log.info('nobody hears this');
    await t.notThrowsAsync(log.close());
  } finally {
    process.env['PATH'] = saved;
  }
});

test('syslog lines carry the local2 priority, the pid and the message, through logger', async (t) => {
  const { mkdtemp, writeFile, chmod, readFile } = await import('node:fs/promises');
  const dir = await mkdtemp(path.join(os.tmpdir(), 'logger-'));
  const out = path.join(dir, 'received');
  const fake = path.join(dir, 'logger');
  await writeFile(fake, `#!/bin/sh\necho "$@" > "${out}.argv"\ncat > "${out}"\n`);
  await chmod(fake, 0o755);
  const log = createLogger(new SyslogSink({ ident: 'SM', pid: 77, loggerPath: fake }));
  log.info('vdi_attach start');
  log.warn('careful');
  log.error('line one\nline two');
  await log.close();
  for (let i = 0; i < 50 && !(await readFile(out, 'utf8').catch(() => '')).includes('line two'); i += 1) await new Promise((r) => setTimeout(r, 20));
  t.is(await readFile(`${out}.argv`, 'utf8'), '--prio-prefix -t SM\n');
  t.is(await readFile(out, 'utf8'), '<150>[77] vdi_attach start\n<148>[77] careful\n<147>[77] line one\n<147>[77] line two\n');
});
