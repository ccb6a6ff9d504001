import test from 'ava';
import fc from 'fast-check';
import { driverInfoParams } from '../../driver/driver-info-call.js';
import { decodeRequest } from '../../lib/smapi/request.js';
import { dumpsWithPython, parseWithPython } from '../helpers/run-built.js';
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
const XAPI_PARAMS = { host_ref: HOST_REF, command: 'sr_get_driver_info', args: [], device_config: {} };

/** The same call as a Python client writes it (xmlrpc.client.dumps: declaration in single quotes, one element a line, <string>). */
const PYTHON = await dumpsWithPython('sr_get_driver_info', [XAPI_PARAMS]);
const PYTHON_UTF8 = await dumpsWithPython('sr_get_driver_info', [{ device_config: {}, local_cache_sr: CACHE_SR, args: [], command: 'sr_get_driver_info', host_ref: HOST_REF }], 'UTF-8');

test('Python writes the call with a declaration, newlines and <string>, as these tests assume', (t) => {
  t.true(PYTHON.startsWith("<?xml version='1.0'?>\n<methodCall>\n<methodName>sr_get_driver_info</methodName>\n"));
  t.regex(PYTHON, /<value><string>OpaqueRef:aaaaaaaa-0000-0000-0000-000000000001<\/string><\/value>\n/);
  t.regex(PYTHON, /<value><array><data>\n<\/data><\/array><\/value>/);
  t.true(PYTHON_UTF8.startsWith("<?xml version='1.0' encoding='UTF-8'?>\n"));
});

test('xapi\'s compact form and Python\'s spelling are recognised, with the params the full decoder returns', (t) => {
  const pretty = call(XAPI, true).replace(/(<\/?(?:methodCall|params|param|member|struct|data)>)/g, '$1\n  ');
  const recognised: Record<string, string> = {
    'xapi': call(XAPI),
    'xapi with declaration': call(XAPI, true),
    'xapi with local_cache_sr': call([...XAPI, ['local_cache_sr', CACHE_SR]]),
    'xapi, then a newline': `${call(XAPI)}\n`,
    'the encoder\'s form': smapiCall('sr_get_driver_info'),
    'Python': PYTHON,
    'Python, UTF-8 named, members reordered, local_cache_sr': PYTHON_UTF8,
    'indented': pretty,
    'CRLF and tabs': pretty.replaceAll('\n  ', '\r\n\t'),
    'members reversed': call([...XAPI].reverse()),
    'space in tags': call(XAPI).replaceAll('<value>', '<value >').replaceAll('</name>', '</name\n>').replace('<data/>', '<data />'),
    'empty elements written out': call(XAPI).replace('<data/>', '<data></data>').replace('<struct/>', '<struct></struct>'),
    'references in text': call(XAPI).replace(HOST_REF, 'OpaqueRef&#58;aaaaaaaa&#x2d;0000-0000-0000-000000000001').replace('<name>command', '<name>com&#109;and'),
    'CDATA and comments': `<!-- start -->${call(XAPI).replace(HOST_REF, `<![CDATA[${HOST_REF}]]>`).replace('<name>command', '<!-- c --><name>comm<!---->and')}<!-- end -->\n`,
    'no members at all': call([]),
    'params as <struct/>': call([]).replace('<struct></struct>', '<struct/>'),
    'a declaration with encoding and standalone': `<?xml version="1.0" encoding="utf-8" standalone="yes" ?>\n${call(XAPI)}`,
  };
  for (const [what, xml] of Object.entries(recognised)) {
    t.not(fast([xml]), undefined, what);
    t.is(fast([xml]), full([xml]), what);
  }
  t.deepEqual({ ...driverInfoParams([PYTHON]) }, XAPI_PARAMS);
});

