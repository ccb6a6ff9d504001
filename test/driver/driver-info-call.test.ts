import test from 'ava';
import fc from 'fast-check';
import { driverInfoParams } from '../../driver/driver-info-call.js';
import { decodeRequest } from '../../lib/smapi/request.js';
import { smapiCall } from '../helpers/smapi-call.js';

const HOST_REF = 'OpaqueRef:aaaaaaaa-0000-0000-0000-000000000001';
const CACHE_SR = '11111111-2222-3333-4444-555555555555';

/** What the full driver decodes: verb and params as the log line shows them, or the fault it answers. */
function full(argv: readonly string[]): string {
  try {
    const request = decodeRequest(argv);
    return `${request.verb} ${JSON.stringify(request.params)}`;
  } catch (error) {
    return `fault ${(error as Error).message}`;
  }
}

/** The fast recogniser's view of the same argv, in the same shape; undefined when it declines. */
function fast(argv: readonly string[]): string | undefined {
  const params = driverInfoParams(argv);
  return params && `sr_get_driver_info ${JSON.stringify(params)}`;
}

/** A call in xapi's compact form (spec/smapi-protocol.md §1.2) from member texts, in order. */
const call = (members: readonly (readonly [string, string])[], declaration = false): string =>
  (declaration ? '<?xml version="1.0"?>' : '') +
  '<methodCall><methodName>sr_get_driver_info</methodName><params><param><value><struct>' +
  members.map(([name, value]) => `<member><name>${name}</name><value>${value}</value></member>`).join('') +
  '</struct></value></param></params></methodCall>';

const XAPI: readonly (readonly [string, string])[] = [
  ['host_ref', HOST_REF],
  ['command', 'sr_get_driver_info'],
  ['args', '<array><data/></array>'],
  ['device_config', '<struct/>'],
];

test('the call xapi sends at start-up is recognised with the params the full decoder returns', (t) => {
  for (const argv of [[call(XAPI)], [call(XAPI, true)], [smapiCall('sr_get_driver_info')], [call([...XAPI, ['local_cache_sr', CACHE_SR]])]]) {
    t.not(fast(argv), undefined, argv[0]);
    t.is(fast(argv), full(argv), argv[0]);
  }
});

test('anything not certainly a valid sr_get_driver_info call goes to the full driver', (t) => {
  const declined: string[][] = [
    [],
    [call(XAPI), ''],
    [''],
    [call(XAPI).replace('<struct><member>', '<struct> <member>')],
    [call(XAPI) + '\n'],
    [call(XAPI).replaceAll('sr_get_driver_info', 'sr_scan')],
    [call(XAPI).replace('<value>sr_get_driver_info</value>', '<value>sr_scan</value>')],
    [call([...XAPI, ['session_ref', 'OpaqueRef:bbbb']])],
    [call([...XAPI, ['host_ref', HOST_REF]])],
    [call([...XAPI.slice(0, 2), ['args', '<array><data><value>x</value></data></array>'], XAPI[3]!])],
    [call([...XAPI.slice(0, 3), ['device_config', '<struct><member><name>SRmaster</name><value>true</value></member></struct>']])],
    [call([['host_ref', 'OpaqueRef:a&amp;b']])],
    [call([['host_ref', 'not a ref']])],
    [call([['__proto__', 'x']])],
    [call([['constructor', 'x']])],
    [call(XAPI).replace('</methodCall>', '</methodCall><!-- -->')],
    [smapiCall('sr_get_driver_info').slice(0, 200)],
  ];
  for (const argv of declined) t.is(fast(argv), undefined, JSON.stringify(argv));
});

/** Members as xapi or a Python client may write them, in any order, each at most once. */
const memberForms: Record<string, readonly string[]> = {
  host_ref: [HOST_REF, `<string>${HOST_REF}</string>`, 'OpaqueRef:NULL'],
  command: ['sr_get_driver_info', '<string>sr_get_driver_info</string>'],
  args: ['<array><data/></array>', '<array><data></data></array>'],
  device_config: ['<struct/>', '<struct></struct>'],
  local_cache_sr: [CACHE_SR, `<string>${CACHE_SR.toUpperCase()}</string>`],
};
const validCall = fc
  .tuple(
    fc.shuffledSubarray(Object.keys(memberForms)),
    fc.array(fc.nat(), { minLength: 5, maxLength: 5 }),
    fc.boolean(),
  )
  .map(([names, picks, declaration]) => call(names.map((name, i) => [name, memberForms[name]![picks[i]! % memberForms[name]!.length]!] as const), declaration));

test('every call of the accepted forms decodes, in the full driver, to sr_get_driver_info with the same params', (t) => {
  fc.assert(
    fc.property(validCall, (xml) => {
      const f = fast([xml]);
      return f !== undefined && f === full([xml]);
    }),
    { numRuns: 500 },
  );
  t.pass();
});

test('whatever a mutated call looks like, when it is recognised the full driver reads the same call', (t) => {
  const mutated = fc
    .tuple(validCall, fc.nat(), fc.nat({ max: 3 }), fc.constantFrom('<', '>', '/', ' ', 'a', '&', '"', 'x', 'string', '<value>', '</member>', ''))
    .map(([xml, at, cut, insert]) => {
      const i = at % (xml.length + 1);
      return xml.slice(0, i) + insert + xml.slice(i + cut);
    });
  fc.assert(
    fc.property(mutated, (xml) => {
      const f = fast([xml]);
      return f === undefined || f === full([xml]);
    }),
    { numRuns: 3000 },
  );
  t.pass();
});
