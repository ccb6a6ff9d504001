import test from 'ava';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { FileSink } from '../../../lib/log/file-sink.js';
import { createLogger } from '../../../lib/log/logger.js';
import { XapiClient, XapiError } from '../../../lib/xapi/index.js';

const SESSION = 'OpaqueRef:5f1c7a0e-9d2b-4c41-8e6a-2b7d9f0c1a33';
const OTHER_SESSION = 'OpaqueRef:0b9e4d2a-7c1f-4e8b-a6d3-9f2e1c0b7a55';
const VDI = 'OpaqueRef:7d3e2b1a-1111-4222-8333-944455556666';

/** A XAPI that answers every call with `ErrorDescription` (a XenAPI Failure envelope), over real HTTP. */
async function failingXapi(t: import('ava').ExecutionContext, description: readonly string[]): Promise<string> {
  const values = description.map((d) => `<value>${d}</value>`).join('');
  const body = '<methodResponse><params><param><value><struct>' +
    '<member><name>Status</name><value>Failure</value></member>' +
    `<member><name>ErrorDescription</name><value><array><data>${values}</data></array></value></member>` +
    '</struct></value></param></params></methodResponse>';
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => res.writeHead(200, { 'content-type': 'text/xml' }).end(body));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
}

/** The error a real XapiClient raises for `description`. */
async function xapiError(t: import('ava').ExecutionContext, description: readonly string[]): Promise<XapiError> {
  const client = new XapiClient({ endpoint: { url: await failingXapi(t, description) }, sessionRef: SESSION });
  const error = await t.throwsAsync(client.call('VDI.get_record', VDI), { instanceOf: XapiError });
  if (!error) throw new Error('no XapiError');
  return error;
}

async function logFile(t: import('ava').ExecutionContext): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'redact-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  return path.join(dir, 'SMlog');
}

test('a XAPI session error reaches the log file without its session ref: message, error, cause and metadata', async (t) => {
  const error = await xapiError(t, ['SESSION_INVALID', SESSION]);
  t.is(error.message, `SESSION_INVALID(${SESSION}) in VDI.get_record`, 'the error itself carries the ref');
  const wrapped = new Error(`cannot read VDI ${VDI}`, { cause: new Error(`attach failed: ${error.message}`, { cause: error }) });
  const file = await logFile(t);
  const log = createLogger(new FileSink({ file, ident: 'SM', pid: 4242 }));
  log.error(`vdi_attach failed: ${error.message}`, { error: wrapped });
  log.warn('as a string', { error: String(error), chain: [{ detail: error.message }] });
  log.child('xapi').info(`retrying after ${error.code}`, { error });
  await log.close();
  const text = await readFile(file, 'utf8');
  t.is(text.split('\n').length, 4, 'three lines');
  t.false(text.includes(SESSION), text);
  t.false(text.includes(SESSION.slice('OpaqueRef:'.length)), 'not even the uuid');
  t.regex(text, /error: vdi_attach failed: SESSION_INVALID\(OpaqueRef:\*{6}\) in VDI\.get_record \{"error":\{"name":"Error","message":"cannot read VDI OpaqueRef:7d3e2b1a-1111-4222-8333-944455556666","cause":\{"name":"Error","message":"attach failed: SESSION_INVALID\(OpaqueRef:\*{6}\) in VDI\.get_record","cause":\{"name":"XapiError","message":"SESSION_INVALID\(OpaqueRef:\*{6}\) in VDI\.get_record"\}\}\}\}/);
  t.true(text.includes(VDI), 'refs that are not sessions stay readable');
});

test('a ref named as a session in text, and a session ref the logger has seen, are masked anywhere', async (t) => {
  const handle = await xapiError(t, ['HANDLE_INVALID', 'session', OTHER_SESSION]);
  const file = await logFile(t);
  const log = createLogger(new FileSink({ file, ident: 'SM', pid: 4242 }));
  log.info('vdi_attach start', { params: { session_ref: SESSION, vdi_ref: VDI } });
  log.warn(`${handle.message}; session_id=${OTHER_SESSION}`);
  // Once logged under a session key, the ref is known: masked even where nothing says it is a session.
  log.child('tapdisk').warn(`unexpected answer for ${SESSION}`, { note: `owner ${SESSION}`, params: [SESSION] });
  await log.close();
  const text = await readFile(file, 'utf8');
  t.false(text.includes(SESSION), text);
  t.false(text.includes(OTHER_SESSION), text);
  t.regex(text, /HANDLE_INVALID\(session, OpaqueRef:\*{6}\) in VDI\.get_record; session_id=OpaqueRef:\*{6}/);
  t.regex(text, /\[tapdisk\] unexpected answer for OpaqueRef:\*{6} \{"note":"owner OpaqueRef:\*{6}","params":\["OpaqueRef:\*{6}"\]\}/);
  t.true(text.includes(`"vdi_ref":"${VDI}"`));
});