test('anything not certainly a valid sr_get_driver_info call goes to the full driver', async (t) => {
  const compact = call(XAPI);
  const declined: Record<string, string[]> = {
    'no argument': [],
    'a second argument': [compact, ''],
    'empty': [''],
    'another method': [compact.replaceAll('sr_get_driver_info', 'sr_scan')],
    'another method (Python)': [await dumpsWithPython('sr_scan', [{ ...XAPI_PARAMS, command: 'sr_scan' }])],
    'command not the method': [compact.replace('<value>sr_get_driver_info</value>', '<value>sr_scan</value>')],
    'a session (Python)': [await dumpsWithPython('sr_get_driver_info', [{ ...XAPI_PARAMS, session_ref: 'OpaqueRef:bbbb' }])],
    'an unknown member': [call([...XAPI, ['sr_uuid', CACHE_SR]])],
    'a member twice': [call([...XAPI, ['host_ref', HOST_REF]])],
    'args not empty': [call([...XAPI.slice(0, 2), ['args', '<array><data><value>x</value></data></array>'], XAPI[3]!])],
    'args without <data>': [call([...XAPI.slice(0, 2), ['args', '<array/>'], XAPI[3]!])],
    'device_config not empty': [call([...XAPI.slice(0, 3), ['device_config', '<struct><member><name>SRmaster</name><value>true</value></member></struct>']])],
    'a bad host_ref': [call([['host_ref', 'not a ref']])],
    'a host_ref with a space': [call([['host_ref', ` ${HOST_REF}`]])],
    'a host_ref as <int>': [call([['host_ref', '<int>1</int>']])],
    'an empty local_cache_sr (Python)': [await dumpsWithPython('sr_get_driver_info', [{ ...XAPI_PARAMS, local_cache_sr: '' }])],
    'a second param (Python)': [await dumpsWithPython('sr_get_driver_info', [XAPI_PARAMS, XAPI_PARAMS])],
    'params not a struct (Python)': [await dumpsWithPython('sr_get_driver_info', [[XAPI_PARAMS]])],
    '__proto__': [call([['__proto__', 'x']])],
    'constructor': [call([['constructor', 'x']])],
    'truncated (Python)': [PYTHON.slice(0, -20)],
    'unclosed tag': [compact.replace('</name>', '')],
    'mismatched tag': [compact.replace('</methodName>', '</methodname>')],
    'upper-case tags': [compact.replaceAll('value>', 'VALUE>')],
    'text after the document': [`${compact}x`],
    'a second document': [compact + compact],
    'text beside an element': [compact.replace('<value><array>', '<value>x<array>')],
    'an attribute': [compact.replace('<value>', '<value type="string">')],
    'a processing instruction': [compact.replace('<params>', '<?pi?><params>')],
    'declaration not first': [` <?xml version="1.0"?>${compact}`],
    'declaration of another encoding': [`<?xml version="1.0" encoding="ISO-8859-1"?>${compact}`],
    'declaration of another version': [`<?xml version="1.1"?>${compact}`],
    'a byte order mark': [`\uFEFF${compact}`],
    'a DOCTYPE': [`<!DOCTYPE methodCall>${compact}`],
    'an entity declared in a DOCTYPE': [`<!DOCTYPE methodCall [<!ENTITY r "${HOST_REF}">]>${call([['host_ref', '&r;']])}`],
    'an HTML entity': [call([['host_ref', 'OpaqueRef:a&nbsp;b']])],
    'an entity resolving to a character a ref has not': [call([['host_ref', 'OpaqueRef:a&amp;b']])],
    'a reference to U+0000': [call([['host_ref', 'OpaqueRef:a&#0;b']])],
    'a reference past U+10FFFF': [call([['host_ref', 'OpaqueRef:a&#x110000;b']])],
    'a reference in upper case': [call([['host_ref', 'OpaqueRef&#X3a;a']])],
    'an unterminated reference': [call([['host_ref', 'OpaqueRef&#58a']])],
    'a malformed comment': [compact.replace('<params>', '<!-- a -- b --><params>')],
    'a comment ending in ---': [compact.replace('<params>', '<!-- a ---><params>')],
    'a comment holding U+0001': [compact.replace('<params>', '<!-- \u0001 --><params>')],
    'an unterminated CDATA': [call([['host_ref', `<![CDATA[${HOST_REF}`]])],
    '<member/>': [compact.replace('<struct><member>', '<struct><member/><member>')],
    'a prefix of the call': [smapiCall('sr_get_driver_info').slice(0, 200)],
  };
  for (const [what, argv] of Object.entries(declined)) t.is(fast(argv), undefined, what);
});

