import test from 'ava';
import {
  decodeMethodCall,
  decodeMethodResponse,
  encodeFault,
  encodeMethodCall,
  encodeMethodResponse,
  hasIllegalXmlChar,
  XmlRpcDecodeError,
  type XmlRpcInput,
  type XmlRpcValue,
} from '../../../lib/smapi/xmlrpc.js';

const roundTrip = test.macro({
  exec(t, input: XmlRpcInput, expected: XmlRpcValue) {
    const decoded = decodeMethodResponse(encodeMethodResponse(input));
    t.is(decoded.kind, 'value');
    t.deepEqual(JSON.parse(JSON.stringify(decoded.kind === 'value' ? decoded.value : null)), JSON.parse(JSON.stringify(expected)));
  },
  title: (given) => `round trip: ${given ?? ''}`,
});

test('nil', roundTrip, null, null);
test('empty struct', roundTrip, {}, {});
test('empty array', roundTrip, [], []);
test('booleans', roundTrip, [true, false], [true, false]);
test('empty string', roundTrip, '', '');
test('sizes above 2^31 as decimal strings', roundTrip, { size: '17179869184', huge: 2n ** 63n - 1n }, { size: '17179869184', huge: '9223372036854775807' });
test('markup and ]]> in text', roundTrip, 'a<b & c ]]> d "q"', 'a<b & c ]]> d "q"');
test('non-ASCII text', roundTrip, { label: 'disque système ☃ 日本' }, { label: 'disque système ☃ 日本' });
test('nested arrays of structs', roundTrip, [{ key: 'k', description: 'd' }, []], [{ key: 'k', description: 'd' }, []]);

test('base64 carries bytes including NUL', (t) => {
  const bytes = Buffer.from([0, 1, 2, 255, 0]);
  const decoded = decodeMethodResponse(encodeMethodResponse(bytes));
  t.true(decoded.kind === 'value' && Buffer.isBuffer(decoded.value) && decoded.value.equals(bytes));
});

test('dates are written in UTC in xapi compact form', (t) => {
  const xml = encodeMethodResponse(new Date(Date.UTC(2026, 0, 2, 3, 4, 5)));
  t.regex(xml, /<dateTime\.iso8601>20260102T03:04:05Z<\/dateTime\.iso8601>/);
});

test('markup is escaped, never written as CDATA', (t) => {
  const xml = encodeMethodResponse('a<b&c');
  t.regex(xml, /<string>a&lt;b&amp;c<\/string>/);
  t.notRegex(xml, /CDATA/);
});

test('an <int> is never written above 2^31-1', (t) => {
  t.throws(() => encodeMethodResponse(2 ** 31), { instanceOf: RangeError });
  t.throws(() => encodeMethodResponse(-(2 ** 31) - 1), { instanceOf: RangeError });
  t.regex(encodeMethodResponse(2 ** 31 - 1), /<int>2147483647<\/int>/);
});

test('undefined and non-finite numbers are refused instead of written as empty values', (t) => {
  t.throws(() => encodeMethodResponse({ a: undefined } as unknown as XmlRpcInput), { instanceOf: TypeError });
  t.throws(() => encodeMethodResponse(Number.NaN), { instanceOf: TypeError });
});

test('characters XML cannot carry are replaced, so the document stays well-formed', (t) => {
  t.true(hasIllegalXmlChar('a\u0001b'));
  t.false(hasIllegalXmlChar('tab\tnew\nline\r'));
  const decoded = decodeMethodResponse(encodeMethodResponse('a\u0001b'));
  t.deepEqual(decoded, { kind: 'value', value: 'a\uFFFDb' });
});

test('xapi style: bare <value> text, <value/>, i4 and i8', (t) => {
  const xml =
    '<methodCall><methodName>m</methodName><params><param><value><struct>' +
    '<member><name>a</name><value>bare</value></member>' +
    '<member><name>b</name><value/></member>' +
    '<member><name>c</name><value><i4>7</i4></value></member>' +
    '<member><name>d</name><value><i8>10995116277760</i8></value></member>' +
    '<member><name>e</name><value><int>18446744073709551615</int></value></member>' +
    '</struct></value></param></params></methodCall>';
  const { method, params } = decodeMethodCall(xml);
  t.is(method, 'm');
  t.deepEqual({ ...(params[0] as object) }, { a: 'bare', b: '', c: 7, d: '10995116277760', e: '18446744073709551615' });
});

