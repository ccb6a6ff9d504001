/** Resources, autoplace and make-available (linstor-rest.md §3.7). */
import { MASK_CRT, MASK_DEL, MASK_MOD, OBJ, RC } from '../../../lib/linstor/ret-codes.js';
import type { AutoSelectFilter } from '../../../lib/linstor/types.js';
import type { SimContext, SimRequest, SimRoute } from '../context.js';
import { isDiskless, undeployResource } from '../deploy.js';
import { autoplace, createResources, makeAvailable } from '../placement.js';
import { fail, rc, rcReply, type RcContext, type SimReply } from '../replies.js';
import { renderResource } from '../render.js';
import { applyPropsModify, bodyObject, matchesPropFilters, queryNames, requireRd, stringList, stringMap } from './common.js';

const CRT: RcContext = { op: MASK_CRT, obj: OBJ.RSC };
const MOD: RcContext = { op: MASK_MOD, obj: OBJ.RSC };
const DEL: RcContext = { op: MASK_DEL, obj: OBJ.RSC };

function list(sim: SimContext, req: SimRequest): SimReply {
  const rd = requireRd(sim, req.params['resource'] ?? '', null);
  return { status: 200, body: Object.values(rd.resources).map((r) => renderResource(sim, rd, r, false)) };
}

function get(sim: SimContext, req: SimRequest): SimReply {
  const rd = requireRd(sim, req.params['resource'] ?? '', null);
  const node = req.params['node'] ?? '';
  const r = rd.resources[node.toUpperCase()];
  if (!r) fail(RC.FAIL_NOT_FOUND_RSC, null, `Resource '${rd.name}' on node '${node}' not found.`);
  return { status: 200, body: renderResource(sim, rd, r, false) };
}

function parseCreate(raw: unknown, pathNode: string | undefined): { node: string; flags: string[]; props: Record<string, string> } {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) fail(RC.FAIL_INVLD_REQUEST, CRT, 'Invalid resource create entry.');
  const resource = (raw as Record<string, unknown>)['resource'] ?? {};
  if (typeof resource !== 'object' || resource === null) fail(RC.FAIL_INVLD_REQUEST, CRT, 'Invalid resource object.');
  const r = resource as Record<string, unknown>;
  const node = pathNode ?? r['node_name'];
  if (typeof node !== 'string' || node === '') fail(RC.FAIL_INVLD_REQUEST, CRT, 'The resource needs a node_name.');
  return { node, flags: stringList(r['flags'], CRT), props: stringMap(r['props'], CRT) };
}

async function createMany(sim: SimContext, req: SimRequest): Promise<SimReply> {
  const rd = requireRd(sim, req.params['resource'] ?? '', CRT);
  if (!Array.isArray(req.body)) fail(RC.FAIL_INVLD_REQUEST, CRT, 'Expected a list of resources.');
  const entries = await createResources(sim, rd, req.body.map((item) => parseCreate(item, undefined)));
  await sim.store.persist();
  return rcReply(entries, 201);
}

async function createOne(sim: SimContext, req: SimRequest): Promise<SimReply> {
  const rd = requireRd(sim, req.params['resource'] ?? '', CRT);
  const entries = await createResources(sim, rd, [parseCreate(req.body ?? {}, req.params['node'])]);
  await sim.store.persist();
  return rcReply(entries, 201);
}

async function modify(sim: SimContext, req: SimRequest): Promise<SimReply> {
  const rd = requireRd(sim, req.params['resource'] ?? '', MOD);
  const node = req.params['node'] ?? '';
  const r = rd.resources[node.toUpperCase()];
  if (!r) fail(RC.FAIL_NOT_FOUND_RSC, MOD, `Resource '${rd.name}' on node '${node}' not found.`);
  applyPropsModify(r.props, bodyObject(req, MOD), MOD);
  await sim.store.persist();
  return rcReply([rc('success', RC.MODIFIED, MOD, `Resource '${rd.name}' on node '${r.node}' modified.`)], 200);
}