/** Spaces and comments, as XML allows them between elements. */
const gap = fc.array(fc.constantFrom(' ', '\n', '\t', '\r\n', '    ', '<!-- a comment -->', '<!---->'), { maxLength: 3 }).map((parts) => parts.join(''));
/** Ways to write a text: raw, with character references, as CDATA, cut by a comment. */
const spellings: readonly ((text: string) => string)[] = [
  (text) => text,
  (text) => text.replace(/[:_-]/g, (c) => `&#${c.codePointAt(0)};`),
  (text) => text.replace(/[:_-]/g, (c) => `&#x${c.codePointAt(0)!.toString(16)};`),
  (text) => `<![CDATA[${text}]]>`,
  (text) => `${text.slice(0, 3)}<!-- x -->${text.slice(3)}`,
];
const DECLARATIONS = ['', '<?xml version="1.0"?>', "<?xml version='1.0'?>", "<?xml version='1.0' encoding='UTF-8'?>", '<?xml version = "1.0" standalone="no"?>'];
/** Each member's texts, and the ways to write its value; `~` marks where a gap may go. */
const STRINGS: Record<string, readonly string[]> = { host_ref: [HOST_REF, 'OpaqueRef:NULL'], command: ['sr_get_driver_info'], local_cache_sr: [CACHE_SR, CACHE_SR.toUpperCase()] };
const STRING_VALUES: readonly ((text: string) => string)[] = [(s) => `<value>${s}</value>`, (s) => `<value>~<string>${s}</string>~</value>`, (s) => `<value ><string\n>${s}</string ></value>`];
const CONTAINER_VALUES: Record<string, readonly string[]> = {
  args: ['<value><array><data/></array></value>', '<value>~<array>~<data>~</data>~</array>~</value>', '<value><array><data ></data></array></value>'],
  device_config: ['<value><struct/></value>', '<value>~<struct>~</struct>~</value>', '<value><struct ></struct></value>'],
};

/** Any spelling of a valid call: a subset of the members in any order, each written in any of the ways above. */
const validCall = fc
  .record({
    names: fc.shuffledSubarray(['host_ref', 'command', 'args', 'device_config', 'local_cache_sr']),
    picks: fc.array(fc.nat(), { minLength: 32, maxLength: 32 }),
    gaps: fc.array(gap, { minLength: 64, maxLength: 64 }),
    declaration: fc.constantFrom(...DECLARATIONS),
  })
  .map(({ names, picks, gaps, declaration }) => {
    let p = 0;
    const pick = <T>(choices: readonly T[]): T => choices[picks[p++ % picks.length]! % choices.length]!;
    const spell = (text: string): string => pick(spellings)(text);
    const members = names.map((name) => {
      const value = name in STRINGS ? pick(STRING_VALUES)(spell(pick(STRINGS[name]!))) : pick(CONTAINER_VALUES[name]!);
      return `~<member>~<name>${spell(name)}</name>~${value}~</member>`;
    });
    const template =
      `${declaration}~<methodCall>~<methodName>${spell('sr_get_driver_info')}</methodName>~<params>~<param>~<value>~<struct>` +
      `${members.join('')}~</struct>~</value>~</param>~</params>~</methodCall>~`;
    return template.split('~').map((part, i) => (i === 0 ? part : gaps[i % gaps.length]! + part)).join('');
  });

test('every spelling of a valid call is recognised, and the full driver decodes it to sr_get_driver_info with the same params', (t) => {
  fc.assert(
    fc.property(validCall, (xml) => {
      const f = fast([xml]);
      return f !== undefined && f === full([xml]);
    }),
    { numRuns: 1000 },
  );
  t.pass();
});

test('Python\'s xmlrpc.client reads the generated spellings as the same call', async (t) => {
  const samples = fc.sample(validCall, { numRuns: 8, seed: 1 });
  for (const xml of samples) {
    const python = (await parseWithPython(xml)) as { method: string; params: unknown[] };
    t.is(python.method, 'sr_get_driver_info', xml);
    t.deepEqual(python.params, [JSON.parse(JSON.stringify(driverInfoParams([xml])))], xml);
  }
});

test('whatever a mutated call looks like, when it is recognised the full driver reads the same call', (t) => {
  const inserts = [
    '<', '>', '/', ' ', '\n', 'a', '&', '"', "'", 'x', ':', '-', 'string', '<value>', '</member>', '<string>', '</string>', '<struct/>', '<data/>', '',
    '<!---->', '<!--', '-->', '--', '<![CDATA[', ']]>', '&#58;', '&#x3a;', '&#0;', '&amp;', '&lt;', '<!DOCTYPE x>', '<?pi?>', ' a="1"', '\u0001', '\uD800', '\uFEFF',
  ];
  const mutated = fc
    .tuple(validCall, fc.nat(), fc.nat({ max: 3 }), fc.constantFrom(...inserts))
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
