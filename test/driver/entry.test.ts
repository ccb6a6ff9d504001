/**
 * dist/LinstorSR (driver/entry.ts) answers sr_get_driver_info without loading the driver: these tests run it
 * and the full driver (dist/LinstorSR-main.cjs, what it loads for anything else) the way xapi does and
 * compare what each prints and logs.
 */
import test from 'ava';
import { execa } from 'execa';
import { chmod, copyFile, mkdtemp, readFile, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { dist, dumpsWithPython, runBuilt, type ProcessResult } from '../helpers/run-built.js';
import { smapiCall } from '../helpers/smapi-call.js';

const FAST = 'LinstorSR';
const FULL = 'LinstorSR-main.cjs';

/** xapi's own form (spec/smapi-protocol.md §3.1): compact, no declaration, bare strings. */
const XAPI_CALL =
  '<methodCall><methodName>sr_get_driver_info</methodName><params><param><value><struct>' +
  '<member><name>host_ref</name><value>OpaqueRef:0a1b2c3d-0000-4000-8000-000000000001</value></member>' +
  '<member><name>command</name><value>sr_get_driver_info</value></member>' +
  '<member><name>args</name><value><array><data/></array></value></member>' +
  '<member><name>device_config</name><value><struct/></value></member>' +
  '</struct></value></param></params></methodCall>';

/** The same call as a Python client writes it: xmlrpc.client.dumps, one element a line, strings in <string>. */
const PYTHON_PARAMS = { host_ref: 'OpaqueRef:0a1b2c3d-0000-4000-8000-000000000001', command: 'sr_get_driver_info', args: [], device_config: {} };
const PYTHON_CALL = await dumpsWithPython('sr_get_driver_info', [PYTHON_PARAMS]);

const DRIVER_INFO_CALLS: Record<string, string[]> = {
  'xapi form': [XAPI_CALL],
  'Python form': [PYTHON_CALL],
  'Python form, UTF-8 named, with local_cache_sr': [
    await dumpsWithPython('sr_get_driver_info', [{ ...PYTHON_PARAMS, local_cache_sr: '11111111-2222-3333-4444-555555555555' }], 'UTF-8'),
  ],
  'xapi form, one member a line': [XAPI_CALL.replaceAll('<member>', '\n  <member>')],
  'with declaration and <string>': [smapiCall('sr_get_driver_info')],
  'with local_cache_sr': [smapiCall('sr_get_driver_info', { local_cache_sr: '11111111-2222-3333-4444-555555555555' })],
  'no member': ['<methodCall><methodName>sr_get_driver_info</methodName><params><param><value><struct></struct></value></param></params></methodCall>'],
  'params as an empty-element struct': ['<methodCall><methodName>sr_get_driver_info</methodName><params><param><value><struct/></value></param></params></methodCall>'],
};
/** Calls the entry must hand to the full driver; what they answer is the full driver's. */
const OTHER_CALLS: Record<string, string[]> = {
  'driver info with a second argument': [XAPI_CALL, 'extra'],
  'driver info with a session': [smapiCall('sr_get_driver_info', { session_ref: 'OpaqueRef:bbbbbbbb-0000-0000-0000-000000000002' })],
  'driver info with a session (Python)': [await dumpsWithPython('sr_get_driver_info', [{ ...PYTHON_PARAMS, session_ref: 'OpaqueRef:bbbb' }])],
  'driver info with two params (Python)': [await dumpsWithPython('sr_get_driver_info', [PYTHON_PARAMS, PYTHON_PARAMS])],
  'driver info with a DOCTYPE': [`<!DOCTYPE methodCall>${XAPI_CALL}`],
  'driver info with args': [smapiCall('sr_get_driver_info', { args: ['x'] })],
  'no argument': [],
  'not XML': ['<<<'],
  'a verb never built': [smapiCall('sr_content_type')],
  'sr_scan without a session': [smapiCall('sr_scan', { session_ref: undefined })],
};

const same = (t: import('ava').ExecutionContext, fast: ProcessResult, full: ProcessResult, what: string): void => {
  t.is(fast.stdout, full.stdout, `${what}: stdout`);
  t.is(fast.exitCode, full.exitCode, `${what}: exit status`);
  t.is(fast.stderr, full.stderr, `${what}: stderr`);
};

test('for sr_get_driver_info and for everything else, the entry prints what the full driver prints', async (t) => {
  for (const [what, argv] of Object.entries({ ...DRIVER_INFO_CALLS, ...OTHER_CALLS })) {
    same(t, await runBuilt(FAST, argv), await runBuilt(FULL, argv), what);
  }
  const info = await runBuilt(FAST, [XAPI_CALL]);
  t.is(info.exitCode, 0);
  t.regex(info.stdout, /^<\?xml version="1.0"\?><methodResponse><params><param><value><struct><member><name>name<\/name><value><string>LINSTOR resources on XCP-ng</);
});

test('the entry answers sr_get_driver_info in any spelling without the full driver, and loads it for anything else', async (t) => {
  // Only the entry, copied alone: driver info needs nothing beside it; any other call needs the full driver.
  const dir = await mkdtemp(path.join(os.tmpdir(), 'entry-alone-'));
  const alone = path.join(dir, 'LinstorSR');
  await copyFile(dist(FAST), alone);
  await chmod(alone, 0o755);
  const env = { PATH: process.env['PATH'] ?? '/usr/bin:/bin', ORIGINATOR: 'SM', LINSTOR_SR_LOG_FILE: '/dev/null' };
  const run = (argv: string[]) => execa(alone, argv, { reject: false, stdin: 'ignore', extendEnv: false, env, stripFinalNewline: false });
  for (const [what, argv] of Object.entries(DRIVER_INFO_CALLS)) {
    const r = await run(argv);
    same(t, { stdout: String(r.stdout), stderr: String(r.stderr), exitCode: r.exitCode }, await runBuilt(FULL, argv), what);
  }
  for (const [what, argv] of Object.entries(OTHER_CALLS)) {
    const other = await run(argv);
    t.not(other.exitCode, 0, what);
    t.regex(String(other.stderr), /LinstorSR-main\.cjs/, what);
  }
  // The entry stays small: it must never pull the driver's code (or winston, or the XML-RPC package) in.
  t.true((await stat(dist(FAST))).size < 64 * 1024, 'dist/LinstorSR is small');
  t.notRegex(await readFile(dist(FAST), 'utf8'), /xmlbuilder|winston|undici/);
});

/** Log text with what differs between two runs (time, pid, duration) masked. */
const masked = (text: string): string =>
  text
    .replace(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z /gm, '<time> ')
    .replace(/\[\d+\]/g, '[<pid>]')
    .replace(/done in \d+ ms/g, 'done in <n> ms')
    .replace(/peak RSS \d+ MiB/g, 'peak RSS <n> MiB');

test('the SMlog file gets the full driver\'s start and end lines', async (t) => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'entry-log-'));
  for (const [what, argv] of Object.entries(DRIVER_INFO_CALLS)) {
    const files = { fast: path.join(dir, `${what}.fast`), full: path.join(dir, `${what}.full`) };
    await runBuilt(FAST, argv, { LINSTOR_SR_LOG_FILE: files.fast });
    await runBuilt(FULL, argv, { LINSTOR_SR_LOG_FILE: files.full });
    const fast = await readFile(files.fast, 'utf8');
    t.is(masked(fast), masked(await readFile(files.full, 'utf8')), what);
    t.regex(fast, /^\S+Z SM: \[\d+\] info: sr_get_driver_info start \{"params":\{.*\}\}\n\S+Z SM: \[\d+\] info: sr_get_driver_info done in \d+ ms: ok; peak RSS \d+ MiB\n$/, what);
  }
});

