/**
 * Helpers shared by the route handlers: body checks, property edits as LINSTOR applies them, and the
 * lookups whose not-found answers every handler must give the same way.
 */
import { RC } from '../../../lib/linstor/ret-codes.js';
import type { SimContext, SimRequest } from '../context.js';
import type { SimNode, SimResourceDefinition, SimResourceGroup } from '../model.js';
import { fail, type RcContext } from '../replies.js';

/** The request body as an object, or FAIL_INVLD_REQUEST. */
export function bodyObject(req: SimRequest, ctx: RcContext): Record<string, unknown> {
  const body = req.body ?? {};
  if (typeof body !== 'object' || body === null || Array.isArray(body)) fail(RC.FAIL_INVLD_REQUEST, ctx, 'The request body must be a JSON object.');
  return body as Record<string, unknown>;
}

/**
 * A string→string map from the body, or FAIL_INVLD_PROP. Like the controller's JSON mapper, a number
 * or a boolean value is accepted and kept as its text (the Python driver sends
 * `auto-promote-timeout` as an integer); an object, a list or null is refused.
 */
export function stringMap(value: unknown, ctx: RcContext): Record<string, string> {
  if (value === undefined || value === null) return {};
  if (typeof value !== 'object' || Array.isArray(value)) fail(RC.FAIL_INVLD_PROP, ctx, 'Invalid property map.');
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(value)) {
    if (typeof v === 'string') out[k] = v;
    else if (typeof v === 'number' || typeof v === 'boolean') out[k] = String(v);
    else fail(RC.FAIL_INVLD_PROP, ctx, 'Invalid value.', { cause: `The value of '${k}' is not a string.` });
  }
  return out;
}

/** A string list from the body. */
export function stringList(value: unknown, ctx: RcContext): string[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value) || value.some((v) => typeof v !== 'string')) fail(RC.FAIL_INVLD_REQUEST, ctx, 'Expected a list of strings.');
  return value as string[];
}

/** Keys LINSTOR accepts on objects (a small stand-in for its whitelist); `Aux/` is never checked. */
const ALLOWED_PREFIXES = ['Aux/', 'DrbdOptions/', 'StorDriver/', 'FileSystem/', 'Internal/', 'NVMe/', 'Writecache/', 'Cache/', 'Autoplacer/'];
const ALLOWED_KEYS = new Set([
  'StorPoolName',
  'StorPoolNameDrbdMeta',
  'PrefNic',
  'Site',
  'PeerSlotsNewResource',
  'MaxOversubscriptionRatio',
  'OverrideVlmId',
  'DrbdCurrentGi',
  'TcpPortAutoRange',
  'MinorNrAutoRange',
]);

/** FAIL_INVLD_PROP for a key outside the whitelist (linstor-rest.md §2.5 "Property"). */
export function checkWhitelisted(keys: Iterable<string>, ctx: RcContext): void {
  for (const key of keys) {
    if (ALLOWED_KEYS.has(key) || ALLOWED_PREFIXES.some((p) => key.startsWith(p))) continue;
    fail(RC.FAIL_INVLD_PROP, ctx, `Invalid property key: ${key}`, { cause: `The key '${key}' is not whitelisted.` });
  }
}

/**
 * Applies `override_props`, then `delete_props`, then `delete_namespaces` to `props` in place;
 * with `whitelist`, keys are checked first. Returns the keys it set.
 */
export function applyPropsModify(props: Record<string, string>, body: Record<string, unknown>, ctx: RcContext, whitelist = true): string[] {
  const override = stringMap(body['override_props'], ctx);
  const deletes = stringList(body['delete_props'], ctx);
  const namespaces = stringList(body['delete_namespaces'], ctx);
  if (whitelist) checkWhitelisted(Object.keys(override), ctx);
  Object.assign(props, override);
  for (const key of deletes) delete props[key];
  for (const ns of namespaces) {
    const prefix = ns.replace(/\/+$/, '') + '/';
    for (const key of Object.keys(props)) if (key.startsWith(prefix)) delete props[key];
  }
  return Object.keys(override);
}

/** The node, or FAIL_NOT_FOUND_NODE in the given context (→ 404). */
export function requireNode(sim: SimContext, name: string, ctx: RcContext | null): SimNode {
  const node = sim.store.state.nodes[name.toUpperCase()];
  if (!node) {
    fail(RC.FAIL_NOT_FOUND_NODE, ctx, `Node '${name}' not found.`, {
      cause: `The specified node '${name}' could not be found in the database`,
      correction: `Create a node with the name '${name}' first.`,
    });
  }
  return node;
}

/** The resource definition, or FAIL_NOT_FOUND_RSC_DFN (→ 404). */
export function requireRd(sim: SimContext, name: string, ctx: RcContext | null): SimResourceDefinition {
  const rd = sim.store.state.resourceDefinitions[name.toUpperCase()];
  if (!rd) {
    fail(RC.FAIL_NOT_FOUND_RSC_DFN, ctx, `Resource definition '${name}' not found.`, {
      cause: `The specified resource definition '${name}' could not be found in the database`,
      correction: `Create a resource definition with the name '${name}' first.`,
    });
  }
  return rd;
}

/** The resource group, or FAIL_NOT_FOUND_RSC_GRP (→ 404). */
export function requireRg(sim: SimContext, name: string, ctx: RcContext | null): SimResourceGroup {
  const rg = sim.store.state.resourceGroups[name.toUpperCase()];
  if (!rg) fail(RC.FAIL_NOT_FOUND_RSC_GRP, ctx, `Resource group '${name}' not found.`);
  return rg;
}

/** Matches a `props=KEY` / `props=KEY=VALUE` filter list (ANDed) against a props map. */
export function matchesPropFilters(props: Record<string, string>, filters: readonly string[]): boolean {
  return filters.every((f) => {
    const eq = f.indexOf('=');
    if (eq < 0) return f in props;
    return props[f.slice(0, eq)] === f.slice(eq + 1);
  });
}

/** Upper-cased values of a repeated query key, or undefined when absent. */
export function queryNames(req: SimRequest, key: string): Set<string> | undefined {
  const values = req.query.getAll(key).flatMap((v) => v.split(',')).filter((v) => v !== '');
  return values.length === 0 ? undefined : new Set(values.map((v) => v.toUpperCase()));
}

/** Context of a create call on nodes (the common default for lookups). */

/** Drops empty maps, lists and undefined values, as LINSTOR's `NON_EMPTY` serialisation does. */
export function nonEmpty<T extends Record<string, unknown>>(value: T): T {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    if (v === undefined || v === null) continue;
    if (Array.isArray(v) && v.length === 0) continue;
    if (typeof v === 'object' && !Array.isArray(v) && Object.keys(v as object).length === 0) continue;
    out[k] = v;
  }
  return out as T;
}
