/**
 * One XML-RPC POST to XAPI, over a host's Unix socket (what sm and our driver use: calls on a slave's
 * socket are forwarded to the master) or over HTTP(S) (what users and the conformance suite use).
 * node:http is used rather than undici: one small request per call, no pool to manage, and a driver
 * that exits right after its last call must not be held open by idle sockets.
 */
import type { IncomingMessage, RequestOptions } from 'node:http';

/** Where XAPI listens: a Unix socket path, or an `http://` / `https://` URL. */
export type XapiEndpoint = { readonly socketPath: string } | { readonly url: string };

/** Options for one POST. */
export type PostOptions = {
  readonly headers: Readonly<Record<string, string>>;
  readonly timeoutMs: number;
  /** Accept self-signed certificates (XAPI's default certificate is self-signed). */
  readonly allowUnauthorized?: boolean;
};

/** Thrown for connection failures, timeouts and non-2xx replies; the client wraps it with the call. */
export class HttpPostError extends Error {
  override name = 'HttpPostError';
}

/** Describes the endpoint for messages (never includes credentials). */
export function describeEndpoint(endpoint: XapiEndpoint): string {
  if ('socketPath' in endpoint) return `unix:${endpoint.socketPath}`;
  const url = new URL(endpoint.url);
  return `${url.protocol}//${url.host}`;
}

/** POSTs `body` (an XML-RPC methodCall) and resolves with the reply body. */
export async function postXml(endpoint: XapiEndpoint, body: string, options: PostOptions): Promise<string> {
  const payload = Buffer.from(body, 'utf8');
  const headers = { ...options.headers, 'content-type': 'text/xml', 'content-length': String(payload.length) };
  let request: RequestOptions;
  let secure = false;
  if ('socketPath' in endpoint) {
    request = { socketPath: endpoint.socketPath, path: '/', method: 'POST', headers, agent: false };
  } else {
    const url = new URL(endpoint.url);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new HttpPostError(`unsupported XAPI URL scheme ${url.protocol}`);
    secure = url.protocol === 'https:';
    request = {
      host: url.hostname.replace(/^\[|\]$/g, ''),
      port: url.port || (secure ? 443 : 80),
      path: url.pathname || '/',
      method: 'POST',
      headers,
      agent: false,
      ...(secure ? { rejectUnauthorized: !options.allowUnauthorized } : {}),
    };
  }
  const { request: send } = secure ? await import('node:https') : await import('node:http');
  return new Promise<string>((resolve, reject) => {
    const req = send(request, (res: IncomingMessage) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('error', reject);
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        const status = res.statusCode ?? 0;
        if (status < 200 || status >= 300) reject(new HttpPostError(`HTTP ${status} from ${describeEndpoint(endpoint)}: ${text.slice(0, 200)}`));
        else resolve(text);
      });
    });
    req.setTimeout(options.timeoutMs, () => {
      req.destroy(new HttpPostError(`no reply from ${describeEndpoint(endpoint)} within ${options.timeoutMs} ms`));
    });
    req.on('error', (error) => reject(error instanceof HttpPostError ? error : new HttpPostError(`${describeEndpoint(endpoint)}: ${error.message}`, { cause: error })));
    req.end(payload);
  });
}
