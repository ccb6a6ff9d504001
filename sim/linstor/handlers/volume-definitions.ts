/**
 * Volume definitions (linstor-rest.md §3.6). Resize grows only once the RD has DRBD resources, needs
 * every diskful replica UpToDate (974) and room in every pool (980), and grows the backing file.
 */
import { MASK_CRT, MASK_DEL, MASK_MOD, OBJ, RC } from '../../../lib/linstor/ret-codes.js';
import { canGrow } from '../capacity.js';
import type { SimContext, SimRequest, SimRoute } from '../context.js';
import { addVolumeDefinition, MAX_VOLUME_KIB, MIN_VOLUME_KIB } from '../definitions.js';
import { isDiskless } from '../deploy.js';
import { poolKey, type SimResourceDefinition, type SimVolumeDefinition } from '../model.js';
import { fail, rc, rcReply, type RcContext, type SimReply } from '../replies.js';
import { renderVolumeDefinition } from '../render.js';
import { diskStateOf } from '../sync.js';
import { applyPropsModify, bodyObject, checkWhitelisted, requireRd, stringMap } from './common.js';

const CRT: RcContext = { op: MASK_CRT, obj: OBJ.VLM_DFN };
const MOD: RcContext = { op: MASK_MOD, obj: OBJ.VLM_DFN };
const DEL: RcContext = { op: MASK_DEL, obj: OBJ.VLM_DFN };

function findVd(sim: SimContext, req: SimRequest, ctx: RcContext | null): { rd: SimResourceDefinition; vd: SimVolumeDefinition } {
  const rd = requireRd(sim, req.params['resource'] ?? '', ctx);
  const number = Number(req.params['volume_number']);
  const vd = rd.vds.find((v) => v.number === number);
  if (!vd) fail(RC.FAIL_NOT_FOUND_VLM_DFN, ctx, `Volume definition with number '${req.params['volume_number']}' on resource definition '${rd.name}' not found.`);
  return { rd, vd };
}

function list(sim: SimContext, req: SimRequest): SimReply {
  const rd = requireRd(sim, req.params['resource'] ?? '', null);
  return { status: 200, body: rd.vds.map(renderVolumeDefinition) };
}

function get(sim: SimContext, req: SimRequest): SimReply {
  return { status: 200, body: renderVolumeDefinition(findVd(sim, req, null).vd) };
}

async function create(sim: SimContext, req: SimRequest): Promise<SimReply> {
  const rd = requireRd(sim, req.params['resource'] ?? '', CRT);
  const body = bodyObject(req, CRT);
  const def = body['volume_definition'];
  if (typeof def !== 'object' || def === null) fail(RC.FAIL_INVLD_REQUEST, CRT, 'The request needs a volume_definition object.');
  const d = def as Record<string, unknown>;
  const props = stringMap(d['props'], CRT);
  checkWhitelisted(Object.keys(props), CRT);
  const vd = await addVolumeDefinition(sim, rd, { number: d['volume_number'], sizeKib: d['size_kib'], props, minor: body['drbd_minor_number'] }, CRT);
  await sim.store.persist();
  const refs = { objRefs: { RscDfn: rd.name, VlmNr: String(vd.number) } };
  // 200, not the spec's 201: VolumeDefinitions.java answers through mapToMonoResponse (linstor-rest.md §6.4).
  return rcReply([rc('success', RC.CREATED, CRT, `New volume definition with number '${vd.number}' of resource definition '${rd.name}' created.`, refs)], 200);
}

