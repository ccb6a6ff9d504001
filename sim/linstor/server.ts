/**
 * The controller simulator's HTTP front: node:http with keep-alive, one request pipeline
 * (controls → counters → latency → injected faults → route → contract checks → JSON out, gzip when
 * the client accepts it and the body is ≥ 1000 bytes, as LINSTOR does), and the "controller down"
 * switch that closes the listener and every open connection.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { gzipSync } from 'node:zlib';
import type { Logger } from '../../lib/log/logger.js';
import { parseLinstorJson, stringifyLinstorJson } from '../../lib/linstor/json.js';
import { makeRetCode, RC } from '../../lib/linstor/ret-codes.js';
import type { SimContext, SimRequest } from './context.js';
import type { ContractValidator, ContractViolation } from './contract.js';
import { handleControl, type ControlTarget } from './control-routes.js';
import type { SimControls } from './controls.js';
import { rc, rcReply, SimApiError, type SimReply } from './replies.js';
import type { Router } from './router.js';

/** `API_CALL_PARSE_ERROR` = MASK_ERROR | 0x0FFFFFFFFFFFFFFD (linstor-rest.md §2.3). */
const PARSE_ERROR = BigInt.asIntN(64, 0xc000_0000_0000_0000n | 0x0fff_ffff_ffff_fffdn);

/** Everything the pipeline needs. */
export type PipelineDeps = {
  readonly ctx: SimContext;
  readonly router: Router;
  readonly controls: SimControls;
  readonly control: ControlTarget;
  readonly validator: ContractValidator | undefined;
  readonly violations: ContractViolation[];
  readonly logger: Logger | undefined;
};

/** The HTTP server plus the controller-down switch. */
export class SimHttpServer {
  readonly server: Server;
  readonly #sockets = new Set<Socket>();
  readonly #deps: PipelineDeps;
  #queue: Promise<unknown> = Promise.resolve();

  constructor(deps: PipelineDeps) {
    this.#deps = deps;
    this.server = createServer({ keepAlive: true, keepAliveTimeout: 60_000 }, (req, res) => {
      this.#handle(req, res).catch((error: unknown) => {
        deps.logger?.error('simulator request failed', { error: String(error) });
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
        res.end('internal simulator error');
      });
    });
    this.server.on('connection', (socket) => {
      this.#sockets.add(socket);
      socket.on('close', () => this.#sockets.delete(socket));
    });
  }

  /** Stops listening and drops every connection: clients now get ECONNREFUSED. */
  refuse(): void {
    if (this.server.listening) this.server.close();
    for (const socket of this.#sockets) socket.destroy();
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const { controls, router } = this.#deps;
    const text = await readBody(req);
    const url = new URL(req.url ?? '/', 'http://sim');
    const method = (req.method ?? 'GET').toUpperCase();
    const path = url.pathname;
    if (path.startsWith('/sim/')) {
      let body: unknown;
      try {
        body = text.trim() === '' ? {} : parseLinstorJson(text);
      } catch {
        return send(req, res, { status: 400, body: { error: 'invalid JSON' } });
      }
      const reply = await handleControl(this.#deps.control, method, path, body);
      return send(req, res, reply ?? { status: 404, body: { error: 'unknown control' } });
    }
    const match = router.match(method, path);
    const template = typeof match === 'object' ? match.route.template : undefined;
    const number = controls.count(method, template ?? path, req.headers['user-agent']);
    if (controls.refuseFrom !== undefined && number >= controls.refuseFrom) {
      this.refuse();
      return;
    }
    if (controls.latencyMs > 0) await new Promise((r) => setTimeout(r, controls.latencyMs));
    const fault = controls.takeFault(method, path, template);
    if (fault) {
      if (fault.drop) {
        req.socket.destroy();
        return;
      }
      if (fault.rawBody !== undefined) {
        res.writeHead(fault.status ?? 500, { 'content-type': 'text/html' });
        res.end(fault.rawBody);
        return;
      }
      const entry = { ret_code: fault.retCode ?? makeRetCode('error', RC.FAIL_UNKNOWN_ERROR), message: fault.message ?? 'Injected failure' };
      return send(req, res, { status: fault.status ?? 500, body: [entry] });
    }
    if (match === undefined || match === 'method') {
      // Grizzly answers unknown URLs with a bare HTML page, not an ApiCallRc list (linstor-rest.md §2.4).
      const status = match === 'method' ? 405 : 404;
      res.writeHead(status, { 'content-type': 'text/html' });
      res.end(`<html><head><title>Error ${status}</title></head><body>${status}</body></html>`);
      return;
    }
    let body: unknown;
    try {
      body = text.trim() === '' ? undefined : parseLinstorJson(text);
    } catch (error) {
      const entry = rc('error', 0, null, 'Unable to parse input json.', { details: (error as Error).message });
      return send(req, res, { status: match.route.reactive ? 500 : 400, body: [{ ...entry, ret_code: PARSE_ERROR }] });
    }
    const request: SimRequest = { method, path, template: match.route.template, params: match.params, query: url.searchParams, body };
    this.#check('request', method, path, undefined, this.#deps.validator?.request(method, request.template, url.searchParams, body));
    const run = async (): Promise<SimReply> => {
      try {
        return await match.route.handler(this.#deps.ctx, request);
      } catch (error) {
        if (error instanceof SimApiError) return rcReply(error.entries, 200);
        throw error;
      }
    };
    // Mutations run one at a time, like the controller's locks; reads never wait.
    const reply = method === 'GET' ? await run() : await this.#serialise(run);
    const payload = reply.body === undefined ? '' : stringifyLinstorJson(reply.body);
    if (this.#deps.validator) {
      const parsed: unknown = payload === '' ? undefined : JSON.parse(payload);
      this.#check('response', method, path, reply.status, this.#deps.validator.response(method, request.template, reply.status, parsed));
    }
    sendText(req, res, reply.status, payload);
  }

  #serialise<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.#queue.then(fn, fn);
    this.#queue = next.catch(() => undefined);
    return next;
  }

  #check(side: 'request' | 'response', method: string, path: string, status: number | undefined, errors: string[] | undefined): void {
    if (!errors || errors.length === 0) return;
    this.#deps.violations.push(status === undefined ? { side, method, path, errors } : { side, method, path, status, errors });
    this.#deps.logger?.warn('contract violation', { side, method, path, errors });
  }
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(chunks.length === 0 ? '' : Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function send(req: IncomingMessage, res: ServerResponse, reply: SimReply): void {
  sendText(req, res, reply.status, reply.body === undefined ? '' : stringifyLinstorJson(reply.body));
}

function sendText(req: IncomingMessage, res: ServerResponse, status: number, payload: string): void {
  const headers: Record<string, string | number> = { 'content-type': 'application/json' };
  let data: Buffer = Buffer.from(payload, 'utf8');
  if (data.length >= 1000 && /\bgzip\b/.test(String(req.headers['accept-encoding'] ?? ''))) {
    data = gzipSync(data);
    headers['content-encoding'] = 'gzip';
  }
  headers['content-length'] = data.length;
  res.writeHead(status, headers);
  res.end(data);
}
