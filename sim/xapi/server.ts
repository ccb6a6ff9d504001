/**
 * The XenAPI endpoint, served on each host's Unix socket and on loopback TCP: XML-RPC on `POST /`
 * (also `/RPC2`, `/xmlrpc`) and JSON-RPC 2.0 on `POST /jsonrpc`. Each call is checked as xapi does —
 * known method (MESSAGE_METHOD_UNKNOWN), argument count counted with the session
 * (MESSAGE_PARAMETER_COUNT_MISMATCH), live session (SESSION_INVALID) — then run; `Async.<method>`
 * returns a task at once and records the outcome on it. Failures become XenAPI failures; the server
 * never dies of a bad request.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { decodeMethodCall, type XmlRpcValue } from '../../lib/smapi/xmlrpc.js';
import { ApiError } from './api-error.js';
import type { CallContext, MethodTable, ResolvedHost, SimState } from './context.js';
import { compactDate, failureXml, successXml, valueXml, type XapiXmlValue } from './xml.js';

/** One API call as the server saw it (for tests of client headers and routing). */
export type ApiCallRecord = {
  readonly method: string;
  readonly host: string;
  readonly transport: 'unix' | 'tcp';
  readonly subtaskOf: string | undefined;
  readonly originator: string | undefined;
  readonly error: string | undefined;
};

/** Where the server reports calls. */
export type CallSink = (record: ApiCallRecord) => void;

/** Where a call arrived. */
export type CallOrigin = { host: ResolvedHost; transport: 'unix' | 'tcp'; headers: Readonly<Record<string, string | undefined>> };

type Outcome = { ok: true; value: XapiXmlValue } | { ok: false; error: ApiError };

/** Runs one decoded call. Never throws. */
export async function handleCall(sim: SimState, methods: MethodTable, where: CallOrigin, method: string, params: readonly XmlRpcValue[], sink?: CallSink): Promise<Outcome> {
  let outcome: Outcome;
  try {
    const isAsync = method.startsWith('Async.');
    const name = isAsync ? method.slice('Async.'.length) : method;
    const m = Object.hasOwn(methods, name) ? methods[name] : undefined;
    if (m === undefined || (isAsync && m.session === false)) throw new ApiError('MESSAGE_METHOD_UNKNOWN', [method]);
    const withSession = m.session !== false;
    const given = params.length - (withSession ? 1 : 0);
    if (given < m.arity || given > (m.maxArity ?? m.arity)) {
      throw new ApiError('MESSAGE_PARAMETER_COUNT_MISMATCH', [method, String(m.arity + (withSession ? 1 : 0)), String(params.length)]);
    }
    let sessionRef = '';
    if (withSession) {
      const s = params[0];
      if (typeof s !== 'string' || !sim.db.has('session', s)) throw new ApiError('SESSION_INVALID', [typeof s === 'string' ? s : '']);
      sessionRef = s;
      sim.db.set('session', s, { last_active: new Date() });
    }
    const ctx: CallContext = { sim, sessionRef, host: where.host, transport: where.transport, subtaskOf: where.headers['subtask-of'] };
    const args = withSession ? params.slice(1) : params;
    outcome = { ok: true, value: isAsync ? startAsync(ctx, m.fn, name, args) : await m.fn(ctx, args) };
  } catch (error) {
    if (!(error instanceof ApiError)) sim.log?.error(`XenAPI ${method || '?'} crashed`, { error: String((error as Error).stack ?? error) });
    outcome = { ok: false, error: error instanceof ApiError ? error : new ApiError('INTERNAL_ERROR', [error instanceof Error ? error.message : String(error)]) };
  }
  sink?.({
    method, host: where.host.name, transport: where.transport, subtaskOf: where.headers['subtask-of'], originator: where.headers['originator'],
    error: outcome.ok ? undefined : outcome.error.code,
  });
  return outcome;
}

