import test from 'ava';
import path from 'node:path';
import { decodeMethodResponse } from '../../lib/smapi/xmlrpc.js';
import { VERBS } from '../../lib/smapi/verbs.js';
import { HANDLERS } from '../../driver/dispatch.js';
import { nodeOnlyPath, parseWithPython, runBuilt } from '../helpers/run-built.js';
import { smapiCall } from '../helpers/smapi-call.js';

/** Runs dist/LinstorSR and checks the process contract: one response on stdout, nothing on stderr, exit 0. */
async function driver(t: import('ava').ExecutionContext, argv: string[]) {
  const result = await runBuilt('LinstorSR', argv);
  t.is(result.exitCode, 0, 'exit status is 0 even for faults');
  t.is(result.stderr, '', 'nothing on stderr');
  t.regex(result.stdout, /^<\?xml version="1.0"\?><methodResponse>.*<\/methodResponse>$/s);
  t.is(result.stdout.match(/<methodResponse>/g)?.length, 1, 'exactly one methodResponse');
  return { ...result, decoded: decodeMethodResponse(result.stdout) };
}

test('sr_get_driver_info answers the Python driver\'s DRIVER_INFO, read back by Python\'s xmlrpc.client', async (t) => {
  const { stdout, decoded } = await driver(t, [smapiCall('sr_get_driver_info')]);
  t.is(decoded.kind, 'value');
  const parsed = (await parseWithPython(stdout)) as { params: [Record<string, unknown>] };
  const info = parsed.params[0];
  t.like(info, {
    name: 'LINSTOR resources on XCP-ng',
    description: 'SR plugin which uses Linstor to manage VDIs',
    vendor: 'Vates',
    copyright: '(C) 2020 Vates',
    driver_version: '1.0',
    required_api_version: '1.0',
  });
  t.deepEqual(info['capabilities'], [
    'ATOMIC_PAUSE', 'SR_PROBE', 'SR_UPDATE', 'VDI_CREATE', 'VDI_DELETE', 'VDI_UPDATE', 'VDI_ATTACH', 'VDI_DETACH',
    'VDI_ACTIVATE', 'VDI_DEACTIVATE', 'VDI_CLONE', 'VDI_MIRROR', 'VDI_RESIZE', 'VDI_SNAPSHOT', 'VDI_REVERT', 'VDI_INTRODUCE',
    'VDI_RESET_ON_BOOT/2', 'VDI_GENERATE_CONFIG',
  ]);
  t.deepEqual(
    (info['configuration'] as { key: string }[]).map((c) => c.key),
    ['group-name', 'redundancy', 'provisioning', 'monitor-db-quorum'],
  );
  for (const c of info['configuration'] as Record<string, unknown>[]) t.deepEqual(Object.keys(c).sort(), ['description', 'key']);
});

test('driver info needs no session, no LINSTOR, no XAPI and no host tool', async (t) => {
  // PATH holds only the Node runtime (the shebang's `env node`): no logger, no systemctl, nothing else.
  const result = await runBuilt('LinstorSR', [smapiCall('sr_get_driver_info')], { PATH: await nodeOnlyPath() });
  t.is(result.exitCode, 0);
  t.regex(result.stdout, /LINSTOR resources on XCP-ng/);
});

const fault = test.macro({
  async exec(t, argv: string[], faultCode: number, detail: RegExp) {
    const { stdout, decoded } = await driver(t, argv);
    t.is(decoded.kind, 'fault');
    if (decoded.kind !== 'fault') return;
    t.is(decoded.fault.faultCode, faultCode);
    t.regex(decoded.fault.faultString, detail);
    const py = (await parseWithPython(stdout)) as { fault: { faultCode: number; faultString: string } };
    t.deepEqual(py.fault, decoded.fault, 'Python reads the same fault');
  },
  title: (given) => `process answers a fault: ${given ?? ''}`,
});

