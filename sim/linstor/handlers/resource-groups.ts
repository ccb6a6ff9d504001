/** Resource groups, volume groups, spawn and query-max-volume-size (linstor-rest.md §3.4). */
import { MASK_CRT, MASK_DEL, MASK_MOD, OBJ, RC } from '../../../lib/linstor/ret-codes.js';
import type { AutoSelectFilter } from '../../../lib/linstor/types.js';
import { wantedPools } from '../autoplacer.js';
import { isDataPool, placeableKib, thickAllocatedKib } from '../capacity.js';
import type { SimContext, SimRequest, SimRoute } from '../context.js';
import { addVolumeDefinition, createRd } from '../definitions.js';
import { DEFAULT_PEER_SLOTS, MAX_OVERSUBSCRIPTION_RATIO, type SimResourceGroup } from '../model.js';
import { invalidName } from '../names.js';
import { autoplace } from '../placement.js';
import { fail, rc, rcReply, type RcContext, type SimReply } from '../replies.js';
import { applyPropsModify, bodyObject, checkWhitelisted, matchesPropFilters, nonEmpty, queryNames, requireRg, stringMap } from './common.js';

const CRT: RcContext = { op: MASK_CRT, obj: OBJ.RSC_GRP };
const MOD: RcContext = { op: MASK_MOD, obj: OBJ.RSC_GRP };
const DEL: RcContext = { op: MASK_DEL, obj: OBJ.RSC_GRP };

function render(rg: SimResourceGroup): Record<string, unknown> {
  return nonEmpty({ name: rg.name, description: rg.description, props: rg.props, select_filter: rg.selectFilter, uuid: rg.uuid, peer_slots: rg.peerSlots });
}

function parseFilter(value: unknown, ctx: RcContext): AutoSelectFilter {
  if (value === undefined || value === null) return {};
  if (typeof value !== 'object' || Array.isArray(value)) fail(RC.FAIL_INVLD_REQUEST, ctx, 'Invalid select_filter.');
  const filter = value as AutoSelectFilter;
  if (filter.place_count !== undefined && (!Number.isInteger(filter.place_count) || filter.place_count < 1)) {
    fail(RC.FAIL_INVLD_PLACE_COUNT, ctx, `Invalid place count ${String(filter.place_count)}.`);
  }
  return { ...filter };
}

function list(sim: SimContext, req: SimRequest): SimReply {
  const names = queryNames(req, 'resource_groups');
  const props = req.query.getAll('props');
  const groups = Object.values(sim.store.state.resourceGroups).filter((g) => (!names || names.has(g.name.toUpperCase())) && matchesPropFilters(g.props, props));
  return { status: 200, body: groups.map(render) };
}

function get(sim: SimContext, req: SimRequest): SimReply {
  return { status: 200, body: render(requireRg(sim, req.params['resource_group'] ?? '', null)) };
}

async function create(sim: SimContext, req: SimRequest): Promise<SimReply> {
  const body = bodyObject(req, CRT);
  const name = body['name'];
  const why = invalidName('resource-group', name);
  if (why) fail(RC.FAIL_INVLD_RSC_GRP_NAME, CRT, `Invalid resource group name: ${String(name)}`, { cause: why });
  const groupName = name as string;
  const { state } = sim.store;
  if (state.resourceGroups[groupName.toUpperCase()]) fail(RC.FAIL_EXISTS_RSC_GRP, CRT, `A Resource group: ${groupName} already exists.`);
  const props = stringMap(body['props'], CRT);
  checkWhitelisted(Object.keys(props), CRT);
  const rg: SimResourceGroup = { name: groupName, props, selectFilter: parseFilter(body['select_filter'], CRT), volumeGroups: [], uuid: sim.uuid() };
  if (typeof body['description'] === 'string') rg.description = body['description'];
  if (typeof body['peer_slots'] === 'number') rg.peerSlots = body['peer_slots'];
  state.resourceGroups[groupName.toUpperCase()] = rg;
  await sim.store.persist();
  return rcReply([rc('success', RC.CREATED, CRT, `New resource group '${groupName}' created.`, { objRefs: { RscGrp: groupName } })], 201);
}