/** `Async.<method>`: a task now, the result (as xapi stores it: the XML-RPC value text) on it later. */
function startAsync(ctx: CallContext, fn: MethodTable[string]['fn'], name: string, args: readonly XmlRpcValue[]): string {
  const { db } = ctx.sim;
  const task = db.create('task', { name_label: `Async.${name}`, resident_on: ctx.host.ref, other_config: {} });
  void (async () => {
    try {
      const value = await fn(ctx, args);
      if (db.has('task', task)) db.set('task', task, { status: 'success', progress: 1, finished: new Date(), result: valueXml(value) });
    } catch (error) {
      const e = error instanceof ApiError ? error : new ApiError('INTERNAL_ERROR', [String(error)]);
      if (db.has('task', task)) db.set('task', task, { status: 'failure', progress: 1, finished: new Date(), error_info: [e.code, ...e.params] });
    }
  })();
  return task;
}

/** Handles one XML-RPC document and returns the reply document. */
export async function handleXml(sim: SimState, methods: MethodTable, where: CallOrigin, body: string, sink?: CallSink): Promise<string> {
  let call;
  try {
    call = decodeMethodCall(body);
  } catch (error) {
    return failureXml('XMLRPC_UNMARSHAL_FAILURE', [(error as Error).message]);
  }
  const outcome = await handleCall(sim, methods, where, call.method, call.params, sink);
  return outcome.ok ? successXml(outcome.value) : failureXml(outcome.error.code, outcome.error.params);
}

/** JSON has no dates: xapi's JSON-RPC sends them as their compact text. */
function jsonValue(value: XapiXmlValue): unknown {
  if (value instanceof Date) return compactDate(value);
  if (Array.isArray(value)) return value.map((v: XapiXmlValue) => jsonValue(v));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined).map(([k, v]) => [k, jsonValue(v as XapiXmlValue)]));
  }
  return value;
}

/** Handles one JSON-RPC 2.0 request (`POST /jsonrpc`): `result`, or `error {code, message: <XAPI code>, data: params}`. */
export async function handleJson(sim: SimState, methods: MethodTable, where: CallOrigin, body: string, sink?: CallSink): Promise<string> {
  let request: { method?: unknown; params?: unknown; id?: unknown };
  try {
    request = JSON.parse(body) as typeof request;
  } catch (error) {
    return JSON.stringify({ jsonrpc: '2.0', id: null, error: { code: -32700, message: 'PARSE_ERROR', data: [(error as Error).message] } });
  }
  const id = request.id ?? null;
  const params = Array.isArray(request.params) ? (request.params as XmlRpcValue[]) : [];
  const outcome = await handleCall(sim, methods, where, typeof request.method === 'string' ? request.method : '', params, sink);
  return JSON.stringify(
    outcome.ok
      ? { jsonrpc: '2.0', id, result: jsonValue(outcome.value) }
      : { jsonrpc: '2.0', id, error: { code: 1, message: outcome.error.code, data: outcome.error.params } },
  );
}

/** An HTTP server answering XenAPI calls arriving at `host`. */
export function createXapiServer(sim: SimState, methods: MethodTable, host: ResolvedHost, transport: 'unix' | 'tcp', sink?: CallSink): Server {
  return createServer((req: IncomingMessage, res: ServerResponse) => {
    const path = (req.url ?? '/').split('?')[0];
    const json = path === '/jsonrpc';
    if (req.method !== 'POST' || !(json || path === '/' || path === '/RPC2' || path === '/xmlrpc')) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
      return;
    }
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const headers: Record<string, string | undefined> = {};
      for (const [k, v] of Object.entries(req.headers)) headers[k] = Array.isArray(v) ? v[0] : v;
      const body = Buffer.concat(chunks).toString('utf8');
      const where = { host, transport, headers };
      void (json ? handleJson(sim, methods, where, body, sink) : handleXml(sim, methods, where, body, sink)).then((reply) => {
        res.writeHead(200, { 'content-type': json ? 'application/json' : 'text/xml', 'content-length': Buffer.byteLength(reply) }).end(reply);
      });
    });
    req.on('error', () => res.destroy());
  });
}