async function remove(sim: SimContext, req: SimRequest): Promise<SimReply> {
  const name = req.params['resource'] ?? '';
  const node = req.params['node'] ?? '';
  const rd = sim.store.state.resourceDefinitions[name.toUpperCase()];
  const r = rd?.resources[node.toUpperCase()];
  if (!rd || !r) return rcReply([rc('warning', RC.WARN_NOT_FOUND, DEL, `Resource '${name}' on node '${node}' not found.`)], 200);
  if (r.inUse) fail(RC.FAIL_IN_USE, DEL, `Resource '${rd.name}' is still in use.`, { cause: 'Resource is mounted/in use.' });
  const others = Object.values(rd.resources).filter((p) => p !== r);
  if (!isDiskless(r) && others.length > 0 && others.every(isDiskless)) {
    fail(RC.FAIL_IN_USE, DEL, `Last resource of '${rd.name}' with disk still has diskless resources attached.`);
  }
  await undeployResource(sim, rd, r.node);
  await sim.store.persist();
  return rcReply([rc('success', RC.DELETED, DEL, `Resource '${rd.name}' on node '${r.node}' deleted.`, { objRefs: { RscDfn: rd.name, Node: r.node } })], 200);
}

async function autoplaceRoute(sim: SimContext, req: SimRequest): Promise<SimReply> {
  const rd = requireRd(sim, req.params['resource'] ?? '', CRT);
  const body = bodyObject(req, CRT);
  const filter = (body['select_filter'] ?? {}) as AutoSelectFilter;
  if (typeof filter !== 'object' || filter === null) fail(RC.FAIL_INVLD_REQUEST, CRT, 'Invalid select_filter.');
  const onRemaining = typeof body['diskless_on_remaining'] === 'boolean' ? body['diskless_on_remaining'] : undefined;
  const entries = await autoplace(sim, rd, filter, onRemaining);
  await sim.store.persist();
  return rcReply(entries, 201);
}

async function makeAvailableRoute(sim: SimContext, req: SimRequest): Promise<SimReply> {
  const rd = requireRd(sim, req.params['resource'] ?? '', CRT);
  const body = bodyObject(req, CRT);
  const entries = await makeAvailable(sim, rd, req.params['node'] ?? '', body['diskful'] === true);
  await sim.store.persist();
  return rcReply(entries, 200);
}

function view(sim: SimContext, req: SimRequest): SimReply {
  const nodes = queryNames(req, 'nodes');
  const resources = queryNames(req, 'resources');
  const pools = queryNames(req, 'storage_pools');
  const props = req.query.getAll('props');
  const out: Record<string, unknown>[] = [];
  for (const rd of Object.values(sim.store.state.resourceDefinitions)) {
    if (resources && !resources.has(rd.name.toUpperCase())) continue;
    for (const r of Object.values(rd.resources)) {
      if (nodes && !nodes.has(r.node.toUpperCase())) continue;
      if (pools && !pools.has(r.storagePool.toUpperCase())) continue;
      if (!matchesPropFilters(r.props, props)) continue;
      out.push(renderResource(sim, rd, r, true));
    }
  }
  return { status: 200, body: out };
}

/** Routes of this object kind. */
export const resourceRoutes: readonly SimRoute[] = [
  { method: 'GET', template: '/v1/view/resources', handler: view },
  { method: 'GET', template: '/v1/resource-definitions/{resource}/resources', handler: list },
  { method: 'POST', template: '/v1/resource-definitions/{resource}/resources', handler: createMany, reactive: true },
  { method: 'GET', template: '/v1/resource-definitions/{resource}/resources/{node}', handler: get },
  { method: 'POST', template: '/v1/resource-definitions/{resource}/resources/{node}', handler: createOne, reactive: true },
  { method: 'PUT', template: '/v1/resource-definitions/{resource}/resources/{node}', handler: modify, reactive: true },
  { method: 'DELETE', template: '/v1/resource-definitions/{resource}/resources/{node}', handler: remove, reactive: true },
  { method: 'POST', template: '/v1/resource-definitions/{resource}/autoplace', handler: autoplaceRoute, reactive: true },
  { method: 'POST', template: '/v1/resource-definitions/{resource}/resources/{node}/make-available', handler: makeAvailableRoute, reactive: true },
];
