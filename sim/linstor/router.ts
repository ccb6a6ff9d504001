/**
 * Matches a method and path to a route. Templates use the OpenAPI spec's paths and parameter names
 * (`/v1/resource-definitions/{resource}/resources/{node}`), so request counters and contract checks
 * speak of the same operations as the spec.
 */
import type { SimRoute } from './context.js';

type Compiled = { route: SimRoute; segments: readonly string[] };

/** The result of a match: the route and its decoded parameters. */
export type RouteMatch = { readonly route: SimRoute; readonly params: Record<string, string> };

/** A route table; `match` answers `'method'` when the path exists under another method. */
export class Router {
  readonly #routes: Compiled[];
  constructor(routes: readonly SimRoute[]) {
    this.#routes = routes.map((route) => ({ route, segments: route.template.split('/').slice(1) }));
  }

  match(method: string, path: string): RouteMatch | 'method' | undefined {
    const parts = path.split('/').slice(1);
    let pathKnown = false;
    for (const { route, segments } of this.#routes) {
      if (segments.length !== parts.length) continue;
      const params: Record<string, string> = {};
      let ok = true;
      for (let i = 0; i < segments.length && ok; i += 1) {
        const seg = segments[i] as string;
        const part = parts[i] as string;
        if (seg.startsWith('{')) {
          if (part === '') ok = false;
          else params[seg.slice(1, -1)] = safeDecode(part);
        } else if (seg !== part) ok = false;
      }
      if (!ok) continue;
      if (route.method === method) return { route, params };
      pathKnown = true;
    }
    return pathKnown ? 'method' : undefined;
  }
}

function safeDecode(part: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    // A malformed %-escape: keep the raw text; name validation will reject it like LINSTOR does.
    return part;
  }
}
