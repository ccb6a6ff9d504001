import test from 'ava';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createLocalXapi, createXapi, fieldEquals, fromXapiInt, toXapiInt, unwrap, XapiClient, XapiError, XapiTransportError } from '../../../lib/xapi/index.js';
import { startPool } from '../../sim/xapi/helpers/pool.js';

const envelope = (inner: string) => `<methodResponse><params><param><value><struct>${inner}</struct></value></param></params></methodResponse>`;

test('unwrap returns Value on Success and throws XapiError {code, params, call} on Failure', (t) => {
  t.is(unwrap(envelope('<member><name>Status</name><value>Success</value></member><member><name>Value</name><value>OpaqueRef:x</value></member>')), 'OpaqueRef:x');
  t.is(unwrap(envelope('<member><name>Status</name><value>Success</value></member>')), '', 'void is an empty string');
  const error = t.throws(
    () => unwrap(envelope('<member><name>Status</name><value>Failure</value></member><member><name>ErrorDescription</name><value><array><data><value>UUID_INVALID</value><value>VDI</value><value>u</value></data></array></value></member>'), { method: 'VDI.get_by_uuid', args: ['******', 'u'] }),
    { instanceOf: XapiError },
  );
  t.is(error.code, 'UUID_INVALID');
  t.deepEqual(error.params, ['VDI', 'u']);
  t.is(error.call?.method, 'VDI.get_by_uuid');
});

test('replies that are not XenAPI envelopes are transport errors', (t) => {
  t.throws(() => unwrap('<methodResponse><params><param><value>bare</value></param></params></methodResponse>'), { instanceOf: XapiTransportError });
  t.throws(() => unwrap('<html>502</html>'), { instanceOf: XapiTransportError });
  t.throws(() => unwrap('<methodResponse><fault><value><struct><member><name>faultCode</name><value><int>1</int></value></member><member><name>faultString</name><value>x</value></member></struct></value></fault></methodResponse>'), { instanceOf: XapiTransportError });
});

test('XAPI ints are decimal strings both ways; sizes are never rounded', (t) => {
  t.is(toXapiInt(10737418240), '10737418240');
  t.is(toXapiInt(2n ** 63n - 1n), '9223372036854775807');
  t.throws(() => toXapiInt(1.5), { instanceOf: RangeError });
  t.throws(() => toXapiInt(2 ** 60), { instanceOf: RangeError });
  t.is(fromXapiInt('4096'), 4096);
  t.throws(() => fromXapiInt('12abc'));
  t.is(fieldEquals('name_label', 'a "quoted" \\ name'), 'field "name_label" = "a \\"quoted\\" \\\\ name"');
});

test('the client sends Subtask-of and originator, and redacts the session from error info', async (t) => {
  const pool = await startPool(t, 1);
  const borrowed = pool.xapi.client.sessionRef ?? '';
  const x = createXapi({ endpoint: { socketPath: pool.sim.host('host1').socketPath }, sessionRef: borrowed, subtaskOf: 'OpaqueRef:task-1', originator: 'SM' });
  await x.host.getAll();
  t.like(pool.sim.calls.at(-1), { method: 'host.get_all', transport: 'unix', subtaskOf: 'OpaqueRef:task-1', originator: 'SM' });
  const error = await t.throwsAsync(x.vdi.getRecord('OpaqueRef:missing'), { instanceOf: XapiError });
  t.deepEqual(error.call?.args, ['******', 'OpaqueRef:missing']);
  t.false(error.message.includes(borrowed));
});

test('logout ends only a session the client created; a borrowed session survives', async (t) => {
  const pool = await startPool(t, 1);
  const socketPath = pool.sim.host('host1').socketPath;
  const owner = new XapiClient({ endpoint: { socketPath } });
  const ref = await owner.loginWithPassword('root', '');
  const borrower = new XapiClient({ endpoint: { socketPath }, sessionRef: ref });
  await borrower.logout();
  t.truthy(await borrower.call('host.get_all'));
  await owner.logout();
  t.is(owner.sessionRef, undefined);
  const gone = await t.throwsAsync(borrower.call('host.get_all'), { instanceOf: XapiError });
  t.is(gone.code, 'SESSION_INVALID');
  await t.throwsAsync(owner.call('host.get_all'), { instanceOf: XapiTransportError, message: /no session/ });
});

test('connection failures, timeouts and HTTP errors are XapiTransportError naming the call', async (t) => {
  const dead = new XapiClient({ endpoint: { socketPath: '/nonexistent/xapi.sock' }, sessionRef: 'OpaqueRef:s' });
  const refused = await t.throwsAsync(dead.call('host.get_all'), { instanceOf: XapiTransportError });
  t.regex(refused.message, /^host\.get_all: unix:\/nonexistent/);
  const server = createServer((req, res) => {
    if (req.url === '/slow') return; // never answers
    res.writeHead(500).end('oops');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => new Promise<void>((resolve) => {
    server.closeAllConnections();
    server.close(() => resolve());
  }));
  const { port } = server.address() as AddressInfo;
  const broken = new XapiClient({ endpoint: { url: `http://127.0.0.1:${port}/` }, sessionRef: 'OpaqueRef:s' });
  await t.throwsAsync(broken.call('host.get_all'), { instanceOf: XapiTransportError, message: /HTTP 500/ });
  const slow = new XapiClient({ endpoint: { url: `http://127.0.0.1:${port}/slow` }, sessionRef: 'OpaqueRef:s', timeoutMs: 200 });
  await t.throwsAsync(slow.call('host.get_all'), { instanceOf: XapiTransportError, message: /within 200 ms/ });
});

test('createLocalXapi uses the given socket and session and sends originator SM', async (t) => {
  const pool = await startPool(t, 2);
  const x = createLocalXapi({ socketPath: pool.sim.host('host2').socketPath, sessionRef: pool.xapi.client.sessionRef, subtaskOf: 'OpaqueRef:t' });
  t.is(await x.pool.getMaster(), pool.ref('host1'));
  t.like(pool.sim.calls.at(-1), { method: 'pool.get_master', host: 'host2', transport: 'unix', originator: 'SM', subtaskOf: 'OpaqueRef:t' });
});
