import test from 'ava';
import { decodeRequest } from '../../../lib/smapi/request.js';
import { SrError, type SrErrorName } from '../../../lib/smapi/sr-error.js';
import { VERBS, type Verb } from '../../../lib/smapi/verbs.js';
import { encodeMethodCall } from '../../../lib/smapi/xmlrpc.js';
import { smapiCall, smapiParams, SR_UUID, VDI_UUID } from '../../helpers/smapi-call.js';

const decodesVerb = test.macro({
  exec(t, verb: Verb) {
    const request = decodeRequest([smapiCall(verb)]);
    t.is(request.verb, verb);
    if (verb !== 'sr_get_driver_info' && verb !== 'sr_probe') t.is(request.srUuid, SR_UUID);
    if (request.vdiUuid !== undefined) t.is(request.vdiUuid, VDI_UUID);
  },
  title: (_given, verb: Verb) => `decodes a well-formed ${verb} call`,
});
for (const verb of VERBS) test(decodesVerb, verb);

test('vdi_create args are typed: size as a number, booleans, labels', (t) => {
  const request = decodeRequest([
    smapiCall('vdi_create', { args: ['17179869184', 'disk 0 ☃', 'a <description>', '', 'false', '19700101T00:00:00Z', '', 'true'] }),
  ]);
  if (request.verb !== 'vdi_create') return t.fail();
  t.deepEqual({ ...request.args }, {
    virtualSizeBytes: 17179869184,
    nameLabel: 'disk 0 ☃',
    nameDescription: 'a <description>',
    metadataOfPool: '',
    isASnapshot: false,
    snapshotTime: '19700101T00:00:00Z',
    snapshotOf: '',
    readOnly: true,
  });
  t.is(request.vdiType, 'user');
  t.true(request.srMaster);
  t.is(request.deviceConfig['group-name'], 'linstor_group/thin_device');
  return undefined;
});

test('vdi_attach writable, vdi_resize size, snapshot driver_params', (t) => {
  const attach = decodeRequest([smapiCall('vdi_attach', { args: ['false'] })]);
  t.true(attach.verb === 'vdi_attach' && attach.args.writable === false);
  const resize = decodeRequest([smapiCall('vdi_resize', { args: ['2199023255552'] })]);
  t.true(resize.verb === 'vdi_resize' && resize.args.newSizeBytes === 2199023255552);
  const snap = decodeRequest([smapiCall('vdi_snapshot', { driver_params: { type: 'single' } })]);
  t.is(snap.driverParams['type'], 'single');
});

test('SRmaster false on a slave', (t) => {
  const request = decodeRequest([smapiCall('vdi_attach', { device_config: { SRmaster: 'false' } })]);
  t.false(request.srMaster);
});

test('the exact xapi wire form (bare values, <value/>) is accepted', (t) => {
  const xml =
    '<methodCall><methodName>vdi_attach</methodName><params><param><value><struct>' +
    '<member><name>host_ref</name><value>OpaqueRef:aaaaaaaa-0000-0000-0000-000000000001</value></member>' +
    '<member><name>command</name><value>vdi_attach</value></member>' +
    '<member><name>args</name><value><array><data><value>true</value></data></array></value></member>' +
    '<member><name>device_config</name><value><struct><member><name>SRmaster</name><value>false</value></member></struct></value></member>' +
    '<member><name>session_ref</name><value>OpaqueRef:bbbbbbbb-0000-0000-0000-000000000002</value></member>' +
    `<member><name>sr_ref</name><value>OpaqueRef:cccccccc-0000-0000-0000-000000000003</value></member>` +
    `<member><name>sr_uuid</name><value>${SR_UUID}</value></member>` +
    '<member><name>vdi_ref</name><value>OpaqueRef:dddddddd-0000-0000-0000-000000000004</value></member>' +
    `<member><name>vdi_location</name><value>${VDI_UUID}</value></member>` +
    `<member><name>vdi_uuid</name><value>${VDI_UUID}</value></member>` +
    '<member><name>subtask_of</name><value>OpaqueRef:eeeeeeee-0000-0000-0000-000000000005</value></member>' +
    '<member><name>vdi_on_boot</name><value>persist</value></member>' +
    '<member><name>vdi_allow_caching</name><value/></member>' +
    '</struct></value></param></params></methodCall>';
  const request = decodeRequest([xml]);
  t.is(request.verb, 'vdi_attach');
  t.is(request.vdiAllowCaching, '');
  t.is(request.subtaskOf, 'OpaqueRef:eeeeeeee-0000-0000-0000-000000000005');
});

const rejects = test.macro({
  exec(t, argv: string[], code: SrErrorName, detail: RegExp) {
    const error = t.throws(() => decodeRequest(argv), { instanceOf: SrError });
    t.is(error?.code, code);
    t.regex(error?.opterr ?? '', detail);
  },
  title: (given) => `rejected: ${given ?? ''}`,
});

