/**
 * Creating resource and volume definitions, shared by their own endpoints and by spawn: name and size
 * rules, group membership, minor allocation (linstor-rest.md §3.5, §3.6).
 */
import { randomBytes } from 'node:crypto';
import { RC } from '../../lib/linstor/ret-codes.js';
import type { SimContext } from './context.js';
import { allocateMinor, allocateTcpPort } from './deploy.js';
import { DEFAULT_PEER_SLOTS, DEFAULT_RSC_GRP, type SimResourceDefinition, type SimVolumeDefinition } from './model.js';
import { invalidName } from './names.js';
import { fail, type RcContext } from './replies.js';

/** DRBD's volume size limits in KiB (`MetaData.DRBD_MIN_NET_kiB` / `DRBD_MAX_kiB`). */
export const MIN_VOLUME_KIB = 4;
export const MAX_VOLUME_KIB = 2 ** 40;

/** What a new RD needs. */
export type RdSpec = {
  readonly name: unknown;
  readonly group?: string | undefined;
  readonly props?: Record<string, string>;
  readonly peerSlots?: number | undefined;
  readonly externalName?: string | undefined;
};

/** Validates and registers a new RD (no volumes yet). */
export function createRd(sim: SimContext, spec: RdSpec, ctx: RcContext): SimResourceDefinition {
  const why = invalidName('resource', spec.name);
  if (why) fail(RC.FAIL_INVLD_RSC_NAME, ctx, `The specified resource name '${String(spec.name)}' is invalid.`, { cause: why });
  const name = spec.name as string;
  const { state } = sim.store;
  if (state.resourceDefinitions[name.toUpperCase()]) fail(RC.FAIL_EXISTS_RSC_DFN, ctx, `A resource definition with the name '${name}' already exists`);
  const groupName = spec.group ?? DEFAULT_RSC_GRP;
  const group = state.resourceGroups[groupName.toUpperCase()];
  if (!group) fail(RC.FAIL_NOT_FOUND_RSC_GRP, ctx, `Resource group '${groupName}' not found.`);
  const peerSlots = spec.peerSlots ?? group.peerSlots ?? DEFAULT_PEER_SLOTS;
  if (!Number.isInteger(peerSlots) || peerSlots < 1 || peerSlots > 31) fail(RC.FAIL_INVLD_REQUEST, ctx, `Invalid peer slot count ${peerSlots}.`);
  const rd: SimResourceDefinition = {
    name,
    props: { ...spec.props },
    group: group.name,
    peerSlots,
    port: allocateTcpPort(sim),
    secret: randomBytes(15).toString('base64'),
    uuid: sim.uuid(),
    vds: [],
    resources: {},
  };
  if (spec.externalName !== undefined) rd.externalName = spec.externalName;
  state.resourceDefinitions[name.toUpperCase()] = rd;
  return rd;
}

/** What a new VD needs. */
export type VdSpec = { readonly number?: unknown; readonly sizeKib: unknown; readonly props?: Record<string, string>; readonly minor?: unknown };

/** Validates and adds a VD to `rd`, allocating its minor; devices follow on nodes that have the resource. */
export async function addVolumeDefinition(sim: SimContext, rd: SimResourceDefinition, spec: VdSpec, ctx: RcContext): Promise<SimVolumeDefinition> {
  const size = spec.sizeKib;
  if (typeof size !== 'number' || !Number.isInteger(size) || size < MIN_VOLUME_KIB || size > MAX_VOLUME_KIB) {
    fail(RC.FAIL_INVLD_VLM_SIZE, ctx, `The specified volume size '${String(size)}' is invalid.`, {
      cause: `Valid sizes range from ${MIN_VOLUME_KIB} to ${MAX_VOLUME_KIB}.`,
    });
  }
  const used = new Set(rd.vds.map((v) => v.number));
  let number = 0;
  if (spec.number !== undefined && spec.number !== null) {
    if (typeof spec.number !== 'number' || !Number.isInteger(spec.number) || spec.number < 0 || spec.number > 65535) {
      fail(RC.FAIL_INVLD_VLM_NR, ctx, `Invalid volume number ${String(spec.number)}.`);
    }
    number = spec.number;
    if (used.has(number)) fail(RC.FAIL_EXISTS_VLM_DFN, ctx, `A volume definition with the number ${number} already exists in resource definition '${rd.name}'.`);
  } else {
    while (used.has(number)) number += 1;
  }
  let minor = allocateMinor(sim);
  if (spec.minor !== undefined && spec.minor !== null) minor = Number(spec.minor);
  if (minor === undefined) fail(RC.FAIL_POOL_EXHAUSTED_MINOR_NR, ctx, 'No minor number is available.');
  const vd: SimVolumeDefinition = { number, sizeKib: size, props: { ...spec.props }, flags: [], minor, uuid: sim.uuid() };
  rd.vds.push(vd);
  rd.vds.sort((a, b) => a.number - b.number);
  const resources = Object.values(rd.resources);
  if (resources.length > 0) await sim.satellites.ensureBacking(rd.name, vd.number, vd.sizeKib);
  for (const r of resources) await sim.satellites.attach(rd.name, vd.number, r.node, vd.minor);
  return vd;
}
