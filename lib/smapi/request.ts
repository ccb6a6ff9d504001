import { SrError, type SrErrorName } from './sr-error.js';
import { VERB_SPECS, isVerb, type ArgKind, type ArgsOf, type Verb, type VerbScope } from './verbs.js';
import { decodeMethodCall, hasIllegalXmlChar, isStruct, XmlRpcDecodeError, type XmlRpcValue } from './xmlrpc.js';

type StringMap = Readonly<Record<string, string>>;

/** A decoded, validated SMAPIv1 call. Optional members are present exactly when xapi sends them. */
export type SmapiRequest<V extends Verb = Verb> = {
  readonly verb: V;
  readonly args: ArgsOf<V>;
  /** The positional args as sent (strings). */
  readonly rawArgs: readonly string[];
  /** The PBD's device-config for this host, including `SRmaster`. */
  readonly deviceConfig: StringMap;
  /** `SRmaster` from device_config; undefined when absent (attach-from-config). */
  readonly srMaster: boolean | undefined;
  readonly hostRef?: string;
  readonly sessionRef?: string;
  readonly srRef?: string;
  readonly srUuid?: string;
  readonly vdiRef?: string;
  readonly vdiUuid?: string;
  readonly vdiLocation?: string;
  readonly vdiType?: string;
  readonly newUuid?: string;
  readonly subtaskOf?: string;
  readonly vdiOnBoot?: string;
  readonly vdiAllowCaching?: string;
  readonly localCacheSr?: string;
  readonly vdiSmConfig: StringMap;
  readonly driverParams: StringMap;
  readonly srSmConfig: StringMap;
  /** The whole parameter struct, for verbs that replay it (generate_config). */
  readonly params: { readonly [key: string]: XmlRpcValue };
};

/** A request of any verb, discriminated on `verb`. */
export type AnyRequest = { [V in Verb]: SmapiRequest<V> }[Verb];

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const REF = /^OpaqueRef:[A-Za-z0-9._-]+$/;
const SIZE = /^\d+$/;

const REQUIRED: Record<VerbScope, readonly string[]> = {
  'driver-info': [],
  probe: ['host_ref', 'command', 'args', 'device_config', 'session_ref'],
  sr: ['host_ref', 'command', 'args', 'device_config', 'session_ref', 'sr_ref', 'sr_uuid'],
  'vdi-create': ['host_ref', 'command', 'args', 'device_config', 'session_ref', 'sr_ref', 'sr_uuid', 'vdi_type'],
  'vdi-introduce': ['host_ref', 'command', 'args', 'device_config', 'session_ref', 'sr_ref', 'sr_uuid', 'vdi_location', 'new_uuid'],
  vdi: ['host_ref', 'command', 'args', 'device_config', 'session_ref', 'sr_ref', 'sr_uuid', 'vdi_ref', 'vdi_uuid', 'vdi_location'],
  'from-config': ['device_config', 'sr_uuid', 'vdi_uuid'],
};

/** Keys whose value must be a string, and how it is checked. */
const STRING_KEYS: Record<string, 'ref' | 'uuid' | 'text'> = {
  host_ref: 'ref',
  session_ref: 'ref',
  sr_ref: 'ref',
  vdi_ref: 'ref',
  subtask_of: 'ref',
  sr_uuid: 'uuid',
  vdi_uuid: 'uuid',
  new_uuid: 'uuid',
  vdi_location: 'uuid',
  command: 'text',
  vdi_type: 'text',
  vdi_on_boot: 'text',
  vdi_allow_caching: 'text',
  local_cache_sr: 'text',
};
const MAP_KEYS = ['device_config', 'vdi_sm_config', 'driver_params', 'sr_sm_config'] as const;

function fail(code: SrErrorName, opterr: string): never {
  throw new SrError(code, opterr);
}

/**
 * Decodes the driver's argv (everything after the program name) into a typed request.
 * Throws SrError: BadRequest for anything malformed, VDISize for bad sizes, IllegalXMLChar for labels.
 */
export function decodeRequest(argv: readonly string[]): AnyRequest {
  if (argv.length !== 1) fail('BadRequest', `expected exactly one argument (the XML-RPC call), got ${argv.length}`);
  const xml = argv[0] ?? '';
  if (xml.trim() === '') fail('BadRequest', 'the XML-RPC call is empty');
  let call: { method: string; params: XmlRpcValue[] };
  try {
    call = decodeMethodCall(xml);
  } catch (error) {
    if (error instanceof XmlRpcDecodeError) fail('BadRequest', error.message);
    throw error;
  }
  const verb = call.method;
  if (!isVerb(verb)) fail('BadRequest', `unknown method ${JSON.stringify(verb.slice(0, 80))}`);
  if (call.params.length !== 1) fail('BadRequest', `expected one parameter struct, got ${call.params.length} parameters`);
  const params = call.params[0];
  if (!isStruct(params)) fail('BadRequest', 'the parameter is not a struct');
  return decodeParams(verb, params);
}

