/**
 * Creating and removing resources on nodes: allocation of DRBD node ids, TCP ports and minors, and
 * the satellites' device files. Handlers decide *whether* (rules, errors); this module does it.
 */
import type { SimContext } from './context.js';
import {
  DISKLESS_POOL,
  FIRST_MINOR,
  FIRST_TCP_PORT,
  LAST_MINOR,
  LAST_TCP_PORT,
  type SimResource,
  type SimResourceDefinition,
} from './model.js';

/** The lowest minor no volume definition uses yet (same minor on every node of an RD). */
export function allocateMinor(ctx: SimContext): number | undefined {
  const used = new Set<number>();
  for (const rd of Object.values(ctx.store.state.resourceDefinitions)) for (const vd of rd.vds) used.add(vd.minor);
  for (let m = FIRST_MINOR; m <= LAST_MINOR; m += 1) if (!used.has(m)) return m;
  return undefined;
}

/** The lowest TCP port no resource uses yet. */
export function allocateTcpPort(ctx: SimContext): number {
  const used = new Set<number>();
  for (const rd of Object.values(ctx.store.state.resourceDefinitions)) {
    used.add(rd.port);
    for (const r of Object.values(rd.resources)) used.add(r.tcpPort);
  }
  for (let p = FIRST_TCP_PORT; p <= LAST_TCP_PORT; p += 1) if (!used.has(p)) return p;
  return FIRST_TCP_PORT;
}

/** What kind of resource to deploy. */
export type DeploySpec = { readonly node: string; readonly diskless: boolean; readonly storagePool: string; readonly props?: Record<string, string> };

/** Adds the resource to the RD and makes its devices on the node. */
export async function deployResource(ctx: SimContext, rd: SimResourceDefinition, spec: DeploySpec): Promise<SimResource> {
  const ids = new Set(Object.values(rd.resources).map((r) => r.nodeId));
  let nodeId = 0;
  while (ids.has(nodeId)) nodeId += 1;
  const resource: SimResource = {
    node: ctx.store.state.nodes[spec.node.toUpperCase()]?.name ?? spec.node,
    props: spec.diskless ? { ...spec.props } : { StorPoolName: spec.storagePool, ...spec.props },
    flags: spec.diskless ? ['DISKLESS', 'DRBD_DISKLESS'] : [],
    nodeId,
    tcpPort: allocateTcpPort(ctx),
    storagePool: spec.diskless ? DISKLESS_POOL : spec.storagePool,
    inUse: false,
    diskState: spec.diskless ? 'Diskless' : 'UpToDate',
    uuid: ctx.uuid(),
    createdAtMs: ctx.nowMs(),
  };
  rd.resources[spec.node.toUpperCase()] = resource;
  for (const vd of rd.vds) {
    await ctx.satellites.ensureBacking(rd.name, vd.number, vd.sizeKib);
    await ctx.satellites.attach(rd.name, vd.number, resource.node, vd.minor);
  }
  return resource;
}

/** Turns an existing diskless resource into a diskful one (its devices stay as they are). */
export function makeDiskful(resource: SimResource, storagePool: string): void {
  resource.flags = resource.flags.filter((f) => f !== 'DISKLESS' && f !== 'DRBD_DISKLESS' && f !== 'TIE_BREAKER');
  resource.storagePool = storagePool;
  resource.props = { ...resource.props, StorPoolName: storagePool };
  resource.diskState = 'UpToDate';
}

/** Removes the resource on `node`, its devices, and the backing files once no resource is left. */
export async function undeployResource(ctx: SimContext, rd: SimResourceDefinition, node: string): Promise<void> {
  const key = node.toUpperCase();
  const resource = rd.resources[key];
  if (!resource) return;
  delete rd.resources[key];
  for (const vd of rd.vds) await ctx.satellites.detach(rd.name, vd.number, resource.node, vd.minor);
  if (Object.keys(rd.resources).length === 0) {
    for (const vd of rd.vds) await ctx.satellites.removeBacking(rd.name, vd.number);
  }
}

/** Removes every resource of the RD and its backing files. */
export async function undeployAll(ctx: SimContext, rd: SimResourceDefinition): Promise<void> {
  for (const r of Object.values(rd.resources)) await undeployResource(ctx, rd, r.node);
  for (const vd of rd.vds) await ctx.satellites.removeBacking(rd.name, vd.number);
}

/** True when the resource has no local disk. */
export const isDiskless = (r: SimResource): boolean => r.flags.includes('DISKLESS');
