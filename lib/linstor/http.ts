/**
 * The HTTP core every LINSTOR service goes through: keep-alive node:http agents (one per controller
 * origin: node's own parser, where undici's WebAssembly parser and code cost every verb ~45 MiB of
 * resident memory), connect and per-request timeouts, a retry on a dropped keep-alive connection for idempotent requests,
 * failover over the controller URIs it is given, body parsing that keeps ret_codes exact, and the
 * mapping of every failure to a typed {@link LinstorError}.
 *
 * Failover follows the Python MultiLinstor: URIs are tried in list order, and the client stays on the
 * first one that answers until it stops answering (linstor-rest.md §8.1).
 */
import http from 'node:http';
import { gunzipSync } from 'node:zlib';
import { callerPid } from '../log/caller.js';
import type { Logger } from '../log/logger.js';
import { isApiCallRcList, parseLinstorJson, stringifyLinstorJson } from './json.js';
import {
  LinstorApiError,
  LinstorError,
  LinstorNetworkError,
  LinstorNotFoundError,
  LinstorResponseError,
  LinstorTimeoutError,
  type RequestTarget,
} from './errors.js';
import { retCodeType } from './ret-codes.js';
import { controllerOrigin } from './uri.js';

/** How the transport is built; only `controllers` is required. */
export type LinstorHttpOptions = {
  /** Controller URIs in preference order (`linstor://host`, `http://host:port`, …). */
  readonly controllers: readonly string[];
  /** Whole-request deadline (connect, headers, body); default 60 s. */
  readonly timeoutMs?: number;
  /** TCP connect deadline per attempt; a controller host that is down fails over after it. Default 3 s. */
  readonly connectTimeoutMs?: number;
  /** Keep-alive connections per controller; default 4. */
  readonly connections?: number;
  readonly logger?: Logger;
  /** Default `linstor-sr (pid N)`: the controller's access log, and the simulator's counters, tell processes apart. */
  readonly userAgent?: string;
  /**
   * Ask for gzip bodies (what the Python client does). Off by default: on a LAN or loopback the
   * compression costs more CPU per verb than the bytes it saves.
   */
  readonly gzip?: boolean;
};

/** A query value: arrays repeat the key (`nodes=a&nodes=b`), undefined is left out. */
export type QueryValue = string | number | boolean | readonly (string | number | boolean)[] | undefined;

/** Per-call options of {@link LinstorHttp.request}. */
export type RequestOptions = {
  readonly query?: Readonly<Record<string, QueryValue>>;
  readonly body?: unknown;
  readonly timeoutMs?: number;
};

/** A successful (2xx, no error entry) response; `body` is undefined for an empty body. */
export type LinstorResponse = { readonly status: number; readonly body: unknown; readonly target: RequestTarget };

/** Request counters; benchmarks read them to measure each verb's REST budget. */
export type LinstorHttpStats = {
  /** HTTP requests sent, retries and failovers included. */
  requests: number;
  retries: number;
  failovers: number;
  byMethod: Record<string, number>;
};

/** The code of a connect that took longer than `connectTimeoutMs`. */
const CONNECT_TIMEOUT = 'LINSTOR_CONNECT_TIMEOUT';
const IDEMPOTENT = new Set(['GET', 'HEAD', 'PUT', 'DELETE', 'OPTIONS']);
/** Errors raised before the request left: safe to send elsewhere whatever the method. */
const CONNECT_ERRORS = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'EADDRNOTAVAIL', CONNECT_TIMEOUT]);
/** Errors of a connection that broke while in use (typically a stale keep-alive socket). */
const BROKEN_ERRORS = new Set(['ECONNRESET', 'EPIPE', 'ETIMEDOUT']);

type Attempt = { kind: 'ok'; status: number; text: string } | { kind: 'connect' | 'broken'; error: unknown };

/** The transport behind every service; create one per process (or per verb) and close it at the end. */
export class LinstorHttp {
  readonly #origins: readonly string[];
  readonly #agents = new Map<string, http.Agent>();
  readonly #options: LinstorHttpOptions;
  readonly #stats: LinstorHttpStats = { requests: 0, retries: 0, failovers: 0, byMethod: {} };
  #current = 0;
  #closed = false;

  constructor(options: LinstorHttpOptions) {
    if (options.controllers.length === 0) throw new TypeError('LinstorHttp needs at least one controller URI');
    this.#origins = options.controllers.map(controllerOrigin);
    this.#options = options;
  }