test('syslog (through logger) gets the full driver\'s start and end lines', async (t) => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'entry-syslog-'));
  // A stand-in `logger` first on PATH records its argv and what it reads.
  await writeFile(path.join(dir, 'logger'), '#!/bin/sh\necho "$@" >> "$LOGGER_OUT"\ncat >> "$LOGGER_OUT"\necho END >> "$LOGGER_OUT"\n');
  await chmod(path.join(dir, 'logger'), 0o755);
  const received = async (file: string): Promise<string> => {
    for (let i = 0; i < 250; i += 1) {
      const text = await readFile(file, 'utf8').catch(() => '');
      if (text.endsWith('END\n')) return text;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    return readFile(file, 'utf8').catch(() => '');
  };
  for (const [what, argv] of Object.entries(DRIVER_INFO_CALLS)) {
    const logged: Record<string, string> = {};
    for (const name of [FAST, FULL]) {
      const out = path.join(dir, `${what}.${name}`);
      // No LINSTOR_SR_LOG_FILE: production's destination.
      const r = await execa(dist(name), argv, {
        reject: false,
        stdin: 'ignore',
        extendEnv: false,
        env: { PATH: `${dir}:${process.env['PATH'] ?? '/usr/bin:/bin'}`, ORIGINATOR: 'SM', LOGGER_OUT: out },
      });
      t.is(r.exitCode, 0);
      logged[name] = await received(out);
    }
    t.is(masked(logged[FAST]!), masked(logged[FULL]!), what);
    t.regex(logged[FAST]!, /^--prio-prefix -t SM\n<150>\[\d+\] sr_get_driver_info start \{"params":.*\n<150>\[\d+\] sr_get_driver_info done in \d+ ms: ok; peak RSS \d+ MiB\nEND\n$/, what);
  }
});
