/**
 * The XML-RPC codec: the only module that touches the `xmlrpc` package (unmaintained since 2016, so
 * it is wrapped and its quirks are fixed here — spec/toolchain.md §2):
 * - it writes any integral number as `<int>`, even above 2^31-1: we refuse such numbers (XenAPI and SM
 *   send sizes as decimal strings) and write bigints as decimal strings instead of an empty value;
 * - it writes `undefined` as an empty value: we refuse it;
 * - it writes dates in local time: we write `YYYYMMDDTHH:MM:SSZ` in UTC, as xapi does;
 * - it writes `<`/`&` strings as CDATA: we escape them, as xapi does;
 * - it parses `<int>` beyond 2^53 lossily: we keep those as decimal strings;
 * - it builds structs on plain objects (a member named `__proto__` would change the prototype):
 *   ours have no prototype;
 * - it decodes `<base64>` with `new Buffer()`, which prints a DEP0005 warning on stderr (xapi puts the
 *   driver's stderr into its errors): we decode with Buffer.from and refuse what is not base64;
 * - its sax parser is not strict: it takes trailing data or a second document after the root, mismatched
 *   close tags and references to characters XML 1.0 forbids (`&#0;`). We parse with a strict sax parser,
 *   refuse all of these (in a methodCall: see feed()), and hand its events to the deserializer's handlers
 *   (so that a request SM's expat parser would refuse is refused here too).
 * Decoding is synchronous: the sax parser is fed the whole document at once.
 */
// Deep imports of the CommonJS internals (the package has no exports map); esbuild bundles them.
import serializerModule from 'xmlrpc/lib/serializer.js';
import deserializerModule from 'xmlrpc/lib/deserializer.js';
import customTypeModule from 'xmlrpc/lib/customtype.js';
import saxModule from 'sax';
import { hasIllegalXmlChar, ILLEGAL_XML } from './xml-chars.js';

export { hasIllegalXmlChar };

/** A value that travels in XML-RPC. Structs are records of values; arrays are arrays. */
export type XmlRpcValue =
  | string
  | number
  | boolean
  | null
  | Buffer
  | Date
  | readonly XmlRpcValue[]
  | { readonly [key: string]: XmlRpcValue };

/** What may be handed to the encoder: a value, or a bigint sent as its decimal string. */
export type XmlRpcInput =
  | XmlRpcValue
  | bigint
  | readonly XmlRpcInput[]
  | { readonly [key: string]: XmlRpcInput };

/** The document could not be parsed as the expected XML-RPC message. */
export class XmlRpcDecodeError extends Error {
  override name = 'XmlRpcDecodeError';
}

/** A fault carried by a methodResponse. */
export type XmlRpcFault = { readonly faultCode: number; readonly faultString: string };

export type DecodedResponse =
  | { readonly kind: 'value'; readonly value: XmlRpcValue }
  | { readonly kind: 'fault'; readonly fault: XmlRpcFault };

type XmlBuilderNode = { ele(name: string): XmlBuilderNode; txt(text: string): XmlBuilderNode };
type SerializerModule = {
  serializeMethodCall(method: string, params: unknown[]): string;
  serializeMethodResponse(value: unknown): string;
  serializeFault(fault: unknown): string;
};
type CustomTypeCtor = new (raw: string) => { raw: string; tagName: string; serialize(xml: XmlBuilderNode): XmlBuilderNode };
type DeserializerInstance = {
  push(value: unknown): void;
  marks: number[];
  stack: unknown[];
  value: boolean;
  endInt(data: string): void;
  endStruct(data: string): void;
  endBase64(data: string): void;
  onOpentag(node: { name: string }): void;
  onClosetag(name: string): void;
  onText(text: string): void;
  onCDATA(text: string): void;
  onDone(): void;
  deserializeMethodCall(stream: unknown, cb: (err: Error | null | undefined, method?: string, params?: unknown[]) => void): void;
  deserializeMethodResponse(stream: unknown, cb: (err: (Error & Partial<XmlRpcFault>) | null | undefined, value?: unknown) => void): void;
};

/** The part of sax's strict parser the decoder drives (sax has no types of its own). */
type SaxParser = {
  onopentag: (node: { name: string; attributes: Record<string, string> }) => void;
  onclosetag: (name: string) => void;
  ontext: (text: string) => void;
  oncdata: (text: string) => void;
  ondoctype: () => void;
  onerror: (error: Error) => void;
  onend: () => void;
  write(chunk: string): SaxParser;
  close(): SaxParser;
};
type SaxModule = { parser(strict: boolean, options: Record<string, never>): SaxParser };

