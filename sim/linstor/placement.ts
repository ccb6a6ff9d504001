/**
 * Placing resources: explicit creation on named nodes, autoplace, and make-available
 * (linstor-rest.md §3.7). Each function validates everything before it deploys anything, so a
 * refused request leaves no half-made resource behind.
 */
import type { ApiCallRc } from '../../lib/linstor/json.js';
import { MASK_CRT, OBJ, RC } from '../../lib/linstor/ret-codes.js';
import type { AutoSelectFilter } from '../../lib/linstor/types.js';
import { choosePlacement } from './autoplacer.js';
import { fits, isDataPool } from './capacity.js';
import type { SimContext } from './context.js';
import { deployResource, isDiskless, makeDiskful, type DeploySpec } from './deploy.js';
import { requireNode } from './handlers/common.js';
import { poolKey, type SimResourceDefinition } from './model.js';
import { fail, rc, type RcContext } from './replies.js';

const CRT: RcContext = { op: MASK_CRT, obj: OBJ.RSC };
const DEFAULT_POOL = 'DfltStorPool';
const DEFAULT_PLACE_COUNT = 2;

/** The storage pool a diskful resource on `node` uses when none is given: the `StorPoolName` chain. */
function inheritedPool(sim: SimContext, rd: SimResourceDefinition, node: string, props: Record<string, string>): string | undefined {
  const group = sim.store.state.resourceGroups[rd.group.toUpperCase()];
  return props['StorPoolName'] ?? rd.vds[0]?.props['StorPoolName'] ?? rd.props['StorPoolName'] ?? group?.props['StorPoolName'] ?? sim.store.state.nodes[node.toUpperCase()]?.props['StorPoolName'];
}

/** Checks one requested resource and returns what to deploy, or undefined when it already exists. */
export function planResource(sim: SimContext, rd: SimResourceDefinition, node: string, flags: readonly string[], props: Record<string, string>): DeploySpec | undefined {
  const n = requireNode(sim, node, CRT);
  if (rd.resources[n.name.toUpperCase()]) return undefined;
  const diskless = flags.some((f) => ['DISKLESS', 'DRBD_DISKLESS', 'NVME_INITIATOR'].includes(f.toUpperCase()));
  if (diskless) return { node: n.name, diskless: true, storagePool: '', props };
  const named = inheritedPool(sim, rd, n.name, props);
  const poolName = named ?? DEFAULT_POOL;
  const pool = sim.store.state.storagePools[poolKey(n.name, poolName)];
  if (!pool) {
    if (named === undefined) fail(RC.FAIL_NOT_FOUND_DFLT_STOR_POOL, CRT, `The default storage pool '${DEFAULT_POOL}' for resource '${rd.name}' for volume number '0' is not deployed on node '${n.name}'.`);
    fail(RC.FAIL_NOT_FOUND_STOR_POOL, CRT, `Storage pool '${poolName}' on node '${n.name}' not found.`);
  }
  if (!isDataPool(pool)) fail(RC.FAIL_STOR_POOL_CONFIGURATION_ERROR, CRT, `Storage pool '${pool.name}' on node '${n.name}' cannot hold data.`);
  const sizeKib = rd.vds.reduce((sum, vd) => sum + vd.sizeKib, 0);
  if (!fits(sim, pool, sizeKib, rd.peerSlots)) {
    fail(RC.FAIL_NOT_ENOUGH_FREE_SPACE, CRT, `Not enough free space in storage pool '${pool.name}' on node '${n.name}' for resource '${rd.name}'.`);
  }
  return { node: n.name, diskless: false, storagePool: pool.name, props };
}

/** The "created" entries LINSTOR returns for one new resource. */
function createdEntries(rd: SimResourceDefinition, node: string): ApiCallRc[] {
  const refs = { objRefs: { RscDfn: rd.name, Node: node } };
  const entries = [
    rc('success', RC.CREATED, CRT, `New resource '${rd.name}' on node '${node}' registered.`, refs),
    rc('success', RC.CREATED, CRT, `Created resource '${rd.name}' on '${node}'`, refs),
    rc('success', RC.CREATED, CRT, `Resource '${rd.name}' on '${node}' ready`, refs),
  ];
  if (rd.vds.length === 0) entries.push(rc('warning', RC.WARN_NOT_FOUND, CRT, `No volumes have been defined for resource '${rd.name}'`));
  return entries;
}

