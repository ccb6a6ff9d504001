/** Nodes and net interfaces (linstor-rest.md §3.2). */
import { MASK_CRT, MASK_DEL, MASK_MOD, OBJ, RC } from '../../../lib/linstor/ret-codes.js';
import type { SimContext, SimRequest, SimRoute } from '../context.js';
import { isDiskless, undeployResource } from '../deploy.js';
import { DISKLESS_POOL, poolKey, type SimNetIf } from '../model.js';
import { invalidName, invalidNodeName } from '../names.js';
import { fail, rc, rcReply, type RcContext, type SimReply } from '../replies.js';
import { renderNode } from '../render.js';
import { applyPropsModify, bodyObject, checkWhitelisted, matchesPropFilters, queryNames, requireNode, stringMap } from './common.js';

const NODE_TYPES = ['CONTROLLER', 'SATELLITE', 'COMBINED', 'AUXILIARY'];
const CRT: RcContext = { op: MASK_CRT, obj: OBJ.NODE };
const MOD: RcContext = { op: MASK_MOD, obj: OBJ.NODE };
const DEL: RcContext = { op: MASK_DEL, obj: OBJ.NODE };
const NETIF_CRT: RcContext = { op: MASK_CRT, obj: OBJ.NET_IF };

function parseNetIf(sim: SimContext, raw: unknown, ctx: RcContext, existing?: SimNetIf): SimNetIf {
  if (typeof raw !== 'object' || raw === null) fail(RC.FAIL_INVLD_REQUEST, ctx, 'Invalid net interface.');
  const n = raw as Record<string, unknown>;
  const name = n['name'] ?? existing?.name;
  const why = invalidName('net-interface', name);
  if (why) fail(RC.FAIL_INVLD_NET_NAME, ctx, `Invalid name: ${String(name)}`, { cause: why });
  const address = n['address'] ?? existing?.address;
  if (typeof address !== 'string' || address === '') fail(RC.FAIL_INVLD_REQUEST, ctx, 'The net interface needs an address.');
  const enc = String(n['satellite_encryption_type'] ?? existing?.satellite_encryption_type ?? 'PLAIN').toUpperCase();
  if (enc !== 'PLAIN' && enc !== 'SSL') fail(RC.FAIL_INVLD_REQUEST, ctx, `Invalid encryption type '${enc}'.`);
  const port = n['satellite_port'] ?? existing?.satellite_port ?? (enc === 'SSL' ? 3367 : 3366);
  if (typeof port !== 'number' || !Number.isInteger(port)) fail(RC.FAIL_INVLD_REQUEST, ctx, 'Invalid satellite port.');
  const active = n['is_active'] ?? existing?.is_active ?? true;
  return { name: name as string, address, satellite_port: port, satellite_encryption_type: enc, is_active: active === true, uuid: existing?.uuid ?? sim.uuid() };
}

function list(sim: SimContext, req: SimRequest): SimReply {
  const names = queryNames(req, 'nodes');
  const props = req.query.getAll('props');
  const nodes = Object.values(sim.store.state.nodes).filter((n) => (!names || names.has(n.name.toUpperCase())) && matchesPropFilters(n.props, props));
  return { status: 200, body: nodes.map(renderNode) };
}

function get(sim: SimContext, req: SimRequest): SimReply {
  return { status: 200, body: renderNode(requireNode(sim, req.params['node'] ?? '', null)) };
}

