/**
 * XAPI host-plugin framing (spec/smapi-protocol.md §5): argv[1] is a methodCall whose method is the
 * function name and whose params are the caller's session ref and a struct of string args; stdout is a
 * XenAPI envelope, `{Status: Success, Value: <string>}` or `{Status: Failure, ErrorDescription: [code, …]}`.
 */
import { decodeMethodCall, encodeMethodCall, encodeMethodResponse, isStruct, XmlRpcDecodeError } from './xmlrpc.js';

export type PluginCall = {
  readonly fn: string;
  readonly sessionRef: string;
  readonly args: Readonly<Record<string, string>>;
};

/**
 * A failure a plugin function raises on purpose: xapi raises `code` itself as the API error, with
 * `params` (XenAPIPlugin.Failure).
 */
export class PluginFailure extends Error {
  override name = 'PluginFailure';
  readonly code: string;
  readonly params: readonly string[];
  constructor(code: string, params: readonly string[] = [], options?: { cause?: unknown }) {
    super(`${code}${params.length ? `: ${params.join(', ')}` : ''}`, options);
    this.code = code;
    this.params = params;
  }
}

/** Decodes the plugin's argv (after the program name). Throws PluginFailure for malformed input. */
export function decodePluginCall(argv: readonly string[]): PluginCall {
  if (argv.length !== 1) {
    throw new PluginFailure('XENAPI_PLUGIN_FAILURE', ['', 'BadRequest', `expected one argument, got ${argv.length}`]);
  }
  let call;
  try {
    call = decodeMethodCall(argv[0] ?? '');
  } catch (error) {
    if (error instanceof XmlRpcDecodeError) throw new PluginFailure('XENAPI_PLUGIN_FAILURE', ['', 'BadRequest', error.message]);
    throw error;
  }
  const [session, args, ...rest] = call.params;
  if (typeof session !== 'string' || !isStruct(args) || rest.length > 0) {
    throw new PluginFailure('XENAPI_PLUGIN_FAILURE', [call.method, 'BadRequest', 'expected (session, struct of args)']);
  }
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(args)) {
    if (typeof v !== 'string') {
      throw new PluginFailure('XENAPI_PLUGIN_FAILURE', [call.method, 'BadRequest', `argument ${k} must be a string`]);
    }
    out[k] = v;
  }
  return { fn: call.method, sessionRef: session, args: out };
}

export function encodePluginSuccess(value: string): string {
  return encodeMethodResponse({ Status: 'Success', Value: value });
}

export function encodePluginFailure(code: string, params: readonly string[]): string {
  return encodeMethodResponse({ Status: 'Failure', ErrorDescription: [code, ...params] });
}

/** Encodes a plugin call as xapi puts it in argv[1] (used by the simulator and tests). */
export function encodePluginCall(call: PluginCall): string {
  return encodeMethodCall(call.fn, [call.sessionRef, { ...call.args }]);
}