/** Creates the requested resources, all checked first; existing ones give INFO_RSC_ALREADY_EXISTS. */
export async function createResources(
  sim: SimContext,
  rd: SimResourceDefinition,
  requests: readonly { node: string; flags: readonly string[]; props: Record<string, string> }[],
): Promise<ApiCallRc[]> {
  const plans = requests.map((r) => ({ request: r, plan: planResource(sim, rd, r.node, r.flags, r.props) }));
  const entries: ApiCallRc[] = [];
  for (const { request, plan } of plans) {
    if (!plan || rd.resources[plan.node.toUpperCase()]) {
      entries.push(rc('info', RC.INFO_RSC_ALREADY_EXISTS, CRT, `Resource '${rd.name}' on node '${request.node}' already exists.`));
      continue;
    }
    await deployResource(sim, rd, plan);
    entries.push(...createdEntries(rd, plan.node));
  }
  return entries;
}

/** The group's filter overridden field by field by the request's. */
export function effectiveFilter(sim: SimContext, rd: SimResourceDefinition, filter: AutoSelectFilter = {}): AutoSelectFilter {
  const group = sim.store.state.resourceGroups[rd.group.toUpperCase()];
  const defined = Object.fromEntries(Object.entries(filter).filter(([, v]) => v !== undefined && v !== null));
  return { ...group?.selectFilter, ...defined };
}

/** Autoplaces `rd` (LINSTOR's `…/autoplace` and the placing half of spawn). */
export async function autoplace(sim: SimContext, rd: SimResourceDefinition, requested: AutoSelectFilter, disklessOnRemaining: boolean | undefined): Promise<ApiCallRc[]> {
  const filter = effectiveFilter(sim, rd, requested);
  const placeCount = filter.place_count ?? DEFAULT_PLACE_COUNT;
  if (!Number.isInteger(placeCount) || placeCount < 1) fail(RC.FAIL_INVLD_PLACE_COUNT, CRT, `Invalid place count ${placeCount}.`);
  const diskful = Object.values(rd.resources).filter((r) => !isDiskless(r)).length;
  const missing = placeCount - diskful + (filter.additional_place_count ?? 0);
  if (missing <= 0) {
    return [rc('warning', RC.WARN_RSC_ALREADY_DEPLOYED, CRT, `Resource '${rd.name}' was already deployed on ${diskful} nodes.`, { objRefs: { RscDfn: rd.name } })];
  }
  const chosen = choosePlacement(sim, rd, filter, missing, placeCount);
  const entries: ApiCallRc[] = [];
  for (const { node, pool } of chosen) {
    const existing = rd.resources[node.toUpperCase()];
    if (existing) makeDiskful(existing, pool);
    else await deployResource(sim, rd, { node, diskless: false, storagePool: pool });
    entries.push(...createdEntries(rd, node));
  }
  if (disklessOnRemaining ?? filter.diskless_on_remaining ?? false) {
    for (const node of Object.values(sim.store.state.nodes)) {
      if (!node.online || rd.resources[node.name.toUpperCase()]) continue;
      await deployResource(sim, rd, { node: node.name, diskless: true, storagePool: '' });
      entries.push(...createdEntries(rd, node.name));
    }
  }
  const refs: Record<string, string> = { RscDfn: rd.name };
  chosen.forEach((c, i) => {
    refs[`Node/${i}`] = c.node;
    refs[`StoragePool/${i}/0`] = `${c.pool},${sim.store.state.storagePools[poolKey(c.node, c.pool)]?.provider ?? 'LVM'}`;
  });
  entries.push(
    rc('success', RC.CREATED, CRT, `Resource '${rd.name}' successfully autoplaced on ${chosen.length} nodes`, {
      details: `Used nodes (storage pool name): ${chosen.map((c) => `'${c.node} (${c.pool})'`).join(', ')}`,
      objRefs: refs,
    }),
  );
  return entries;
}

/** Makes the device available on `node`: creates it (diskless unless `diskful`) or adds a disk. */
export async function makeAvailable(sim: SimContext, rd: SimResourceDefinition, nodeName: string, diskful: boolean): Promise<ApiCallRc[]> {
  const node = requireNode(sim, nodeName, CRT);
  const existing = rd.resources[node.name.toUpperCase()];
  if (existing && (!diskful || !isDiskless(existing))) return [rc('success', 0, null, 'Resource already deployed as requested', { objRefs: { RscDfn: rd.name, Node: node.name } })];
  if (!diskful) {
    await deployResource(sim, rd, { node: node.name, diskless: true, storagePool: '' });
    return createdEntries(rd, node.name);
  }
  const filter = { ...effectiveFilter(sim, rd), node_name_list: [node.name] };
  const [choice] = choosePlacement(sim, rd, filter, 1, 1);
  if (!choice) return [];
  if (existing) {
    makeDiskful(existing, choice.pool);
    return [rc('success', RC.MODIFIED, CRT, `Added disk on '${node.name}' for resource '${rd.name}'`)];
  }
  await deployResource(sim, rd, { node: node.name, diskless: false, storagePool: choice.pool });
  return createdEntries(rd, node.name);
}
