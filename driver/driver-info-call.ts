/**
 * Recognises an argv that is certainly a valid `sr_get_driver_info` call, so the driver's fast entry
 * (driver/entry.ts) can answer it without loading the whole driver — and so without the XML parser: a small
 * reader over the string, written for this one call.
 *
 * It reads any well-formed spelling of the call: xapi's compact form (spec/smapi-protocol.md §1.2, §3.1),
 * Python's `xmlrpc.client.dumps` (a declaration in single quotes, a newline between elements, `<string>`),
 * whitespace and comments between elements, members in any order, strings bare or in `<string>`, character
 * references and CDATA in text, empty elements as `<x/>` or `<x></x>`. It accepts only the members xapi sends
 * for this command, each at most once, with the values xapi sends; anything else — other verbs, other members
 * or values, a second argument, attributes, a DOCTYPE, processing instructions, any value type but a string,
 * an empty array or an empty struct — answers undefined and goes through the full decoder, so its faults are
 * the full path's. For every argv accepted here, decodeRequest accepts it too, as sr_get_driver_info with the
 * same params (test/driver/driver-info-call.test.ts checks that).
 */
import { hasIllegalXmlChar } from '../lib/smapi/xml-chars.js';

/** The parameter struct as decodeRequest returns it: members in document order, no prototype. */
export type DriverInfoParams = { readonly [key: string]: string | readonly never[] | Readonly<Record<string, never>> };

/** Each string member xapi sends for sr_get_driver_info, and the text it may hold (after references are resolved). */
const STRING_MEMBERS: Readonly<Record<string, RegExp>> = {
  host_ref: /^OpaqueRef:[A-Za-z0-9._-]+$/,
  command: /^sr_get_driver_info$/,
  local_cache_sr: /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i,
};

/** XML's declaration, only at the very start: version 1.0, and if an encoding is named, UTF-8 (what argv holds). */
const DECLARATION =
  /<\?xml[ \t\r\n]+version[ \t\r\n]*=[ \t\r\n]*(["'])1\.0\1(?:[ \t\r\n]+encoding[ \t\r\n]*=[ \t\r\n]*(["'])[Uu][Tt][Ff]-8\2)?(?:[ \t\r\n]+standalone[ \t\r\n]*=[ \t\r\n]*(["'])(?:yes|no)\3)?[ \t\r\n]*\?>/y;
