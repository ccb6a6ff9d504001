/**
 * The XenAPI client: XML-RPC calls with the `{Status, Value}` envelope unwrapped, typed failures, and the
 * session rules of spec/smapi-protocol.md §4.1 — a session given by xapi (the driver's `session_ref`) is
 * used and never logged out; a session this client created is logged out by `logout()`. The
 * `Subtask-of` and `originator` headers are added when configured, as sm's XenAPI module does.
 */
import type { Logger } from '../log/logger.js';
import { decodeMethodResponse, encodeMethodCall, isStruct, type XmlRpcValue } from '../smapi/xmlrpc.js';
import { XapiError, XapiTransportError, type XapiCallInfo } from './errors.js';
import { describeEndpoint, postXml, type XapiEndpoint } from './transport.js';
import { toXapiArgs, type XapiArg } from './values.js';

/** How to reach XAPI and which session to use. */
export type XapiClientOptions = {
  readonly endpoint: XapiEndpoint;
  /** A session someone else owns (xapi's per-call SM session, a plugin's caller session): never logged out. */
  readonly sessionRef?: string | undefined;
  /** The task this work runs under (`subtask_of`): sent as the `Subtask-of` header. */
  readonly subtaskOf?: string | undefined;
  /** Sent as the `originator` header (sm sends `SM`, copied from ORIGINATOR). */
  readonly originator?: string | undefined;
  /** Per-call timeout; XAPI calls that do storage work can take minutes. Default 5 minutes. */
  readonly timeoutMs?: number;
  readonly allowUnauthorized?: boolean;
  readonly log?: Logger;
};

/** Anything that can make a XenAPI call with the session prepended (the typed helpers take this). */
export interface XapiCaller {
  call<T = XmlRpcValue>(method: string, ...args: XapiArg[]): Promise<T>;
}

const DEFAULT_TIMEOUT_MS = 5 * 60_000;

/** A XenAPI connection. Create one per process (driver, plugin) or per test. */
export class XapiClient implements XapiCaller {
  readonly #options: XapiClientOptions;
  #session: string | undefined;
  #owned = false;
  #ownedLocal = false;

  constructor(options: XapiClientOptions) {
    this.#options = options;
    this.#session = options.sessionRef;
  }

  /** The session in use, if any. */
  get sessionRef(): string | undefined {
    return this.#session;
  }

  /** Where this client connects (for messages). */
  get target(): string {
    return describeEndpoint(this.#options.endpoint);
  }

  /** Calls `method` with the session as first argument. */
  async call<T = XmlRpcValue>(method: string, ...args: XapiArg[]): Promise<T> {
    if (this.#session === undefined) throw new XapiTransportError(`${method}: no session (log in first)`, { method, args });
    return (await this.#send(method, [this.#session, ...args], true)) as T;
  }

  /** Calls a method that takes no session (`session.login_with_password`, `pool.get_all` on some servers…). */
  async callWithoutSession<T = XmlRpcValue>(method: string, ...args: XapiArg[]): Promise<T> {
    return (await this.#send(method, args, false)) as T;
  }

  /**
   * Logs in with a password. On a host's Unix socket XAPI trusts any password; over TCP a pool member
   * answers HOST_IS_SLAVE [master address]. The session is this client's and `logout()` ends it.
   */
  async loginWithPassword(user: string, password: string, version = '1.0', originator = this.#options.originator ?? ''): Promise<string> {
    const ref = await this.callWithoutSession<string>('session.login_with_password', user, password, version, originator);
    this.#adopt(ref, false);
    return ref;
  }

  /** Logs in to this host's own database (works on a slave while the master is away). */
  async slaveLocalLogin(user: string, password: string): Promise<string> {
    const ref = await this.callWithoutSession<string>('session.slave_local_login_with_password', user, password);
    this.#adopt(ref, true);
    return ref;
  }

  /** Ends the session if this client created it; a borrowed session is left alone (spec §4.1). */
  async logout(): Promise<void> {
    const ref = this.#session;
    if (!this.#owned || ref === undefined) return;
    this.#owned = false;
    this.#session = this.#options.sessionRef;
    await this.#send(this.#ownedLocal ? 'session.local_logout' : 'session.logout', [ref], true);
  }

  #adopt(ref: string, local: boolean): void {
    if (typeof ref !== 'string' || !ref.startsWith('OpaqueRef:')) throw new XapiTransportError(`login returned ${JSON.stringify(ref)}`);
    this.#session = ref;
    this.#owned = true;
    this.#ownedLocal = local;
  }

  async #send(method: string, args: readonly XapiArg[], withSession: boolean): Promise<XmlRpcValue> {
    const call: XapiCallInfo = { method, args: withSession ? ['******', ...args.slice(1)] : redactLogin(method, args) };
    const headers: Record<string, string> = {};
    if (this.#options.subtaskOf) headers['Subtask-of'] = this.#options.subtaskOf;
    if (this.#options.originator) headers['originator'] = this.#options.originator;
    const body = encodeMethodCall(method, args.map((a) => toXapiArgs(a)));
    const started = performance.now();
    let text: string;
    try {
      text = await postXml(this.#options.endpoint, body, {
        headers,
        timeoutMs: this.#options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
        ...(this.#options.allowUnauthorized ? { allowUnauthorized: true } : {}),
      });
    } catch (error) {
      throw new XapiTransportError(`${method}: ${(error as Error).message}`, call, { cause: error });
    }
    const value = unwrap(text, call);
    this.#options.log?.debug(`xapi ${method} ok in ${Math.round(performance.now() - started)} ms`);
    return value;
  }
}

function redactLogin(method: string, args: readonly XapiArg[]): readonly unknown[] {
  return method.startsWith('session.') && method.includes('login') ? args.map((a, i) => (i === 1 ? '******' : a)) : args;
}

/** Unwraps XAPI's envelope: Success → Value; Failure → XapiError; anything else → XapiTransportError. */
export function unwrap(text: string, call?: XapiCallInfo): XmlRpcValue {
  let decoded;
  try {
    decoded = decodeMethodResponse(text);
  } catch (error) {
    throw new XapiTransportError(`${call?.method ?? 'call'}: unparsable reply: ${(error as Error).message}`, call, { cause: error });
  }
  if (decoded.kind === 'fault') {
    throw new XapiTransportError(`${call?.method ?? 'call'}: XML-RPC fault ${decoded.fault.faultCode}: ${decoded.fault.faultString}`, call);
  }
  const reply = decoded.value;
  if (!isStruct(reply) || typeof reply['Status'] !== 'string') {
    throw new XapiTransportError(`${call?.method ?? 'call'}: reply is not a XenAPI envelope`, call);
  }
  if (reply['Status'] === 'Success') return reply['Value'] ?? '';
  const description = reply['ErrorDescription'];
  const parts = Array.isArray(description) ? description.map((p: XmlRpcValue) => (typeof p === 'string' ? p : JSON.stringify(p))) : [];
  const [code = 'INTERNAL_ERROR', ...params] = parts;
  throw new XapiError(code, params, call);
}
