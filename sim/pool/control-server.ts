/**
 * The pool process's control endpoint (loopback HTTP at `<subnet>.254`): host tool stand-ins post
 * their argv to `/tool` (tool-wrapper.ts); `xostor-sim io` and `fault` use `/io` and `/fault`. Requests run one at a time,
 * like the serialised kernel and systemd operations they stand for.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ABSOLUTE_TOOLS, PATH_TOOLS } from '../host-tools/index.js';
import type { ToolResult } from '../host-tools/tool.js';
import type { PoolRuntime } from './runtime.js';
import { decodeToolRequest, encodeToolAnswer } from './tool-wrapper.js';

export type ControlHandlers = {
  /** Guest I/O through the tapdisk stand-in (`xostor-sim io`). */
  io(body: Record<string, unknown>): Promise<unknown>;
  /** Arms a fault for the next run of a verb on a host (`xostor-sim fault`). */
  fault(body: Record<string, unknown>): Promise<unknown>;
  /** Moves the controller as drbd-reactor would (`xostor-sim controller`). */
  controller(body: Record<string, unknown>): Promise<unknown>;
  /** Powers a host off or on (`xostor-sim host`). */
  host(body: Record<string, unknown>): Promise<unknown>;
  /** Sets a LINSTOR node's `connection_status` (`xostor-sim node`). */
  node(body: Record<string, unknown>): Promise<unknown>;
};

/** Runs one host tool invocation in the pool process. */
export async function runTool(pool: PoolRuntime, hostName: string, tool: string, argv: readonly string[]): Promise<ToolResult> {
  const host = pool.hosts.get(hostName);
  if (!host) return { stderr: `unknown host ${hostName}\n`, exitCode: 1 };
  if (!host.up) return { stderr: `${tool}: host ${hostName} is down\n`, exitCode: 1 };
  host.toolCalls.push({ tool, argv: [...argv] });
  const impl = Object.hasOwn(PATH_TOOLS, tool) ? PATH_TOOLS[tool] : Object.hasOwn(ABSOLUTE_TOOLS, tool) ? ABSOLUTE_TOOLS[tool] : undefined;
  if (!impl) return { stderr: `${tool}: command not found\n`, exitCode: 127 };
  try {
    return await impl({ pool, host }, argv);
  } catch (error) {
    return { stderr: `${tool}: simulator error: ${error instanceof Error ? error.message : String(error)}\n`, exitCode: 1 };
  }
}

export class ControlServer {
  readonly #pool: PoolRuntime;
  readonly #handlers: ControlHandlers;
  readonly #server: Server;
  #queue: Promise<unknown> = Promise.resolve();
  url = '';

  constructor(pool: PoolRuntime, handlers: ControlHandlers) {
    this.#pool = pool;
    this.#handlers = handlers;
    this.#server = createServer((req, res) => void this.#handle(req, res));
  }

  async listen(host: string): Promise<string> {
    await new Promise<void>((resolve, reject) => {
      this.#server.once('error', reject);
      this.#server.listen(0, host, () => resolve());
    });
    this.url = `http://${host}:${(this.#server.address() as AddressInfo).port}`;
    return this.url;
  }

  async close(): Promise<void> {
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  /** Serialises state changes: one tool or I/O at a time. */
  #serial<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.#queue.then(fn, fn);
    this.#queue = next.catch(() => undefined);
    return next;
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    if (req.method === 'POST' && req.url === '/tool') return this.#tool(Buffer.concat(chunks), res);
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as Record<string, unknown>;
    } catch {
      return this.#reply(res, 400, { error: 'malformed JSON' });
    }
    try {
      if (req.method === 'POST' && req.url === '/io') return this.#reply(res, 200, await this.#handlers.io(body));
      if (req.method === 'POST' && req.url === '/fault') return this.#reply(res, 200, await this.#handlers.fault(body));
      // Serialised with the tools: a move never interleaves with a systemctl or drbdsetup run.
      if (req.method === 'POST' && req.url === '/controller') return this.#reply(res, 200, await this.#serial(() => this.#handlers.controller(body)));
      if (req.method === 'POST' && req.url === '/host') return this.#reply(res, 200, await this.#serial(() => this.#handlers.host(body)));
      if (req.method === 'POST' && req.url === '/node') return this.#reply(res, 200, await this.#serial(() => this.#handlers.node(body)));
      return this.#reply(res, 404, { error: `no route ${req.method} ${req.url}` });
    } catch (error) {
      return this.#reply(res, 500, { error: error instanceof Error ? error.message : String(error) });
    }
  }

  async #tool(body: Buffer, res: ServerResponse): Promise<void> {
    const request = decodeToolRequest(body);
    if (!request) return this.#reply(res, 400, { error: 'a tool request is host, tool and argv, each ended by a NUL' });
    const answer = encodeToolAnswer(await this.#serial(() => runTool(this.#pool, request.host, request.tool, request.argv)));
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': answer.length });
    res.end(answer);
  }

  #reply(res: ServerResponse, status: number, value: unknown): void {
    const text = JSON.stringify(value);
    res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
    res.end(text);
  }
}