async function create(sim: SimContext, req: SimRequest): Promise<SimReply> {
  const body = bodyObject(req, CRT);
  const name = body['name'];
  const why = invalidNodeName(name);
  if (why) fail(RC.FAIL_INVLD_NODE_NAME, CRT, `Invalid node name: ${String(name)}`, { cause: why });
  const nodeName = name as string;
  const key = nodeName.toUpperCase();
  const { state } = sim.store;
  if (state.nodes[key]) {
    fail(RC.FAIL_EXISTS_NODE, CRT, `Registration of node '${nodeName}' failed.`, { cause: `A node with the specified name '${nodeName}' already exists.` });
  }
  const type = String(body['type'] ?? '').toUpperCase();
  if (!NODE_TYPES.includes(type)) fail(RC.FAIL_INVLD_NODE_TYPE, CRT, `Invalid node type '${String(body['type'])}'.`);
  const props = stringMap(body['props'], CRT);
  checkWhitelisted(Object.keys(props), CRT);
  const rawIfs = body['net_interfaces'];
  if (!Array.isArray(rawIfs) || rawIfs.length === 0) fail(RC.FAIL_INVLD_REQUEST, CRT, 'A node needs at least one net interface.');
  const netIfs = rawIfs.map((n) => parseNetIf(sim, n, NETIF_CRT));
  const disk = sim.disks.disklessNodes.has(key) ? null : { vg: 'linstor_group', thinPool: 'thin_device', sizeKib: sim.disks.diskSizeKib };
  state.nodes[key] = { name: nodeName, type, props, netIfs, uuid: sim.uuid(), disk, online: true };
  state.storagePools[poolKey(nodeName, DISKLESS_POOL)] = { name: DISKLESS_POOL, node: nodeName, provider: 'DISKLESS', props: {}, uuid: sim.uuid() };
  await sim.store.persist();
  return rcReply(
    [
      rc('success', RC.CREATED, CRT, `New node '${nodeName}' registered.`, { objRefs: { Node: nodeName } }),
      rc('success', RC.CREATED, CRT, `Node '${nodeName}' authenticated`, { objRefs: { Node: nodeName } }),
    ],
    201,
  );
}

async function modify(sim: SimContext, req: SimRequest): Promise<SimReply> {
  const node = requireNode(sim, req.params['node'] ?? '', MOD);
  const body = bodyObject(req, MOD);
  if (body['node_type'] !== undefined) {
    const type = String(body['node_type']).toUpperCase();
    if (!NODE_TYPES.includes(type)) fail(RC.FAIL_INVLD_NODE_TYPE, MOD, `Invalid node type '${String(body['node_type'])}'.`);
    node.type = type;
  }
  applyPropsModify(node.props, body, MOD);
  await sim.store.persist();
  return rcReply([rc('success', RC.MODIFIED, MOD, `Node '${node.name}' modified.`, { objRefs: { Node: node.name } })], 200);
}

async function remove(sim: SimContext, req: SimRequest): Promise<SimReply> {
  const name = req.params['node'] ?? '';
  const key = name.toUpperCase();
  const { state } = sim.store;
  const node = state.nodes[key];
  if (!node) return rcReply([rc('warning', RC.WARN_NOT_FOUND, DEL, `Deletion of node '${name}' had no effect.`, { cause: `Node '${name}' does not exist.` })], 200);
  for (const rd of Object.values(state.resourceDefinitions)) {
    const r = rd.resources[key];
    if (!r) continue;
    const othersDiskful = Object.values(rd.resources).some((p) => p !== r && !isDiskless(p));
    const othersDiskless = Object.values(rd.resources).some((p) => p !== r && isDiskless(p));
    if (r.inUse || (!isDiskless(r) && !othersDiskful && othersDiskless)) {
      fail(RC.FAIL_NODE_HAS_USED_RSC, DEL, 'Cannot delete node, because it has in use or last diskful resources.', { objRefs: { Node: node.name } });
    }
  }
  for (const rd of Object.values(state.resourceDefinitions)) if (rd.resources[key]) await undeployResource(sim, rd, node.name);
  for (const [k, pool] of Object.entries(state.storagePools)) if (pool.node.toUpperCase() === key) delete state.storagePools[k];
  delete state.nodes[key];
  await sim.store.persist();
  return rcReply([rc('success', RC.DELETED, DEL, `Node '${node.name}' deleted.`, { objRefs: { Node: node.name } })], 200);
}

function listNetIfs(sim: SimContext, req: SimRequest): SimReply {
  const node = requireNode(sim, req.params['node'] ?? '', null);
  return { status: 200, body: node.netIfs.map((n) => ({ ...n })) };
}