function checkResize(sim: SimContext, rd: SimResourceDefinition, vd: SimVolumeDefinition, sizeKib: number): void {
  const deployed = Object.values(rd.resources);
  if (sizeKib < vd.sizeKib && deployed.length > 0) {
    fail(RC.FAIL_INVLD_VLM_SIZE, MOD, "Shrinking volumes is not supported by layer 'DRBD'. Volumes can only grow in size.");
  }
  const diskful = deployed.filter((r) => !isDiskless(r));
  if (diskful.some((r) => diskStateOf(rd, r, sim.nowMs()) !== 'UpToDate')) fail(RC.FAIL_NOT_ALL_UPTODATE, MOD, 'Cannot resize volume, because we have a non-UpToDate DRBD device.');
  const grow = sizeKib - vd.sizeKib;
  if (grow <= 0) return;
  const full = diskful.filter((r) => {
    const pool = sim.store.state.storagePools[poolKey(r.node, r.storagePool)];
    return pool !== undefined && !canGrow(sim, pool, vd.sizeKib, sizeKib, rd.peerSlots);
  });
  if (full.length > 0) {
    fail(RC.FAIL_NOT_ENOUGH_FREE_SPACE, MOD, `Cannot grow the volume definition by ${grow}KiB, as the following storage pool do not have enough free space:\n${full.map((r) => `  ${r.node} / ${r.storagePool}`).join('\n')}`);
  }
}

async function modify(sim: SimContext, req: SimRequest): Promise<SimReply> {
  const { rd, vd } = findVd(sim, req, MOD);
  const body = bodyObject(req, MOD);
  const entries = [];
  const size = body['size_kib'];
  if (size !== undefined) {
    if (typeof size !== 'number' || !Number.isInteger(size) || size < MIN_VOLUME_KIB || size > MAX_VOLUME_KIB) {
      fail(RC.FAIL_INVLD_VLM_SIZE, MOD, `The specified volume size '${String(size)}' is invalid.`, { cause: `Valid sizes range from ${MIN_VOLUME_KIB} to ${MAX_VOLUME_KIB}.` });
    }
    if (size === vd.sizeKib) {
      entries.push(rc('warning', RC.WARN_VLMDFN_RESIZE_SAME_SIZE, MOD, 'VolumeDefinition already has the expected size, no satellite update will be triggered.'));
    } else {
      checkResize(sim, rd, vd, size);
      vd.sizeKib = size;
      if (Object.keys(rd.resources).length > 0) await sim.satellites.grow(rd.name, vd.number, size);
    }
  }
  applyPropsModify(vd.props, body, MOD);
  await sim.store.persist();
  entries.unshift(rc('success', RC.MODIFIED, MOD, `Volume definition with number '${vd.number}' of resource definition '${rd.name}' modified.`, { objRefs: { RscDfn: rd.name, VlmNr: String(vd.number) } }));
  return rcReply(entries, 200);
}

async function remove(sim: SimContext, req: SimRequest): Promise<SimReply> {
  const rd = requireRd(sim, req.params['resource'] ?? '', DEL);
  const number = Number(req.params['volume_number']);
  const vd = rd.vds.find((v) => v.number === number);
  if (!vd) return rcReply([rc('warning', RC.WARN_NOT_FOUND, DEL, `Volume definition with number '${number}' of resource definition '${rd.name}' not found.`)], 200);
  if (Object.values(rd.resources).some((r) => r.inUse)) fail(RC.FAIL_IN_USE, DEL, `Resource '${rd.name}' is still in use.`);
  for (const r of Object.values(rd.resources)) await sim.satellites.detach(rd.name, vd.number, r.node, vd.minor);
  await sim.satellites.removeBacking(rd.name, vd.number);
  rd.vds = rd.vds.filter((v) => v !== vd);
  await sim.store.persist();
  return rcReply([rc('success', RC.DELETED, DEL, `Volume definition with number '${number}' of resource definition '${rd.name}' deleted.`)], 200);
}

/** Routes of this object kind. */
export const volumeDefinitionRoutes: readonly SimRoute[] = [
  { method: 'GET', template: '/v1/resource-definitions/{resource}/volume-definitions', handler: list },
  { method: 'POST', template: '/v1/resource-definitions/{resource}/volume-definitions', handler: create, reactive: true },
  { method: 'GET', template: '/v1/resource-definitions/{resource}/volume-definitions/{volume_number}', handler: get },
  { method: 'PUT', template: '/v1/resource-definitions/{resource}/volume-definitions/{volume_number}', handler: modify, reactive: true },
  { method: 'DELETE', template: '/v1/resource-definitions/{resource}/volume-definitions/{volume_number}', handler: remove, reactive: true },
];
