/**
 * The XenAPI endpoint: XML-RPC `POST /` (and `/RPC2`) served on each host's Unix socket and on loopback
 * TCP. Each call is checked as xapi does — known method (MESSAGE_METHOD_UNKNOWN), argument count
 * (MESSAGE_PARAMETER_COUNT_MISMATCH, counted with the session), live session (SESSION_INVALID) — then
 * run; failures become `Status = Failure` envelopes. The server never dies of a bad request.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { decodeMethodCall } from '../../lib/smapi/xmlrpc.js';
import { ApiError } from './api-error.js';
import type { CallContext, MethodTable, ResolvedHost, SimState } from './context.js';
import { failureXml, successXml } from './xml.js';

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

/** Handles one XML-RPC document and returns the reply document. Never throws. */
export async function handleXml(
  sim: SimState,
  methods: MethodTable,
  where: { host: ResolvedHost; transport: 'unix' | 'tcp'; headers: Readonly<Record<string, string | undefined>> },
  body: string,
  sink?: CallSink,
): Promise<string> {
  let method = '';
  try {
    const call = decodeMethodCall(body);
    method = call.method;
    const m = Object.hasOwn(methods, method) ? methods[method] : undefined;
    if (m === undefined) throw new ApiError('MESSAGE_METHOD_UNKNOWN', [method]);
    const withSession = m.session !== false;
    const given = call.params.length - (withSession ? 1 : 0);
    if (given < m.arity || given > (m.maxArity ?? m.arity)) {
      throw new ApiError('MESSAGE_PARAMETER_COUNT_MISMATCH', [method, String(m.arity + (withSession ? 1 : 0)), String(call.params.length)]);
    }
    let sessionRef = '';
    if (withSession) {
      const s = call.params[0];
      if (typeof s !== 'string' || !sim.db.has('session', s)) throw new ApiError('SESSION_INVALID', [typeof s === 'string' ? s : '']);
      sessionRef = s;
      sim.db.set('session', s, { last_active: new Date() });
    }
    const ctx: CallContext = { sim, sessionRef, host: where.host, transport: where.transport, subtaskOf: where.headers['subtask-of'] };
    const value = await m.fn(ctx, withSession ? call.params.slice(1) : call.params);
    sink?.({ method, host: where.host.name, transport: where.transport, subtaskOf: ctx.subtaskOf, originator: where.headers['originator'], error: undefined });
    return successXml(value);
  } catch (error) {
    const failure = error instanceof ApiError ? error : new ApiError('INTERNAL_ERROR', [error instanceof Error ? error.message : String(error)]);
    if (!(error instanceof ApiError)) sim.log?.error(`XenAPI ${method || '?'} crashed`, { error: String((error as Error).stack ?? error) });
    sink?.({ method, host: where.host.name, transport: where.transport, subtaskOf: where.headers['subtask-of'], originator: where.headers['originator'], error: failure.code });
    return failureXml(failure.code, failure.params);
  }
}

/** An HTTP server answering XenAPI XML-RPC for calls arriving at `host`. */
export function createXapiServer(sim: SimState, methods: MethodTable, host: ResolvedHost, transport: 'unix' | 'tcp', sink?: CallSink): Server {
  return createServer((req: IncomingMessage, res: ServerResponse) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'POST' || (path !== '/' && path !== '/RPC2' && path !== '/xmlrpc')) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
      return;
    }
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const headers: Record<string, string | undefined> = {};
      for (const [k, v] of Object.entries(req.headers)) headers[k] = Array.isArray(v) ? v[0] : v;
      void handleXml(sim, methods, { host, transport, headers }, Buffer.concat(chunks).toString('utf8'), sink).then((xml) => {
        res.writeHead(200, { 'content-type': 'text/xml', 'content-length': Buffer.byteLength(xml) }).end(xml);
      });
    });
    req.on('error', () => res.destroy());
  });
}