function findNetIf(sim: SimContext, req: SimRequest, ctx: RcContext | null): { list: SimNetIf[]; index: number; name: string } {
  const node = requireNode(sim, req.params['node'] ?? '', ctx);
  const name = req.params['netinterface'] ?? '';
  const index = node.netIfs.findIndex((n) => n.name.toUpperCase() === name.toUpperCase());
  if (index < 0) fail(RC.FAIL_NOT_FOUND_NET_IF, ctx, `Net interface '${name}' on node '${node.name}' not found.`);
  return { list: node.netIfs, index, name };
}

function getNetIf(sim: SimContext, req: SimRequest): SimReply {
  const { list: ifs, index } = findNetIf(sim, req, null);
  return { status: 200, body: { ...ifs[index] } };
}

async function createNetIf(sim: SimContext, req: SimRequest): Promise<SimReply> {
  const node = requireNode(sim, req.params['node'] ?? '', NETIF_CRT);
  const netIf = parseNetIf(sim, bodyObject(req, NETIF_CRT), NETIF_CRT);
  if (node.netIfs.some((n) => n.name.toUpperCase() === netIf.name.toUpperCase())) {
    fail(RC.FAIL_EXISTS_NET_IF, NETIF_CRT, `Net interface '${netIf.name}' already exists on node '${node.name}'.`);
  }
  node.netIfs.push(netIf);
  await sim.store.persist();
  return rcReply([rc('success', RC.CREATED, NETIF_CRT, `New net interface '${netIf.name}' on node '${node.name}' created.`)], 201);
}

async function modifyNetIf(sim: SimContext, req: SimRequest): Promise<SimReply> {
  const ctx = { op: MASK_MOD, obj: OBJ.NET_IF };
  const { list: ifs, index } = findNetIf(sim, req, ctx);
  const current = ifs[index] as SimNetIf;
  ifs[index] = { ...parseNetIf(sim, { ...bodyObject(req, ctx), name: current.name }, ctx, current), uuid: current.uuid };
  await sim.store.persist();
  return rcReply([rc('success', RC.MODIFIED, ctx, `Net interface '${current.name}' modified.`)], 200);
}

async function deleteNetIf(sim: SimContext, req: SimRequest): Promise<SimReply> {
  const ctx = { op: MASK_DEL, obj: OBJ.NET_IF };
  const node = requireNode(sim, req.params['node'] ?? '', ctx);
  const name = req.params['netinterface'] ?? '';
  const index = node.netIfs.findIndex((n) => n.name.toUpperCase() === name.toUpperCase());
  if (index < 0) return rcReply([rc('warning', RC.WARN_NOT_FOUND, ctx, `Deletion of net interface '${name}' had no effect.`)], 200);
  node.netIfs.splice(index, 1);
  await sim.store.persist();
  return rcReply([rc('success', RC.DELETED, ctx, `Net interface '${name}' on node '${node.name}' deleted.`)], 200);
}

/** Routes of this object kind. */
export const nodeRoutes: readonly SimRoute[] = [
  { method: 'GET', template: '/v1/nodes', handler: list },
  { method: 'POST', template: '/v1/nodes', handler: create },
  { method: 'GET', template: '/v1/nodes/{node}', handler: get },
  { method: 'PUT', template: '/v1/nodes/{node}', handler: modify },
  { method: 'DELETE', template: '/v1/nodes/{node}', handler: remove },
  { method: 'GET', template: '/v1/nodes/{node}/net-interfaces', handler: listNetIfs },
  { method: 'POST', template: '/v1/nodes/{node}/net-interfaces', handler: createNetIf },
  { method: 'GET', template: '/v1/nodes/{node}/net-interfaces/{netinterface}', handler: getNetIf },
  { method: 'PUT', template: '/v1/nodes/{node}/net-interfaces/{netinterface}', handler: modifyNetIf },
  { method: 'DELETE', template: '/v1/nodes/{node}/net-interfaces/{netinterface}', handler: deleteNetIf },
];