function decodeParams(verb: Verb, params: { readonly [key: string]: XmlRpcValue }): AnyRequest {
  const spec = VERB_SPECS[verb];
  for (const key of REQUIRED[spec.scope]) {
    if (!(key in params)) fail('BadRequest', `missing parameter ${key}`);
  }
  const text: Record<string, string> = {};
  for (const [key, kind] of Object.entries(STRING_KEYS)) {
    if (!(key in params)) continue;
    const value = params[key];
    if (typeof value !== 'string') fail('BadRequest', `parameter ${key} must be a string`);
    if (kind === 'uuid' && !UUID.test(value)) fail('BadRequest', `parameter ${key} is not a UUID`);
    if (kind === 'ref' && !REF.test(value)) fail('BadRequest', `parameter ${key} is not an OpaqueRef`);
    text[key] = value;
  }
  if (text['command'] !== undefined && text['command'] !== verb) {
    fail('BadRequest', `command ${JSON.stringify(text['command'])} does not match method ${verb}`);
  }
  const maps: Record<string, StringMap> = {};
  for (const key of MAP_KEYS) maps[key] = key in params ? stringMap(key, params[key]) : {};

  const rawArgs = argsArray(params['args'], spec.scope === 'from-config' || spec.scope === 'driver-info');
  if (rawArgs.length !== spec.args.length) {
    fail('BadRequest', `${verb} takes ${spec.args.length} args, got ${rawArgs.length}`);
  }
  const args: Record<string, string | number | boolean> = {};
  spec.args.forEach(([name, kind], i) => {
    args[name] = decodeArg(name, kind, rawArgs[i] ?? '');
  });
  const srMasterText = maps['device_config']?.['SRmaster'];

  const optional = (key: string): Record<string, string> => (text[key] === undefined ? {} : { [camel(key)]: text[key] });
  return {
    verb,
    args,
    rawArgs,
    deviceConfig: maps['device_config'] ?? {},
    srMaster: srMasterText === undefined ? undefined : srMasterText === 'true',
    vdiSmConfig: maps['vdi_sm_config'] ?? {},
    driverParams: maps['driver_params'] ?? {},
    srSmConfig: maps['sr_sm_config'] ?? {},
    params,
    ...Object.assign({}, ...Object.keys(STRING_KEYS).filter((k) => k !== 'command').map(optional)),
  } as AnyRequest;
}

function camel(key: string): string {
  return key.replace(/_([a-z])/g, (_m, c: string) => c.toUpperCase());
}

function stringMap(key: string, value: XmlRpcValue | undefined): StringMap {
  if (!isStruct(value)) fail('BadRequest', `parameter ${key} must be a struct`);
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(value)) {
    if (typeof v !== 'string') fail('BadRequest', `${key}:${k} must be a string`);
    out[k] = v;
  }
  return out;
}

function argsArray(value: XmlRpcValue | undefined, optional: boolean): string[] {
  if (value === undefined && optional) return [];
  if (!Array.isArray(value)) fail('BadRequest', 'parameter args must be an array');
  return (value as readonly XmlRpcValue[]).map((v, i) => {
    if (typeof v !== 'string') fail('BadRequest', `args[${i}] must be a string`);
    return v;
  });
}

function decodeArg(name: string, kind: ArgKind, value: string): string | number | boolean {
  switch (kind) {
    case 'size':
      return parseSize(name, value);
    case 'bool':
      if (value === 'true' || value === 'false') return value === 'true';
      return fail('BadRequest', `${name} must be "true" or "false", got ${JSON.stringify(value.slice(0, 40))}`);
    case 'ref':
      if (!REF.test(value)) fail('BadRequest', `${name} is not an OpaqueRef`);
      return value;
    case 'ref-or-empty':
      if (value !== '' && !REF.test(value)) fail('BadRequest', `${name} is not an OpaqueRef`);
      return value;
    case 'uuid-or-empty':
      if (value !== '' && !UUID.test(value)) fail('BadRequest', `${name} is not a UUID`);
      return value;
    case 'label':
      // SRCommand's check; the decoder already refuses such characters in argv (BadRequest), so this
      // only guards labels from a decoder that would let them through.
      if (hasIllegalXmlChar(value)) fail('IllegalXMLChar', `${name} contains a control character`);
      return value;
    case 'string':
      return value;
  }
}

/** A size travels as a decimal string (it may exceed 2^31); it must be a non-negative integer. */
export function parseSize(name: string, value: string): number {
  if (!SIZE.test(value)) fail('VDISize', `${name} must be a non-negative decimal integer, got ${JSON.stringify(value.slice(0, 40))}`);
  const n = Number(value);
  if (!Number.isSafeInteger(n)) fail('VDISize', `${name} is too large: ${value.slice(0, 40)}`);
  return n;
}