const call = (method: string, ...params: Parameters<typeof encodeMethodCall>[1]) => encodeMethodCall(method, params);
test('no argument', rejects, [], 'BadRequest', /exactly one argument/);
test('two arguments', rejects, [smapiCall('sr_scan'), 'x'], 'BadRequest', /exactly one argument/);
test('empty argument', rejects, [''], 'BadRequest', /empty/);
test('not XML', rejects, ['sr_scan please'], 'BadRequest', /^invalid XML: Non-whitespace before first tag/);
test('truncated XML', rejects, [smapiCall('sr_scan').slice(0, 200)], 'BadRequest', /^invalid XML: Unclosed root tag/);
test('XML cut after the struct', rejects, [smapiCall('sr_scan').replace('</params></methodCall>', '')], 'BadRequest', /^invalid XML: Unclosed root tag/);
test('no params', rejects, [call('sr_scan')], 'BadRequest', /one parameter struct, got 0/);
test('two params', rejects, [call('sr_scan', {}, {})], 'BadRequest', /got 2/);
test('a non-struct param', rejects, [call('sr_scan', 'x')], 'BadRequest', /not a struct/);
test('unknown method', rejects, [call('sr_explode', smapiParams('sr_scan'))], 'BadRequest', /unknown method "sr_explode"/);
test('missing sr_uuid', rejects, [smapiCall('sr_scan', { sr_uuid: undefined })], 'BadRequest', /missing parameter sr_uuid/);
test('missing session', rejects, [smapiCall('vdi_attach', { session_ref: undefined })], 'BadRequest', /missing parameter session_ref/);
test('vdi_create without vdi_type', rejects, [smapiCall('vdi_create', { vdi_type: undefined })], 'BadRequest', /vdi_type/);
test('sr_uuid of the wrong type', rejects, [smapiCall('sr_scan', { sr_uuid: 5 })], 'BadRequest', /sr_uuid must be a string/);
test('sr_uuid that is not a UUID', rejects, [smapiCall('sr_scan', { sr_uuid: '../../etc; rm -rf /' })], 'BadRequest', /not a UUID/);
test('a ref that is not an OpaqueRef', rejects, [smapiCall('sr_scan', { sr_ref: 'OpaqueRef:$(id)' })], 'BadRequest', /not an OpaqueRef/);
test('device_config not a struct', rejects, [smapiCall('sr_scan', { device_config: 'x' })], 'BadRequest', /device_config must be a struct/);
test('device_config value not a string', rejects, [smapiCall('sr_scan', { device_config: { redundancy: 2 } })], 'BadRequest', /redundancy must be a string/);
test('args not an array', rejects, [smapiCall('sr_scan', { args: 'x' })], 'BadRequest', /args must be an array/);
test('args of the wrong length', rejects, [smapiCall('vdi_create', { args: ['1'] })], 'BadRequest', /takes 8 args, got 1/);
test('args not strings', rejects, [smapiCall('vdi_resize', { args: [5] })], 'BadRequest', /args\[0\] must be a string/);
test('command differing from the method', rejects, [smapiCall('sr_scan', { command: 'sr_delete' })], 'BadRequest', /does not match/);
test('writable not a boolean', rejects, [smapiCall('vdi_attach', { args: ['maybe'] })], 'BadRequest', /writable/);
test('size not a decimal integer', rejects, [smapiCall('vdi_resize', { args: ['1e9'] })], 'VDISize', /decimal integer/);
test('negative size', rejects, [smapiCall('vdi_resize', { args: ['-1073741824'] })], 'VDISize', /non-negative/);
test('size with spaces', rejects, [smapiCall('sr_create', { args: [' 1 '] })], 'VDISize', /decimal/);
test('size beyond 2^53', rejects, [smapiCall('vdi_resize', { args: ['18446744073709551616'] })], 'VDISize', /too large/);
test(
  'control character in a label',
  rejects,
  // Not XML 1.0, written raw or as a reference: refused by the decoder, as SM's expat parser refuses it.
  [smapiCall('vdi_create', { args: ['1073741824', 'badXlabel', '', '', 'false', '', '', 'false'] }).replace('badXlabel', 'bad&#7;label')],
  'BadRequest',
  /^invalid XML: character U\+0007 in text is not allowed in XML 1\.0$/,
);
test(
  'control character in a description',
  rejects,
  [smapiCall('vdi_create', { args: ['1073741824', 'ok', 'badXdesc', '', 'false', '', '', 'false'] }).replace('badXdesc', 'bad\u001bdesc')],
  'BadRequest',
  /^invalid XML: character U\+001B in the document is not allowed in XML 1\.0$/,
);