async function modify(sim: SimContext, req: SimRequest): Promise<SimReply> {
  const rg = requireRg(sim, req.params['resource_group'] ?? '', MOD);
  const body = bodyObject(req, MOD);
  if (body['select_filter'] !== undefined) rg.selectFilter = { ...rg.selectFilter, ...parseFilter(body['select_filter'], MOD) };
  if (typeof body['description'] === 'string') rg.description = body['description'];
  if (typeof body['peer_slots'] === 'number') rg.peerSlots = body['peer_slots'];
  applyPropsModify(rg.props, body, MOD);
  await sim.store.persist();
  return rcReply([rc('success', RC.MODIFIED, MOD, `Resource group '${rg.name}' modified.`, { objRefs: { RscGrp: rg.name } })], 200);
}

async function remove(sim: SimContext, req: SimRequest): Promise<SimReply> {
  const name = req.params['resource_group'] ?? '';
  const { state } = sim.store;
  const rg = state.resourceGroups[name.toUpperCase()];
  if (!rg) return rcReply([rc('warning', RC.WARN_NOT_FOUND, DEL, `Resource group '${name}' not found.`)], 200);
  if (Object.values(state.resourceDefinitions).some((rd) => rd.group.toUpperCase() === name.toUpperCase())) {
    fail(RC.FAIL_EXISTS_RSC_DFN, DEL, `Cannot delete resource group '${rg.name}' because it has existing resource definitions.`);
  }
  delete state.resourceGroups[name.toUpperCase()];
  await sim.store.persist();
  return rcReply([rc('success', RC.DELETED, DEL, `Resource group '${rg.name}' deleted.`)], 200);
}

async function createVolumeGroup(sim: SimContext, req: SimRequest): Promise<SimReply> {
  const ctx = { op: MASK_CRT, obj: OBJ.VLM_GRP };
  const rg = requireRg(sim, req.params['resource_group'] ?? '', ctx);
  const body = bodyObject(req, ctx);
  let number = 0;
  if (typeof body['volume_number'] === 'number') number = body['volume_number'];
  else while (rg.volumeGroups.includes(number)) number += 1;
  if (rg.volumeGroups.includes(number)) fail(RC.FAIL_EXISTS_VLM_GRP, ctx, `Volume group with number '${number}' already exists in resource group '${rg.name}'.`);
  rg.volumeGroups.push(number);
  await sim.store.persist();
  return rcReply([rc('success', RC.CREATED, ctx, `New volume group with number '${number}' of resource group '${rg.name}' created.`)], 201);
}

async function spawn(sim: SimContext, req: SimRequest): Promise<SimReply> {
  const ctx = { op: MASK_CRT, obj: OBJ.RSC_DFN };
  const rg = requireRg(sim, req.params['resource_group'] ?? '', ctx);
  const body = bodyObject(req, ctx);
  const sizes = body['volume_sizes'] ?? [];
  if (!Array.isArray(sizes)) fail(RC.FAIL_INVLD_VLM_SIZES, ctx, `Invalid count of volume sizes to spawn resource group '${rg.name}'`);
  const partial = body['partial'] === true;
  if (sizes.length > rg.volumeGroups.length || (!partial && sizes.length !== rg.volumeGroups.length)) {
    fail(RC.FAIL_INVLD_VLM_SIZES, ctx, `Invalid count of volume sizes to spawn resource group '${rg.name}'`, {
      details: `The resource group has ${rg.volumeGroups.length} volume groups, but ${sizes.length} sizes were given.`,
      correction: 'Either specify the same number of sizes as there are volume groups, or use the partial option.',
    });
  }
  const props = stringMap(body['resource_definition_props'], ctx);
  checkWhitelisted(Object.keys(props), ctx);
  const peerSlots = typeof body['peer_slots'] === 'number' ? body['peer_slots'] : undefined;
  const name = body['resource_definition_name'];
  const rd = createRd(sim, { name, group: rg.name, props, peerSlots }, ctx);
  try {
    for (const [i, size] of sizes.entries()) await addVolumeDefinition(sim, rd, { number: rg.volumeGroups[i], sizeKib: size }, { op: MASK_CRT, obj: OBJ.VLM_DFN });
  } catch (error) {
    delete sim.store.state.resourceDefinitions[rd.name.toUpperCase()];
    throw error;
  }
  const entries = [rc('success', RC.CREATED, ctx, `New resource definition '${rd.name}' created.`, { objRefs: { RscDfn: rd.name } })];
  for (const vd of rd.vds) entries.push(rc('success', RC.CREATED, { op: MASK_CRT, obj: OBJ.VLM_DFN }, `New volume definition with number '${vd.number}' of resource definition '${rd.name}' created.`));
  if (body['definitions_only'] === true) {
    entries.push(rc('info', RC.INFO_NO_RSC_SPAWNED, ctx, `Resource definition ${rd.name} and ${rd.vds.length} created but no resources deployed`, { details: '--definitions-only was set' }));
  } else {
    try {
      entries.push(...(await autoplace(sim, rd, parseFilter(body['select_filter'], ctx), undefined)));
    } finally {
      await sim.store.persist();
    }
  }
  await sim.store.persist();
  return rcReply(entries, 201);
}