test('argv missing', fault, [], 143, /^Failed to parse the request \[opterr=expected exactly one argument/);
test('more than one argument', fault, [smapiCall('sr_scan'), 'extra'], 143, /exactly one argument \(the XML-RPC call\), got 2/);
test('empty argument', fault, [''], 143, /Failed to parse the request/);
test('not XML', fault, ['<<<'], 143, /Failed to parse the request/);
test('truncated XML', fault, [smapiCall('sr_scan').slice(0, 120)], 143, /Failed to parse the request/);
test('unknown method', fault, [smapiCall('sr_scan').replaceAll('sr_scan', 'sr_frobnicate')], 143, /unknown method/);
test('bad UUID that could reach a shell', fault, [smapiCall('sr_scan', { sr_uuid: '$(reboot)' })], 143, /sr_uuid is not a UUID/);
test('bad size', fault, [smapiCall('vdi_resize', { args: ['ten'] })], 79, /^VDI Invalid size \[opterr=/);
test('negative size', fault, [smapiCall('vdi_create', { args: ['-1', 'l', '', '', 'false', '', '', 'false'] })], 79, /VDI Invalid size/);
test(
  'control character in a label (a reference to U+0001 is not XML 1.0, as SM\'s expat parser says too)',
  fault,
  [smapiCall('vdi_create', { args: ['1024', 'aXb', '', '', 'false', '', '', 'false'] }).replace('aXb', 'a&#1;b')],
  143,
  /^Failed to parse the request \[opterr=invalid XML: character U\+0001 in text is not allowed in XML 1\.0\]$/,
);

// sr_content_type answers Unimplemented (38) at once: a document the decoder wrongly accepted would show as 38.
const ANSWERED_AT_ONCE = smapiCall('sr_content_type');
/** sr_content_type with `text` where a device_config value goes (decoded as is, never looked at by the verb). */
const withText = (text: string): string => smapiCall('sr_content_type', { device_config: { SRmaster: 'true', note: 'XnoteX' } }).replace('XnoteX', text);
test('the well-formed call the cases below damage answers Unimplemented', fault, [withText('plain text')], 38, /^The requested method is not supported\/implemented/);
test('trailing data after </methodCall>', fault, [`${ANSWERED_AT_ONCE}trailing`], 143, /^Failed to parse the request \[opterr=invalid XML: Text data outside of root node\.\]$/);
test('a second methodCall', fault, [ANSWERED_AT_ONCE + ANSWERED_AT_ONCE.replace('<?xml version="1.0"?>', '')], 143, /opterr=invalid XML: a second root element <methodCall> after the document\]$/);
test('mismatched close tags', fault, [ANSWERED_AT_ONCE.replace('</methodName>', '</methodname>')], 143, /opterr=invalid XML: Unexpected close tag\]$/);
test('a reference to U+0000 (&#0;)', fault, [withText('a&#0;b')], 143, /opterr=invalid XML: Invalid character entity\]$/);
test('a reference to U+0000 (&#x0;)', fault, [withText('a&#x0;b')], 143, /opterr=invalid XML: Invalid character entity\]$/);
test('a reference to U+FFFE', fault, [withText('a&#xFFFE;b')], 143, /opterr=invalid XML: character U\+FFFE in text is not allowed in XML 1\.0\]$/);
test('a reference to U+001B', fault, [withText('a&#27;b')], 143, /opterr=invalid XML: character U\+001B in text/);
test('a reference past U+10FFFF', fault, [withText('a&#x110000;b')], 143, /opterr=invalid XML: Invalid code point 1114112\]$/);
test('a DOCTYPE', fault, [`<!DOCTYPE methodCall>${ANSWERED_AT_ONCE.replace('<?xml version="1.0"?>', '')}`], 143, /opterr=invalid XML-RPC: a DOCTYPE is not allowed\]$/);
test('a value that is not base64', fault, [smapiCall('vdi_resize').replace('<string>10737418240</string>', '<base64>MTA*</base64>')], 143, /Expected base64 but got 'MTA\*'/);

test('a <base64> value is decoded without Node\'s Buffer() deprecation warning on stderr', async (t) => {
  // "10" in base64 where vdi_resize expects its size as a string: decoded (a Buffer), then refused as no string.
  const argv = [smapiCall('vdi_resize').replace('<string>10737418240</string>', '<base64>MTA=</base64>')];
  t.true(argv[0]?.includes('<base64>MTA=</base64>'));
  const result = await runBuilt('LinstorSR', argv);
  t.notRegex(result.stderr, /DeprecationWarning|DEP0005/);
  t.is(result.stderr, '');
  t.is(result.exitCode, 0);
  const decoded = decodeMethodResponse(result.stdout);
  t.deepEqual(decoded, { kind: 'fault', fault: { faultCode: 143, faultString: 'Failed to parse the request [opterr=args[0] must be a string]' } });
});

test('every known verb not built yet answers Unimplemented (38)', async (t) => {
  const pending = VERBS.filter((v) => !Object.hasOwn(HANDLERS, v));
  for (const verb of pending) {
    const { decoded } = await driver(t, [smapiCall(verb)]);
    t.true(decoded.kind === 'fault' && decoded.fault.faultCode === 38, verb);
  }
});

test('sizes above 2^31 travel as strings and the answer never holds an <int> above 2^31-1', async (t) => {
  const { stdout } = await driver(t, [smapiCall('vdi_resize', { args: ['2199023255552'] })]);
  for (const m of stdout.matchAll(/<int>(-?\d+)<\/int>/g)) t.true(Math.abs(Number(m[1])) < 2 ** 31);
});

test('the log gets a start and an end line, without the session ref', async (t) => {
  const { mkdtemp, readFile } = await import('node:fs/promises');
  const os = await import('node:os');
  const dir = await mkdtemp(path.join(os.tmpdir(), 'smlog-'));
  const file = path.join(dir, 'SMlog');
  // sr_content_type: never sent by xapi, never built — it answers at once, with no LINSTOR to reach.
  await runBuilt('LinstorSR', [smapiCall('sr_content_type')], { LINSTOR_SR_LOG_FILE: file });
  const log = await readFile(file, 'utf8');
  t.regex(log, /SM: \[\d+\] info: sr_content_type start/);
  t.regex(log, /sr_content_type done in \d+ ms: fault 38/);
  t.notRegex(log, /bbbbbbbb-0000-0000-0000-000000000002/, 'session ref redacted');
  t.regex(log, /"session_ref":"\*\*\*\*\*\*"/);
});
