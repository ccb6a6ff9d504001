/**
 * Stand-in for `http-disk-server` (xcp-ng/http-nbd-transfer; spec/blktap2.md §5.2), run as a long-lived
 * process on a simulated host (`xostor-sim http-disk-server --sim-root <root> <real argv>`): serves the
 * device over HTTP — HEAD (size, Accept-Ranges), GET with Range (206), PUT with Content-Range (write,
 * then flush) — and prints `[<device basename>] Server ready!` on stderr once it listens. It refuses a
 * port in use and stops on SIGTERM. HEAD also answers `X-Sim-Device`, the device's file on this
 * machine, which only the nbd-http-server stand-in reads.
 */
import { realpathSync } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import path from 'node:path';
import { hostPath } from '../../lib/host/env.js';

function option(argv: readonly string[], name: string): string | undefined {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : undefined;
}

async function body(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

async function serve(file: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const size = (await stat(file)).size;
  if (req.method === 'HEAD') {
    res.writeHead(200, { 'content-length': size, 'accept-ranges': 'bytes', 'x-sim-device': file }).end();
    return;
  }
  const handle = await open(file, req.method === 'PUT' ? 'r+' : 'r');
  try {
    if (req.method === 'GET') {
      const m = /^bytes=(\d+)-(\d*)$/.exec(req.headers.range ?? '');
      const start = m ? Number(m[1]) : 0;
      const end = m && m[2] !== '' ? Math.min(Number(m[2]), size - 1) : size - 1;
      if (start > end) {
        res.writeHead(416, { 'content-range': `bytes */${size}` }).end();
        return;
      }
      const data = Buffer.alloc(end - start + 1);
      await handle.read(data, 0, data.length, start);
      res.writeHead(m ? 206 : 200, { 'content-length': data.length, ...(m ? { 'content-range': `bytes ${start}-${end}/${size}` } : {}) }).end(data);
    } else if (req.method === 'PUT') {
      const m = /^bytes (\d+)-(\d+)\/(\d+|\*)$/.exec(req.headers['content-range'] ?? '');
      const data = await body(req);
      const start = m ? Number(m[1]) : 0;
      if (start + data.length > size) {
        res.writeHead(416).end();
        return;
      }
      await handle.write(data, 0, data.length, start);
      await handle.sync();
      res.writeHead(200, { 'content-length': 0 }).end();
    } else {
      res.writeHead(405).end();
    }
  } finally {
    await handle.close();
  }
}

export async function httpDiskServer(argv: readonly string[]): Promise<number> {
  const root = option(argv, '--sim-root') ?? '/';
  const disk = option(argv, '--disk');
  const ip = option(argv, '--ip') ?? '0.0.0.0';
  const port = Number(option(argv, '--port') ?? '8000');
  if (!disk) {
    process.stderr.write('usage: http-disk-server --disk <device> [--ip <ip>] [--port <port>] [-v]\n');
    return 2;
  }
  const file = realpathSync(hostPath(root, disk));
  const server = createServer((req, res) => {
    serve(file, req, res).catch((error: unknown) => {
      if (!res.headersSent) res.writeHead(500);
      res.end(String(error));
    });
  });
  process.stdout.on('error', () => undefined);
  process.stderr.on('error', () => undefined);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, ip, () => resolve());
  }).catch((error: unknown) => {
    process.stderr.write(`[${path.basename(file)}] Cannot start server: ${(error as Error).message}\n`);
    process.exit(1);
  });
  process.stderr.write(`[${path.basename(file)}] Server ready!\n`);
  await new Promise<void>((resolve) => process.once('SIGTERM', () => resolve()));
  server.close();
  server.closeAllConnections();
  process.exit(0);
}
