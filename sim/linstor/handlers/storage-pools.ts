/**
 * Storage pools (linstor-rest.md §3.3). A pool must name the node's volume group `linstor_group`
 * (thin: `linstor_group/thin_device`); anything else fails on the satellite with
 * FAIL_STOR_POOL_CONFIGURATION_ERROR "… Volume group '<vg>' not found", and the pool stays registered
 * without capacity, as LINSTOR leaves it (the XCP-ng driver then deletes it).
 */
import type { ProviderKind } from '../../../lib/linstor/types.js';
import { MASK_CRT, MASK_DEL, MASK_MOD, OBJ, RC } from '../../../lib/linstor/ret-codes.js';
import type { SimContext, SimRequest, SimRoute } from '../context.js';
import { poolKey, type SimNode, type SimStoragePool } from '../model.js';
import { invalidName } from '../names.js';
import { fail, rc, rcReply, type RcContext, type SimReply } from '../replies.js';
import { renderStoragePool } from '../render.js';
import { applyPropsModify, bodyObject, checkWhitelisted, matchesPropFilters, queryNames, requireNode, stringMap } from './common.js';

const CRT: RcContext = { op: MASK_CRT, obj: OBJ.STOR_POOL };
const PROVIDERS: readonly ProviderKind[] = ['LVM', 'LVM_THIN', 'DISKLESS'];

/**
 * The thin pool `linstor-manager`'s createSr makes through the lvm plugin (`create_thin_pool(vg,
 * lv='thin_pool')`). The simulated disk's one thin pool answers to this name as well as to its own
 * (`thin_device`, the name of XCP-ng's manual setup), so that an SR made by createSr is usable.
 */
const CREATE_SR_THIN_POOL = 'thin_pool';

/** Why the satellite cannot use the backing pool named in `props`, or undefined when it can. */
function backingProblem(node: SimNode, provider: ProviderKind, props: Record<string, string>): string | undefined {
  if (provider === 'DISKLESS') return undefined;
  const generic = props['StorDriver/StorPoolName'];
  let vg = generic ?? props['StorDriver/LvmVg'];
  let thin = props['StorDriver/ThinPool'];
  if (provider === 'LVM_THIN' && generic !== undefined && generic.includes('/')) [vg, thin] = generic.split('/', 2) as [string, string];
  if (vg === undefined || vg === '') return `Volume group '' not found`;
  if (!node.disk || node.disk.vg !== vg) return `Volume group '${vg}' not found`;
  if (provider === 'LVM_THIN' && thin !== node.disk.thinPool && thin !== CREATE_SR_THIN_POOL) return `Thin pool '${vg}/${thin ?? ''}' not found`;
  return undefined;
}

async function create(sim: SimContext, req: SimRequest): Promise<SimReply> {
  const node = requireNode(sim, req.params['node'] ?? '', CRT);
  const body = bodyObject(req, CRT);
  const name = body['storage_pool_name'];
  const why = invalidName('storage-pool', name);
  if (why) fail(RC.FAIL_INVLD_STOR_POOL_NAME, CRT, `Invalid storage pool name: ${String(name)}`, { cause: why });
  const poolName = name as string;
  const provider = String(body['provider_kind'] ?? '').toUpperCase() as ProviderKind;
  if (!PROVIDERS.includes(provider)) {
    fail(RC.FAIL_STOR_POOL_CONFIGURATION_ERROR, CRT, `Storage provider '${String(body['provider_kind'])}' is not available on node '${node.name}'.`);
  }
  const key = poolKey(node.name, poolName);
  const { state } = sim.store;
  if (state.storagePools[key]) fail(RC.FAIL_EXISTS_STOR_POOL, CRT, `A storage pool with the name '${poolName}' already exists on node '${node.name}'.`);
  const props = stringMap(body['props'], CRT);
  checkWhitelisted(Object.keys(props), CRT);
  const problem = backingProblem(node, provider, props);
  const pool: SimStoragePool = { name: poolName, node: node.name, provider, props, uuid: sim.uuid() };
  const refs = { objRefs: { Node: node.name, StorPool: poolName } };
  const entries = [rc('success', RC.CREATED, CRT, `Storage pool '${poolName}' on node '${node.name}' registered.`, refs)];
  if (problem) {
    pool.configError = `(Node: '${node.name}') Failed to query free space from storage pool '${poolName}': ${problem}`;
    entries.push(rc('error', RC.FAIL_STOR_POOL_CONFIGURATION_ERROR, CRT, `Storage pool '${poolName}' on node '${node.name}': ${problem}`, refs));
  } else {
    entries.push(rc('success', RC.CREATED, CRT, `Storage pool '${poolName}' on node '${node.name}' successfully created.`, refs));
  }
  state.storagePools[key] = pool;
  await sim.store.persist();
  return rcReply(entries, 201);
}

