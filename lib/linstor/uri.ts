/** Default REST ports of a LINSTOR controller (linstor-rest.md §1). */
export const LINSTOR_HTTP_PORT = 3370;
export const LINSTOR_HTTPS_PORT = 3371;

/** Thrown for a controller URI the client cannot use. */
export class LinstorUriError extends Error {
  override name = 'LinstorUriError';
}

/**
 * Turns a controller URI as the Python client accepts it into an HTTP origin:
 * `linstor://host[:port]` → `http://host:3370`, `linstor+ssl://host` → `https://host:3371`,
 * `http(s)://host[:port]` kept (LINSTOR's port, not 80/443, when none is given), a bare `host` → `http://host:3370`.
 */
export function controllerOrigin(uri: string): string {
  const text = uri.trim();
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(text) ? text : `linstor://${text}`;
  let url: URL;
  try {
    url = new URL(withScheme);
  } catch (cause) {
    throw new LinstorUriError(`invalid controller URI ${JSON.stringify(uri)}`, { cause });
  }
  const scheme = url.protocol.slice(0, -1).toLowerCase();
  const secure = scheme === 'linstor+ssl' || scheme === 'https';
  if (!secure && scheme !== 'linstor' && scheme !== 'http') {
    throw new LinstorUriError(`unsupported controller URI scheme in ${JSON.stringify(uri)}`);
  }
  if (url.hostname === '') throw new LinstorUriError(`controller URI without a host: ${JSON.stringify(uri)}`);
  const port = url.port === '' ? (secure ? LINSTOR_HTTPS_PORT : LINSTOR_HTTP_PORT) : Number(url.port);
  return `${secure ? 'https' : 'http'}://${url.hostname}:${port}`;
}
