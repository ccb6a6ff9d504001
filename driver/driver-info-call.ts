/**
 * Recognises, without an XML parser, an argv that is certainly a valid `sr_get_driver_info` call, so the
 * driver's fast entry (driver/entry.ts) can answer it without loading the whole driver.
 *
 * Only the forms xapi writes (spec/smapi-protocol.md §1.2, §3.1: compact, no whitespace, strings bare or
 * in `<string>`) and the members it sends for this command are accepted, each at most once; anything else —
 * other verbs, other members, whitespace, entities, a second argument — answers undefined and goes through
 * the full decoder, so its faults are the full path's. For every argv accepted here, decodeRequest accepts
 * it too, as sr_get_driver_info with the same params (test/driver/driver-info-call.test.ts checks that).
 */

/** The parameter struct as decodeRequest returns it: members in document order, no prototype. */
export type DriverInfoParams = { readonly [key: string]: string | readonly never[] | Readonly<Record<string, never>> };

const HEAD = /^(?:<\?xml version="1\.0"\?>)?<methodCall><methodName>sr_get_driver_info<\/methodName><params><param><value><struct>/;
const TAIL = '</struct></value></param></params></methodCall>';
/** One member, its value with or without `<string>`: group 1 the name, group 2 or 3 the raw value. */
const MEMBER = /<member><name>([a-z_]+)<\/name><value>(?:<string>([^<]*)<\/string>|([^<]*)|(<array><data\/><\/array>|<array><data><\/data><\/array>|<struct\/>|<struct><\/struct>))<\/value><\/member>/y;

/** Each member xapi sends for sr_get_driver_info, and the text it may hold (none needs XML unescaping). */
const STRING_MEMBERS: Readonly<Record<string, RegExp>> = {
  host_ref: /^OpaqueRef:[A-Za-z0-9._-]+$/,
  command: /^sr_get_driver_info$/,
  local_cache_sr: /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i,
};
const EMPTY_ARRAY = /^<array><data(?:\/>|><\/data>)<\/array>$/;
const EMPTY_STRUCT = /^<struct(?:\/>|><\/struct>)$/;

/** The params of an sr_get_driver_info call in the forms above, or undefined when it is not certainly one. */
export function driverInfoParams(argv: readonly string[]): DriverInfoParams | undefined {
  if (argv.length !== 1) return undefined;
  const xml = argv[0]!;
  const head = HEAD.exec(xml);
  if (!head || !xml.endsWith(TAIL)) return undefined;
  const end = xml.length - TAIL.length;
  const params: Record<string, string | never[] | Record<string, never>> = Object.create(null) as Record<string, never>;
  MEMBER.lastIndex = head[0].length;
  while (MEMBER.lastIndex < end) {
    const m = MEMBER.exec(xml);
    if (!m) return undefined;
    const [, name = '', tagged, bare, container] = m;
    if (Object.hasOwn(params, name)) return undefined;
    const text = tagged ?? bare;
    if (name === 'args' && container !== undefined && EMPTY_ARRAY.test(container)) params[name] = [];
    else if (name === 'device_config' && container !== undefined && EMPTY_STRUCT.test(container)) params[name] = Object.create(null) as Record<string, never>;
    else if (text !== undefined && Object.hasOwn(STRING_MEMBERS, name) && STRING_MEMBERS[name]!.test(text)) params[name] = text;
    else return undefined;
  }
  return MEMBER.lastIndex === end ? params : undefined;
}