const modules = {
  sax: saxModule as unknown as SaxModule,
  serializer: serializerModule as unknown as SerializerModule,
  Deserializer: deserializerModule as unknown as new () => DeserializerInstance,
  CustomType: customTypeModule as unknown as CustomTypeCtor,
};
function lib(): typeof modules {
  return modules;
}

const INT32_MAX = 2 ** 31 - 1;
const INT32_MIN = -(2 ** 31);

function escapedString(text: string): unknown {
  const { CustomType } = lib();
  const node = new CustomType(text.replace(ILLEGAL_XML, '\uFFFD'));
  node.serialize = (xml: XmlBuilderNode) => (text === '' ? xml.ele('string') : xml.ele('string').txt(node.raw));
  return node;
}

function dateTime(date: Date): unknown {
  const { CustomType } = lib();
  const iso = date.toISOString(); // 2026-01-02T03:04:05.000Z
  const compact = `${iso.slice(0, 4)}${iso.slice(5, 7)}${iso.slice(8, 10)}T${iso.slice(11, 19)}Z`;
  const node = new CustomType(compact);
  node.tagName = 'dateTime.iso8601';
  return node;
}

/** Checks and converts a value tree into what the serializer may safely write. */
function prepare(value: XmlRpcInput, where: string): unknown {
  switch (typeof value) {
    case 'string':
      return escapedString(value);
    case 'boolean':
      return value;
    case 'bigint':
      return escapedString(value.toString());
    case 'number':
      if (!Number.isFinite(value)) throw new TypeError(`${where}: cannot encode ${value}`);
      if (Number.isInteger(value) && (value > INT32_MAX || value < INT32_MIN)) {
        throw new RangeError(`${where}: ${value} does not fit an XML-RPC <int>; send it as a decimal string`);
      }
      return value;
    case 'object':
      if (value === null || Buffer.isBuffer(value)) return value;
      if (value instanceof Date) return dateTime(value);
      if (Array.isArray(value)) return value.map((v: XmlRpcInput, i: number) => prepare(v, `${where}[${i}]`));
      return Object.fromEntries(
        Object.entries(value as Record<string, XmlRpcInput>).map(([k, v]) => [k, prepare(v, `${where}.${k}`)]),
      );
    default:
      throw new TypeError(`${where}: cannot encode a value of type ${typeof value}`);
  }
}

export function encodeMethodCall(method: string, params: readonly XmlRpcInput[]): string {
  return lib().serializer.serializeMethodCall(method, params.map((p, i) => prepare(p, `param ${i}`)) as unknown[]);
}

export function encodeMethodResponse(value: XmlRpcInput): string {
  return lib().serializer.serializeMethodResponse(prepare(value, 'result'));
}

export function encodeFault(fault: XmlRpcFault): string {
  if (!Number.isInteger(fault.faultCode)) throw new TypeError('faultCode must be an integer');
  return lib().serializer.serializeFault(prepare({ faultCode: fault.faultCode, faultString: fault.faultString }, 'fault'));
}

function newDeserializer(): DeserializerInstance {
  const d = new (lib().Deserializer)();
  d.endInt = function endInt(data: string) {
    const text = data.trim();
    if (!/^[+-]?\d+$/.test(text)) throw new Error(`Expected an integer but got '${data}'`);
    const n = Number(text);
    this.push(Number.isSafeInteger(n) ? n : BigInt(text).toString());
    this.value = false;
  };
  d.endStruct = function endStruct() {
    const mark = this.marks.pop() ?? 0;
    const items = this.stack.slice(mark);
    const struct: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
    for (let i = 0; i < items.length; i += 2) {
      Object.defineProperty(struct, String(items[i]), { value: items[i + 1], enumerable: true, writable: true, configurable: true });
    }
    this.stack.splice(mark, this.stack.length - mark, struct);
    this.value = false;
  };
  d.endBase64 = function endBase64(data: string) {
    const text = data.replace(/[\t\n\r ]/g, '');
    if (!/^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/.test(text)) {
      throw new Error(`Expected base64 but got '${data.slice(0, 40)}'`);
    }
    this.push(Buffer.from(text, 'base64'));
    this.value = false;
  };
  return d;
}

/** A stream stand-in: the deserializer only wires events; we feed it from our own parser. */
const NO_STREAM = { setEncoding() {}, on() {}, pipe() {} };