test('pretty-printed input is accepted', (t) => {
  const xml = `<?xml version="1.0"?>\n<methodCall>\n <methodName>m</methodName>\n <params>\n  <param>\n   <value><array><data>\n    <value><string>x</string></value>\n   </data></array></value>\n  </param>\n </params>\n</methodCall>\n`;
  t.deepEqual(decodeMethodCall(xml).params, [['x']]);
});

test('a member named __proto__ is plain data, not a prototype', (t) => {
  const xml =
    '<methodCall><methodName>m</methodName><params><param><value><struct>' +
    '<member><name>__proto__</name><value><struct><member><name>polluted</name><value>yes</value></member></struct></value></member>' +
    '</struct></value></param></params></methodCall>';
  const struct = decodeMethodCall(xml).params[0] as Record<string, unknown>;
  t.is((struct as { polluted?: unknown }).polluted, undefined);
  t.true(Object.hasOwn(struct, '__proto__'));
  t.is(({} as { polluted?: unknown }).polluted, undefined);
});

const malformed = test.macro({
  exec(t, xml: string) {
    t.throws(() => decodeMethodCall(xml), { instanceOf: XmlRpcDecodeError });
  },
  title: (given) => `malformed call is a decode error: ${given ?? ''}`,
});
test('empty', malformed, '');
test('not XML', malformed, 'hello world');
test('truncated', malformed, '<methodCall><methodName>sr_scan</methodName><params><param><value><struct>');
test('unknown tag', malformed, '<methodCall><methodName>m</methodName><params><param><value><foo/></value></param></params></methodCall>');
test('a response where a call is expected', malformed, encodeMethodResponse('x'));
test('bad boolean', malformed, '<methodCall><methodName>m</methodName><params><param><value><boolean>yes</boolean></value></param></params></methodCall>');

test('faults decode to code and string', (t) => {
  const xml = encodeFault({ faultCode: 46, faultString: 'The VDI is not available [opterr=x]' });
  t.deepEqual(decodeMethodResponse(xml), { kind: 'fault', fault: { faultCode: 46, faultString: 'The VDI is not available [opterr=x]' } });
});

test('method calls round trip with several params', (t) => {
  const { method, params } = decodeMethodCall(encodeMethodCall('VDI.get_by_uuid', ['OpaqueRef:x', 'uuid']));
  t.is(method, 'VDI.get_by_uuid');
  t.deepEqual(params, ['OpaqueRef:x', 'uuid']);
});

test('a character XML 1.0 forbids is refused in a methodCall, read in a methodResponse (xapi lets U+FFFE through)', (t) => {
  const call = '<methodCall><methodName>m</methodName><params><param><value>bad\uFFFEname</value></param></params></methodCall>';
  t.throws(() => decodeMethodCall(call), { instanceOf: XmlRpcDecodeError, message: /character U\+FFFE in the document/ });
  t.throws(() => decodeMethodCall(call.replace('\uFFFE', '&#xFFFE;')), { instanceOf: XmlRpcDecodeError, message: /character U\+FFFE in text/ });
  const response = '<methodResponse><params><param><value>bad\uFFFEname</value></param></params></methodResponse>';
  t.deepEqual(decodeMethodResponse(response), { kind: 'value', value: 'bad\uFFFEname' });
  // Still well-formed XML only, whatever the message.
  t.throws(() => decodeMethodResponse(`${response}<methodResponse/>`), { instanceOf: XmlRpcDecodeError, message: /second root element/ });
  t.throws(() => decodeMethodResponse(response.replace('\uFFFE', '&#0;')), { instanceOf: XmlRpcDecodeError, message: /Invalid character entity/ });
});