function queryMaxVolumeSize(sim: SimContext, req: SimRequest): SimReply {
  const rg = requireRg(sim, req.params['resource_group'] ?? '', null);
  const filter = rg.selectFilter;
  const placeCount = filter.place_count ?? 2;
  const probe = { name: '', props: {}, group: rg.name, peerSlots: rg.peerSlots ?? DEFAULT_PEER_SLOTS, port: 0, secret: '', uuid: '', vds: [], resources: {} };
  const names = wantedPools(sim, probe, filter)?.map((n) => n.toUpperCase());
  const byName = new Map<string, { kib: number; node: string; thin: boolean }[]>();
  for (const pool of Object.values(sim.store.state.storagePools)) {
    if (!isDataPool(pool) || (names && !names.includes(pool.name.toUpperCase()))) continue;
    if (!sim.store.state.nodes[pool.node.toUpperCase()]?.online) continue;
    const thin = pool.provider === 'LVM_THIN';
    const room = placeableKib(sim, pool);
    // The largest volume whose thick LV (with DRBD metadata, extent-rounded) still fits.
    const kib = thin ? room : Math.max(0, room - (thickAllocatedKib(room, probe.peerSlots) - room));
    const entry = byName.get(pool.name) ?? [];
    entry.push({ kib, node: pool.node, thin });
    byName.set(pool.name, entry);
  }
  const candidates = [...byName.entries()]
    .filter(([, pools]) => pools.length >= placeCount)
    .map(([pool, pools]) => {
      const best = [...pools].sort((a, b) => b.kib - a.kib).slice(0, placeCount);
      return { storage_pool: pool, max_volume_size_kib: Math.min(...best.map((p) => p.kib)), node_names: best.map((p) => p.node), all_thin: best.every((p) => p.thin) };
    })
    .sort((a, b) => b.max_volume_size_kib - a.max_volume_size_kib);
  return { status: 200, body: { candidates, default_max_oversubscription_ratio: MAX_OVERSUBSCRIPTION_RATIO } };
}

/** Routes of this object kind. */
export const resourceGroupRoutes: readonly SimRoute[] = [
  { method: 'GET', template: '/v1/resource-groups', handler: list },
  { method: 'POST', template: '/v1/resource-groups', handler: create },
  { method: 'GET', template: '/v1/resource-groups/{resource_group}', handler: get },
  { method: 'PUT', template: '/v1/resource-groups/{resource_group}', handler: modify },
  { method: 'DELETE', template: '/v1/resource-groups/{resource_group}', handler: remove },
  { method: 'POST', template: '/v1/resource-groups/{resource_group}/volume-groups', handler: createVolumeGroup },
  { method: 'POST', template: '/v1/resource-groups/{resource_group}/spawn', handler: spawn, reactive: true },
  { method: 'GET', template: '/v1/resource-groups/{resource_group}/query-max-volume-size', handler: queryMaxVolumeSize },
];
