/** Resource definitions (linstor-rest.md §3.5). */
import { MASK_CRT, MASK_DEL, MASK_MOD, OBJ, RC } from '../../../lib/linstor/ret-codes.js';
import type { SimContext, SimRequest, SimRoute } from '../context.js';
import { createRd } from '../definitions.js';
import { undeployAll } from '../deploy.js';
import { fail, rc, rcReply, type RcContext, type SimReply } from '../replies.js';
import { renderResourceDefinition } from '../render.js';
import { syncedOnAll } from '../sync.js';
import { applyPropsModify, bodyObject, checkWhitelisted, matchesPropFilters, queryNames, requireRd, requireRg, stringMap } from './common.js';

const CRT: RcContext = { op: MASK_CRT, obj: OBJ.RSC_DFN };
const MOD: RcContext = { op: MASK_MOD, obj: OBJ.RSC_DFN };
const DEL: RcContext = { op: MASK_DEL, obj: OBJ.RSC_DFN };

function list(sim: SimContext, req: SimRequest): SimReply {
  const names = queryNames(req, 'resource_definitions');
  const props = req.query.getAll('props');
  const withVds = /^true$/i.test(req.query.get('with_volume_definitions') ?? '');
  const rds = Object.values(sim.store.state.resourceDefinitions).filter((rd) => (!names || names.has(rd.name.toUpperCase())) && matchesPropFilters(rd.props, props));
  return { status: 200, body: rds.map((rd) => renderResourceDefinition(rd, withVds)) };
}

function get(sim: SimContext, req: SimRequest): SimReply {
  return { status: 200, body: renderResourceDefinition(requireRd(sim, req.params['resource'] ?? '', null), false) };
}

/** `ResourceDefinitionSyncStatus`; 404 for an unknown RD. */
function syncStatus(sim: SimContext, req: SimRequest): SimReply {
  const rd = requireRd(sim, req.params['resource'] ?? '', null);
  return { status: 200, body: { synced_on_all: syncedOnAll(rd, sim.nowMs()) } };
}

async function create(sim: SimContext, req: SimRequest): Promise<SimReply> {
  const body = bodyObject(req, CRT);
  const def = body['resource_definition'];
  if (typeof def !== 'object' || def === null) fail(RC.FAIL_INVLD_REQUEST, CRT, 'The request needs a resource_definition object.');
  const d = def as Record<string, unknown>;
  const props = stringMap(d['props'], CRT);
  checkWhitelisted(Object.keys(props), CRT);
  const peerSlots = body['drbd_peer_slots'];
  const rd = createRd(
    sim,
    {
      name: d['name'],
      group: typeof d['resource_group_name'] === 'string' ? d['resource_group_name'] : undefined,
      props,
      peerSlots: typeof peerSlots === 'number' ? peerSlots : undefined,
      externalName: typeof d['external_name'] === 'string' ? d['external_name'] : undefined,
    },
    CRT,
  );
  if (typeof body['drbd_port'] === 'number') rd.port = body['drbd_port'];
  await sim.store.persist();
  const refs = { objRefs: { RscDfn: rd.name } };
  return rcReply(
    [rc('success', RC.CREATED, CRT, `New resource definition '${rd.name}' created.`, { ...refs, details: `Resource definition '${rd.name}' UUID is: ${rd.uuid}` })],
    201,
  );
}

async function modify(sim: SimContext, req: SimRequest): Promise<SimReply> {
  const rd = requireRd(sim, req.params['resource'] ?? '', MOD);
  const body = bodyObject(req, MOD);
  const entries = [];
  const peerSlots = body['drbd_peer_slots'];
  if (peerSlots !== undefined) {
    if (typeof peerSlots !== 'number' || !Number.isInteger(peerSlots) || peerSlots < 1 || peerSlots > 31) fail(RC.FAIL_INVLD_REQUEST, MOD, `Invalid peer slot count ${String(peerSlots)}.`);
    rd.peerSlots = peerSlots;
  }
  if (typeof body['drbd_port'] === 'number') rd.port = body['drbd_port'];
  if (typeof body['resource_group'] === 'string') rd.group = requireRg(sim, body['resource_group'], MOD).name;
  const set = applyPropsModify(rd.props, body, MOD);
  if (set.length > 0) entries.push(rc('info', RC.INFO_PROP_SET, MOD, `Successfully set property key(s): ${set.join(',')}`));
  if (set.includes('DrbdOptions/auto-quorum')) {
    entries.push(rc('warning', RC.WARN_DEPRECATED, MOD, 'DrbdOptions/auto-quorum is deprecated, please use DrbdOptions/Resource/quorum'));
  }
  await sim.store.persist();
  entries.unshift(rc('success', RC.MODIFIED, MOD, `Resource definition '${rd.name}' modified.`, { objRefs: { RscDfn: rd.name } }));
  return rcReply(entries, 200);
}

async function remove(sim: SimContext, req: SimRequest): Promise<SimReply> {
  const name = req.params['resource'] ?? '';
  const { state } = sim.store;
  const rd = state.resourceDefinitions[name.toUpperCase()];
  if (!rd) return rcReply([rc('warning', RC.WARN_NOT_FOUND, DEL, `Resource definition: ${name} not found.`)], 200);
  const busy = Object.values(rd.resources).find((r) => r.inUse);
  if (busy) fail(RC.FAIL_IN_USE, DEL, `Resource '${rd.name}' on node '${busy.node}' is still in use.`, { cause: 'Resource is mounted/in use.' });
  const nodes = Object.values(rd.resources).map((r) => r.node);
  await undeployAll(sim, rd);
  delete state.resourceDefinitions[name.toUpperCase()];
  await sim.store.persist();
  const entries = nodes.map((n) => rc('success', RC.DELETED, { op: MASK_DEL, obj: OBJ.RSC }, `Resource '${rd.name}' on node '${n}' deleted.`));
  entries.push(rc('success', RC.DELETED, DEL, `Resource definition '${rd.name}' deleted.`, { details: `Resource definition '${rd.name}' UUID was: ${rd.uuid}` }));
  return rcReply(entries, 200);
}

/** Routes of this object kind. */
export const resourceDefinitionRoutes: readonly SimRoute[] = [
  { method: 'GET', template: '/v1/resource-definitions', handler: list },
  { method: 'POST', template: '/v1/resource-definitions', handler: create },
  { method: 'GET', template: '/v1/resource-definitions/{resource}', handler: get },
  { method: 'PUT', template: '/v1/resource-definitions/{resource}', handler: modify },
  { method: 'DELETE', template: '/v1/resource-definitions/{resource}', handler: remove },
  { method: 'GET', template: '/v1/resource-definitions/{resource}/sync-status', handler: syncStatus },
];