/** Refuses text holding a character XML 1.0 forbids, raw or written as a character reference. */
function checkChars(text: string, where: string): void {
  ILLEGAL_XML.lastIndex = 0;
  const bad = ILLEGAL_XML.exec(text);
  if (bad) {
    const code = bad[0].codePointAt(0) ?? 0;
    throw new XmlRpcDecodeError(`invalid XML: character U+${code.toString(16).toUpperCase().padStart(4, '0')} in ${where} is not allowed in XML 1.0`);
  }
}

/**
 * Parses `xml` with a strict sax parser and replays its events into the deserializer. Refused: anything
 * not well-formed (mismatched or unclosed tags, text or a second element after the root), a DOCTYPE
 * (XML-RPC has none, and entities declared there would be expanded), references to U+0000 or past
 * U+10FFFF, and — with `strictChars` — any character XML 1.0 forbids. A methodCall (the argv xapi
 * gives us) is held to that; a methodResponse is not, because xapi's encoder lets some of those
 * characters through (U+FFFE in a name): the caller must still read such a record, to refuse it itself.
 */
function feed(d: DeserializerInstance, xml: string, strictChars: boolean): void {
  const check = strictChars ? checkChars : () => undefined;
  const parser = lib().sax.parser(true, {});
  let depth = 0;
  let rootClosed = false;
  parser.onerror = (error) => {
    throw new XmlRpcDecodeError(`invalid XML: ${error.message.split('\n')[0]}`, { cause: error });
  };
  parser.ondoctype = () => {
    throw new XmlRpcDecodeError('invalid XML-RPC: a DOCTYPE is not allowed');
  };
  parser.onopentag = (node) => {
    if (rootClosed) throw new XmlRpcDecodeError(`invalid XML: a second root element <${node.name}> after the document`);
    for (const [name, value] of Object.entries(node.attributes)) check(value, `attribute ${name}`);
    depth += 1;
    d.onOpentag({ name: node.name.toUpperCase() });
  };
  parser.onclosetag = (name) => {
    depth -= 1;
    if (depth === 0) rootClosed = true;
    d.onClosetag(name.toUpperCase());
  };
  parser.ontext = (text) => {
    check(text, 'text');
    d.onText(text);
  };
  parser.oncdata = (text) => {
    check(text, 'CDATA');
    d.onCDATA(text);
  };
  parser.onend = () => d.onDone();
  check(xml, 'the document');
  try {
    parser.write(xml).close();
  } catch (error) {
    if (error instanceof XmlRpcDecodeError) throw error;
    // sax throws on a reference past U+10FFFF (String.fromCodePoint).
    throw new XmlRpcDecodeError(`invalid XML: ${(error as Error).message.split('\n')[0]}`, { cause: error });
  }
}

export function decodeMethodCall(xml: string): { method: string; params: XmlRpcValue[] } {
  const d = newDeserializer();
  let result: { method: string; params: XmlRpcValue[] } | undefined;
  let failure: Error | undefined;
  d.deserializeMethodCall(NO_STREAM, (err, method, params) => {
    if (result || failure) return;
    if (err) failure = err;
    else result = { method: method ?? '', params: (params ?? []) as XmlRpcValue[] };
  });
  feed(d, xml, true);
  if (failure) throw new XmlRpcDecodeError(failure.message.split('\n')[0] ?? 'invalid XML-RPC', { cause: failure });
  if (!result) throw new XmlRpcDecodeError('Invalid XML-RPC message');
  return result;
}

export function decodeMethodResponse(xml: string): DecodedResponse {
  const d = newDeserializer();
  let result: DecodedResponse | undefined;
  let failure: Error | undefined;
  d.deserializeMethodResponse(NO_STREAM, (err, value) => {
    if (result || failure) return;
    if (err && typeof err.faultCode === 'number') {
      result = { kind: 'fault', fault: { faultCode: err.faultCode, faultString: String(err.faultString ?? '') } };
    } else if (err) failure = err;
    else result = { kind: 'value', value: value as XmlRpcValue };
  });
  feed(d, xml, false);
  if (failure) throw new XmlRpcDecodeError(failure.message.split('\n')[0] ?? 'invalid XML-RPC', { cause: failure });
  if (!result) throw new XmlRpcDecodeError('Invalid XML-RPC message');
  return result;
}

/** Narrowing helpers for decoded values. */
export function isStruct(value: XmlRpcValue | undefined): value is { readonly [key: string]: XmlRpcValue } {
  return value !== null && typeof value === 'object' && !Array.isArray(value) && !Buffer.isBuffer(value) && !(value instanceof Date);
}
