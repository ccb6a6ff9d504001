/**
 * XML-RPC as xapi writes it (spec/smapi-protocol.md §1.2): no declaration, no whitespace between tags,
 * strings as bare `<value>text</value>`, the empty string as `<value/>`, `& < > "` escaped and control
 * characters other than TAB/LF/CR dropped. The simulator uses this for the argv it gives drivers and
 * plugins and for its XenAPI replies, so that readers are tested against xapi's form, not our encoder's.
 */

/** A value the simulator sends. Numbers are written as `<double>` (XenAPI ints are decimal strings). */
export type XapiXmlValue =
  | string
  | number
  | boolean
  | Date
  | null
  | readonly XapiXmlValue[]
  | { readonly [key: string]: XapiXmlValue | undefined };

// These are exactly the characters xapi drops.
const CONTROL = /[\u0000-\u0008\u000B\u000C\u000E-\u001F]/g;

function escape(text: string): string {
  return text.replace(CONTROL, '').replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** `19700101T00:00:00Z`: the compact form every xapi version reads. */
export function compactDate(date: Date): string {
  const iso = date.toISOString();
  return `${iso.slice(0, 4)}${iso.slice(5, 7)}${iso.slice(8, 10)}T${iso.slice(11, 19)}Z`;
}

/** One `<value>` element. */
export function valueXml(value: XapiXmlValue): string {
  if (typeof value === 'string') return value === '' ? '<value/>' : `<value>${escape(value)}</value>`;
  if (typeof value === 'boolean') return `<value><boolean>${value ? 1 : 0}</boolean></value>`;
  // XenAPI ints travel as strings, so the only numbers the simulator sends are floats (task progress).
  if (typeof value === 'number') return `<value><double>${value}</double></value>`;
  if (value === null) return '<value><nil/></value>';
  if (value instanceof Date) return `<value><dateTime.iso8601>${compactDate(value)}</dateTime.iso8601></value>`;
  if (Array.isArray(value)) {
    const items = value as readonly XapiXmlValue[];
    return items.length === 0 ? '<value><array><data/></array></value>' : `<value><array><data>${items.map(valueXml).join('')}</data></array></value>`;
  }
  const members = Object.entries(value as Record<string, XapiXmlValue | undefined>).filter(([, v]) => v !== undefined);
  if (members.length === 0) return '<value><struct/></value>';
  return `<value><struct>${members.map(([k, v]) => `<member><name>${escape(k)}</name>${valueXml(v as XapiXmlValue)}</member>`).join('')}</struct></value>`;
}

/** A methodCall document, compact (what argv[1] of a driver or plugin holds). */
export function methodCallXml(method: string, params: readonly XapiXmlValue[]): string {
  return `<methodCall><methodName>${escape(method)}</methodName><params>${params.map((p) => `<param>${valueXml(p)}</param>`).join('')}</params></methodCall>`;
}

/** A XenAPI success envelope. */
export function successXml(value: XapiXmlValue): string {
  return `<methodResponse><params><param>${valueXml({ Status: 'Success', Value: value })}</param></params></methodResponse>`;
}

/** A XenAPI failure envelope. */
export function failureXml(code: string, params: readonly string[]): string {
  return `<methodResponse><params><param>${valueXml({ Status: 'Failure', ErrorDescription: [code, ...params] })}</param></params></methodResponse>`;
}