function findPool(sim: SimContext, req: SimRequest, ctx: RcContext | null): SimStoragePool {
  const node = requireNode(sim, req.params['node'] ?? '', ctx);
  const name = req.params['storagepool'] ?? '';
  const pool = sim.store.state.storagePools[poolKey(node.name, name)];
  if (!pool) fail(RC.FAIL_NOT_FOUND_STOR_POOL, ctx, `Storage pool '${name}' on node '${node.name}' not found.`);
  return pool;
}

function listOnNode(sim: SimContext, req: SimRequest): SimReply {
  const node = requireNode(sim, req.params['node'] ?? '', null);
  const pools = Object.values(sim.store.state.storagePools).filter((p) => p.node.toUpperCase() === node.name.toUpperCase());
  return { status: 200, body: pools.map((p) => renderStoragePool(sim, p)) };
}

function get(sim: SimContext, req: SimRequest): SimReply {
  return { status: 200, body: renderStoragePool(sim, findPool(sim, req, null)) };
}

async function modify(sim: SimContext, req: SimRequest): Promise<SimReply> {
  const ctx = { op: MASK_MOD, obj: OBJ.STOR_POOL };
  const pool = findPool(sim, req, ctx);
  applyPropsModify(pool.props, bodyObject(req, ctx), ctx);
  await sim.store.persist();
  return rcReply([rc('success', RC.MODIFIED, ctx, `Storage pool '${pool.name}' on node '${pool.node}' modified.`)], 200);
}

async function remove(sim: SimContext, req: SimRequest): Promise<SimReply> {
  const ctx = { op: MASK_DEL, obj: OBJ.STOR_POOL };
  const node = requireNode(sim, req.params['node'] ?? '', ctx);
  const name = req.params['storagepool'] ?? '';
  const key = poolKey(node.name, name);
  const { state } = sim.store;
  const pool = state.storagePools[key];
  if (!pool) return rcReply([rc('warning', RC.WARN_NOT_FOUND, ctx, `Storage pool '${name}' on node '${node.name}' not found.`)], 200);
  const users = Object.values(state.resourceDefinitions).filter((rd) => {
    const r = rd.resources[node.name.toUpperCase()];
    return r !== undefined && r.storagePool.toUpperCase() === pool.name.toUpperCase() && rd.vds.length > 0;
  });
  if (users.length > 0) {
    fail(RC.FAIL_IN_USE, ctx, `The specified storage pool '${pool.name}' on node '${node.name}' can not be deleted as volumes / snapshot-volumes are still using it.`, {
      details: `Volumes that are still using the storage pool: ${users.map((rd) => rd.name).join(', ')}`,
    });
  }
  delete state.storagePools[key];
  await sim.store.persist();
  return rcReply([rc('success', RC.DELETED, ctx, `Storage pool '${pool.name}' on node '${node.name}' deleted.`)], 200);
}

function view(sim: SimContext, req: SimRequest): SimReply {
  const nodes = queryNames(req, 'nodes');
  const pools = queryNames(req, 'storage_pools');
  const props = req.query.getAll('props');
  const selected = Object.values(sim.store.state.storagePools).filter(
    (p) => (!nodes || nodes.has(p.node.toUpperCase())) && (!pools || pools.has(p.name.toUpperCase())) && matchesPropFilters(p.props, props),
  );
  return { status: 200, body: selected.map((p) => renderStoragePool(sim, p)) };
}

/** Routes of this object kind. */
export const storagePoolRoutes: readonly SimRoute[] = [
  { method: 'GET', template: '/v1/view/storage-pools', handler: view },
  { method: 'GET', template: '/v1/nodes/{node}/storage-pools', handler: listOnNode },
  { method: 'POST', template: '/v1/nodes/{node}/storage-pools', handler: create },
  { method: 'GET', template: '/v1/nodes/{node}/storage-pools/{storagepool}', handler: get },
  { method: 'PUT', template: '/v1/nodes/{node}/storage-pools/{storagepool}', handler: modify },
  { method: 'DELETE', template: '/v1/nodes/{node}/storage-pools/{storagepool}', handler: remove },
];