const SPACE = /[ \t\r\n]*/y;
/** What may follow a tag's name: optional space, then `>` or `/>` (XML-RPC elements have no attributes). */
const TAG_END = /[ \t\r\n]*(\/?)>/y;
const CHARS = /[^<&]*/y;
/** The five predefined entities and character references, which the full decoder's parser resolves alike. */
const REFERENCE = /&(?:(amp|lt|gt|quot|apos)|#([0-9]{1,7})|#x([0-9a-fA-F]{1,6}));/y;
const ENTITIES: Readonly<Record<string, string>> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

const EMPTY_ARRAY = Symbol('empty array');
const EMPTY_STRUCT = Symbol('empty struct');
type Value = string | typeof EMPTY_ARRAY | typeof EMPTY_STRUCT;

/** A cursor over the document; each method advances only on success, except where it fails the whole call. */
class Reader {
  pos = 0;
  constructor(readonly xml: string) {}

  private match(re: RegExp): RegExpExecArray | null {
    re.lastIndex = this.pos;
    const m = re.exec(this.xml);
    if (m) this.pos = re.lastIndex;
    return m;
  }

  /** Skips whitespace and comments between elements; false on a malformed comment. */
  misc(): boolean {
    for (;;) {
      this.match(SPACE);
      if (!this.xml.startsWith('<!--', this.pos)) return true;
      if (!this.comment()) return false;
    }
  }

  /** Skips one comment as XML allows it: no `--` inside, not ending in `-`, only XML characters. */
  private comment(): boolean {
    const end = this.xml.indexOf('-->', this.pos + 4);
    if (end < 0) return false;
    const body = this.xml.slice(this.pos + 4, end);
    if (body.includes('--') || body.endsWith('-') || hasIllegalXmlChar(body)) return false;
    this.pos = end + 3;
    return true;
  }

  /** A start tag `<name>` ('open') or `<name/>` ('empty'); undefined, not moving, when there is none. */
  open(name: string): 'open' | 'empty' | undefined {
    if (!this.xml.startsWith(`<${name}`, this.pos)) return undefined;
    const from = this.pos;
    this.pos += name.length + 1;
    const m = this.match(TAG_END);
    if (!m) this.pos = from;
    return m ? (m[1] ? 'empty' : 'open') : undefined;
  }

  close(name: string): boolean {
    if (!this.xml.startsWith(`</${name}`, this.pos)) return false;
    this.pos += name.length + 2;
    return this.match(TAG_END)?.[1] === '';
  }

  /** Character data up to the next end tag, references resolved, CDATA unwrapped, comments dropped. */
  text(): string | undefined {
    let out = '';
    while (this.pos < this.xml.length) {
      if (this.xml.startsWith('</', this.pos)) return out;
      if (this.xml.startsWith('<![CDATA[', this.pos)) {
        const end = this.xml.indexOf(']]>', this.pos + 9);
        if (end < 0) return undefined;
        out += this.xml.slice(this.pos + 9, end);
        this.pos = end + 3;
      } else if (this.xml.startsWith('<!--', this.pos)) {
        if (!this.comment()) return undefined;
      } else if (this.xml[this.pos] === '<') {
        return undefined;
      } else if (this.xml[this.pos] === '&') {
        const m = this.match(REFERENCE);
        if (!m) return undefined;
        const code = m[2] ? Number(m[2]) : m[3] ? parseInt(m[3], 16) : undefined;
        if (code === undefined) out += ENTITIES[m[1]!]!;
        else if (code <= 0x10ffff) out += String.fromCodePoint(code);
        else return undefined;
      } else {
        out += this.match(CHARS)![0];
      }
    }
    return undefined;
  }

  /** Character data, then `</name>`. */
  private textThenClose(name: string): string | undefined {
    const text = this.text();
    return text !== undefined && this.close(name) ? text : undefined;
  }

  /** `<name>text</name>` or `<name/>` (the empty string). */
  textElement(name: string): string | undefined {
    const tag = this.open(name);
    return tag === 'open' ? this.textThenClose(name) : tag === 'empty' ? '' : undefined;
  }

  /** A `<value>` holding a string, an empty array or an empty struct; undefined for anything else. */
  value(): Value | undefined {
    const tag = this.open('value');
    if (tag !== 'open') return tag === 'empty' ? '' : undefined;
    const start = this.pos;
    if (!this.misc()) return undefined;
    let value: Value | undefined;
    let inner: 'open' | 'empty' | undefined;
    if ((inner = this.open('string'))) {
      value = inner === 'empty' ? '' : this.textThenClose('string');
    } else if ((inner = this.open('array'))) {
      const data = inner === 'open' && this.misc() ? this.open('data') : undefined;
      const closed = data === 'empty' || (data === 'open' && this.misc() && this.close('data'));
      if (!closed || !this.misc() || !this.close('array')) return undefined;
      value = EMPTY_ARRAY;
    } else if ((inner = this.open('struct'))) {
      if (inner === 'open' && !(this.misc() && this.close('struct'))) return undefined;
      value = EMPTY_STRUCT;
    } else {
      // No child element: the value is all the text since <value>, its spaces included.
      this.pos = start;
      return this.textThenClose('value');
    }
    return value !== undefined && this.misc() && this.close('value') ? value : undefined;
  }
}

/** Adds one member if xapi would send it so for this command; false for anything else. */
function addMember(params: Record<string, string | never[] | Record<string, never>>, name: string, value: Value): boolean {
  if (Object.hasOwn(params, name)) return false;
  if (name === 'args' && value === EMPTY_ARRAY) params[name] = [];
  else if (name === 'device_config' && value === EMPTY_STRUCT) params[name] = Object.create(null) as Record<string, never>;
  else if (typeof value === 'string' && Object.hasOwn(STRING_MEMBERS, name) && STRING_MEMBERS[name]!.test(value)) params[name] = value;
  else return false;
  return true;
}

/** The params of an sr_get_driver_info call, or undefined when argv is not certainly one. */
export function driverInfoParams(argv: readonly string[]): DriverInfoParams | undefined {
  if (argv.length !== 1) return undefined;
  const r = new Reader(argv[0]!);
  DECLARATION.lastIndex = 0;
  if (DECLARATION.test(r.xml)) r.pos = DECLARATION.lastIndex;
  const opened =
    r.misc() && r.open('methodCall') === 'open' &&
    r.misc() && r.textElement('methodName') === 'sr_get_driver_info' &&
    r.misc() && r.open('params') === 'open' &&
    r.misc() && r.open('param') === 'open' &&
    r.misc() && r.open('value') === 'open' &&
    r.misc();
  const struct = opened ? r.open('struct') : undefined;
  if (!struct) return undefined;
  const params: Record<string, string | never[] | Record<string, never>> = Object.create(null) as Record<string, never>;
  if (struct === 'open') {
    for (;;) {
      if (!r.misc()) return undefined;
      const member = r.open('member');
      if (member === undefined) break;
      if (member === 'empty' || !r.misc()) return undefined;
      const name = r.textElement('name');
      const value = name !== undefined && r.misc() ? r.value() : undefined;
      if (value === undefined || !r.misc() || !r.close('member') || !addMember(params, name!, value)) return undefined;
    }
    if (!r.close('struct')) return undefined;
  }
  const closed =
    r.misc() && r.close('value') &&
    r.misc() && r.close('param') &&
    r.misc() && r.close('params') &&
    r.misc() && r.close('methodCall') &&
    r.misc();
  return closed && r.pos === r.xml.length ? params : undefined;
}