  /** The origin requests currently go to (the last one that answered). */
  get origin(): string {
    return this.#origins[this.#current] as string;
  }

  /** A copy of the counters. */
  stats(): LinstorHttpStats {
    return { ...this.#stats, byMethod: { ...this.#stats.byMethod } };
  }

  /**
   * Sends one request and returns the parsed body. Throws {@link LinstorApiError} when the body is an
   * ApiCallRc list with an error entry or the status is not 2xx ({@link LinstorNotFoundError} for 404),
   * {@link LinstorNetworkError} when no controller could be reached, {@link LinstorTimeoutError},
   * {@link LinstorResponseError} for bodies LINSTOR would not send.
   */
  async request(method: string, path: string, options: RequestOptions = {}): Promise<LinstorResponse> {
    if (this.#closed) throw new LinstorNetworkError('client is closed', { method, url: this.origin + path });
    const fullPath = path + queryString(options.query);
    const body = options.body === undefined ? undefined : stringifyLinstorJson(options.body);
    const timeoutMs = options.timeoutMs ?? this.#options.timeoutMs ?? 60_000;
    const tried: string[] = [];
    let lastError: unknown;
    for (let step = 0; step < this.#origins.length; step += 1) {
      const index = (this.#current + step) % this.#origins.length;
      const origin = this.#origins[index] as string;
      const target = { method, url: origin + fullPath };
      if (step > 0) {
        this.#stats.failovers += 1;
        this.#options.logger?.warn('LINSTOR controller unreachable, trying the next one', { from: tried.at(-1), to: origin });
      }
      tried.push(origin);
      let attempt = await this.#send(origin, method, fullPath, body, timeoutMs, target);
      if (attempt.kind === 'broken' && IDEMPOTENT.has(method)) {
        // A keep-alive socket the server closed meanwhile: one fresh connection, as the Python client does.
        this.#stats.retries += 1;
        attempt = await this.#send(origin, method, fullPath, body, timeoutMs, target);
      }
      if (attempt.kind === 'ok') {
        this.#current = index;
        return interpret(target, attempt.status, attempt.text);
      }
      lastError = attempt.error;
      if (attempt.kind === 'broken' && !IDEMPOTENT.has(method)) {
        throw new LinstorNetworkError(`connection lost during a non-idempotent request: ${errorText(attempt.error)}`, target, {
          cause: attempt.error,
        });
      }
    }
    throw new LinstorNetworkError(`unable to reach any LINSTOR controller (${tried.join(', ')}): ${errorText(lastError)}`, {
      method,
      url: (this.#origins[this.#current] as string) + fullPath,
    }, { cause: lastError });
  }

  /** Closes every keep-alive connection; pending requests fail with a network error. */
  async close(): Promise<void> {
    this.#closed = true;
    for (const agent of this.#agents.values()) agent.destroy();
    this.#agents.clear();
  }

  /** The origin's module (node:https, and TLS with it, only loads for a linstor+ssl controller) and agent. */
  async #transport(origin: string): Promise<{ request: typeof http.request; agent: http.Agent }> {
    const module: typeof http = origin.startsWith('https:') ? ((await import('node:https')) as unknown as typeof http) : http;
    let agent = this.#agents.get(origin);
    if (!agent) {
      const connections = this.#options.connections ?? 4;
      // An idle socket goes after 4 s, before a server's usual 5 s keep-alive closes it under a request
      // (a POST on a socket the server is closing could not be retried). Active sockets are never timed
      // out by the agent; node unrefs idle ones, so an open client never holds a process up.
      agent = new module.Agent({ keepAlive: true, maxSockets: connections, maxFreeSockets: connections, timeout: 4_000 });
      this.#agents.set(origin, agent);
    }
    return { request: module.request, agent };
  }

  async #send(origin: string, method: string, path: string, body: string | undefined, timeoutMs: number, target: RequestTarget): Promise<Attempt> {
    this.#stats.requests += 1;
    this.#stats.byMethod[method] = (this.#stats.byMethod[method] ?? 0) + 1;
    const abort = new AbortController();
    const timer = setTimeout(() => abort.abort(), timeoutMs);
    const headers: Record<string, string> = {
      accept: 'application/json',
      'user-agent': this.#options.userAgent ?? `linstor-sr (pid ${callerPid()})`,
    };
    if (this.#options.gzip) headers['accept-encoding'] = 'gzip';
    if (body !== undefined) headers['content-type'] = 'application/json';
    try {
      const res = await this.#exchange(origin, method, path, headers, body, abort.signal);
      let text: string;
      try {
        text = (res.gzip ? gunzipSync(res.raw) : res.raw).toString('utf8');
      } catch (cause) {
        throw new LinstorResponseError('undecodable gzip body', target, res.status, '', cause);
      }
      return { kind: 'ok', status: res.status, text };
    } catch (error) {
      if (error instanceof LinstorError) throw error;
      if (abort.signal.aborted) throw new LinstorTimeoutError(target, timeoutMs, error);
      const code = (error as { code?: unknown }).code;
      if (typeof code === 'string' && CONNECT_ERRORS.has(code)) return { kind: 'connect', error };
      if (typeof code === 'string' && BROKEN_ERRORS.has(code)) return { kind: 'broken', error };
      throw new LinstorNetworkError(`request failed: ${errorText(error)}`, target, { cause: error });
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * One request on the origin's agent: the raw body once it has all come. A connect slower than
   * `connectTimeoutMs` fails with {@link CONNECT_TIMEOUT} (nothing was sent: another controller may be
   * tried whatever the method); `signal` aborts the whole exchange.
   */
  async #exchange(origin: string, method: string, path: string, headers: Record<string, string>, body: string | undefined, signal: AbortSignal): Promise<{ status: number; raw: Buffer; gzip: boolean }> {
    const url = new URL(origin);
    const { request, agent } = await this.#transport(origin);
    if (body !== undefined) headers['content-length'] = String(Buffer.byteLength(body));
    return new Promise((resolve, reject) => {
      const req = request({ host: url.hostname.replace(/^\[|\]$/g, ''), port: url.port, method, path, headers, agent, signal }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('error', reject);
        res.on('aborted', () => reject(Object.assign(new Error('response aborted'), { code: 'ECONNRESET' })));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, raw: Buffer.concat(chunks), gzip: String(res.headers['content-encoding'] ?? '').toLowerCase() === 'gzip' }));
      });
      req.on('error', reject);
      req.on('socket', (socket) => {
        if (!socket.connecting) return; // a kept-alive socket
        const timer = setTimeout(() => req.destroy(Object.assign(new Error(`connect timeout after ${this.#options.connectTimeoutMs ?? 3000} ms`), { code: CONNECT_TIMEOUT })), this.#options.connectTimeoutMs ?? 3000);
        socket.once('connect', () => clearTimeout(timer));
        socket.once('close', () => clearTimeout(timer));
      });
      req.end(body);
    });
  }
}

/** Turns a status and raw body into a result or a typed error (linstor-rest.md §2.4, §8.1). */
function interpret(target: RequestTarget, status: number, text: string): LinstorResponse {
  const ok = status >= 200 && status < 300;
  if (text.trim() === '') {
    if (ok) return { status, body: undefined, target };
    if (status === 404) throw new LinstorNotFoundError(target, status, []);
    throw new LinstorResponseError(`HTTP status ${status} with no data`, target, status, text);
  }
  let body: unknown;
  try {
    body = parseLinstorJson(text);
  } catch (cause) {
    if (status === 404) throw new LinstorNotFoundError(target, status, []);
    const title = /<title>([^<]*)<\/title>/i.exec(text)?.[1]?.trim();
    const what = title ? `HTTP status ${status}: ${title}` : `HTTP status ${status} with a body that is not JSON`;
    throw new LinstorResponseError(what, target, status, text, cause);
  }
  if (isApiCallRcList(body) && body.length > 0) {
    const failed = body.some((rc) => retCodeType(rc.ret_code) === 'error');
    if (failed || !ok) throw status === 404 ? new LinstorNotFoundError(target, status, body) : new LinstorApiError(target, status, body);
    return { status, body, target };
  }
  if (!ok) {
    if (status === 404) throw new LinstorNotFoundError(target, status, []);
    throw new LinstorResponseError(`HTTP status ${status} without an ApiCallRc list`, target, status, text);
  }
  return { status, body, target };
}

function queryString(query: RequestOptions['query']): string {
  if (!query) return '';
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined) continue;
    for (const v of Array.isArray(value) ? value : [value]) params.append(key, String(v));
  }
  const text = params.toString();
  return text === '' ? '' : `?${text}`;
}

function errorText(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return typeof code === 'string' ? `${code} ${error.message}` : error.message;
  }
  return String(error);
}
