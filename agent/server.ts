/**
 * The agent's Unix socket (frame.ts's protocol): one connection per call. The socket lives in a
 * directory only root can enter, so whoever connects may run what a driver runs.
 */
import { createServer, type Server, type Socket } from 'node:net';
import { chmod, mkdir, unlink } from 'node:fs/promises';
import path from 'node:path';
import { BUSY, READY, checkRequest, encodeFrame, FrameReader, type AgentRequest } from './frame.js';
import type { Workers } from './workers.js';
import { unixSocketAnswers } from '../lib/host/unix-socket.js';

export type AgentServerOptions = {
  readonly socketPath: string;
  readonly workers: Workers;
  /** How long one call may run before its worker is killed. */
  readonly deadlineMs: number;
  readonly onEvent?: (message: string) => void;
};

export class AgentAlreadyRunningError extends Error {
  override name = 'AgentAlreadyRunningError';
}

/** Listens on the socket (refusing to take over one a live agent serves) and serves calls. */
export async function startAgentServer(options: AgentServerOptions): Promise<Server> {
  await mkdir(path.dirname(options.socketPath), { recursive: true, mode: 0o700 });
  await chmod(path.dirname(options.socketPath), 0o700);
  if (await unixSocketAnswers(options.socketPath)) throw new AgentAlreadyRunningError(`an agent already serves ${options.socketPath}`);
  await unlink(options.socketPath).catch(() => undefined);
  const server = createServer((socket) => serve(socket, options));
  // The socket is made 0600 (the umask of its creation), never reachable by others even for a moment.
  const umask = process.umask(0o177);
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.socketPath, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } finally {
    process.umask(umask);
  }
  return server;
}

function serve(socket: Socket, options: AgentServerOptions): void {
  const { workers } = options;
  socket.on('error', () => undefined);
  const worker = workers.reserve();
  if (!worker) {
    socket.end(BUSY);
    return;
  }
  socket.write(READY);
  const reader = new FrameReader();
  let request: AgentRequest | undefined;
  let answered = false;
  // The worker the call runs on: the reserved one, or the one that took over when it died first.
  let running = worker;
  const launcherGone = new AbortController();
  socket.on('data', (chunk: Buffer) => {
    if (request) {
      socket.destroy(); // nothing may follow the request
      return;
    }
    let frame: unknown;
    try {
      frame = reader.push(chunk);
      if (frame === undefined) return;
      request = checkRequest(frame);
    } catch (error) {
      options.onEvent?.(`refused a request: ${(error as Error).message}`);
      socket.destroy();
      return;
    }
    const call = request;
    void workers.run(worker, call, options.deadlineMs, { signal: launcherGone.signal, onWorker: (other) => (running = other) }).then((answer) => {
      answered = true;
      if (answer) socket.end(encodeFrame(answer));
      else socket.destroy();
    });
  });
  socket.on('close', () => {
    if (!request) workers.release(worker);
    // A launcher that went away (killed by its caller) takes its call with it, as killing a driver would.
    else if (!answered) {
      launcherGone.abort();
      workers.kill(running);
    }
  });
}
