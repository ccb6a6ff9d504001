/**
 * The LINSTOR objects of a new SR (spec/sm-linstor.md §3.9 steps 2–8), created on the controller that
 * sr_create started on this host: nodes, the storage pool on each node (none on hosts without the volume
 * group: they become diskless-only), the SR and HA resource groups, and the controller database volume,
 * formatted. Everything created is recorded so that {@link undoLinstorSr} can remove it after a failure.
 */
import { existsSync } from 'node:fs';
import { hostPath } from '../../lib/host/env.js';
import { hasRetCode, LinstorApiError, RC, type LinstorApi } from '../../lib/linstor/index.js';
import { DATABASE_VOLUME_NAME, type SrNames } from '../../lib/volume/index.js';
import type { DriverContext } from '../context.js';
import type { PoolMember } from './pool-hosts.js';

/** 1 GiB, in KiB. */
const DATABASE_SIZE_KIB = 1024 * 1024;

export type LinstorSrPlan = {
  readonly names: SrNames;
  readonly hosts: readonly PoolMember[];
  readonly redundancy: number;
  readonly thin: boolean;
};

/** What was created, for the undo. */
export type CreatedObjects = { pools: string[]; groups: string[]; database: boolean };

/** A step of the creation failed; the message is the one the Python driver gives where it has one. */
export class LinstorSrCreateError extends Error {
  override name = 'LinstorSrCreateError';
}

async function createNodes(linstor: LinstorApi, hosts: readonly PoolMember[]): Promise<void> {
  for (const h of hosts) {
    const node = { name: h.hostname, type: 'Combined', net_interfaces: [{ name: 'default', address: h.address }] };
    try {
      await linstor.nodes.create(node);
    } catch (error) {
      if (!hasRetCode(error, RC.FAIL_EXISTS_NODE)) throw error;
      await linstor.nodes.delete(h.hostname);
      await linstor.nodes.create(node);
    }
  }
}

/** True for the satellite's "no such volume group" answer: the host has no disk for the SR. */
function isMissingVolumeGroup(error: unknown): boolean {
  return (
    error instanceof LinstorApiError &&
    error.errors.length === 1 &&
    error.hasCode(RC.FAIL_STOR_POOL_CONFIGURATION_ERROR) &&
    /Volume group '.*' not found/.test(`${error.errors[0]?.message ?? ''} ${error.errors[0]?.cause ?? ''} ${error.errors[0]?.details ?? ''}`)
  );
}

/** Creates the SR pool on every node; returns the nodes that have one. */
async function createPools(ctx: DriverContext, linstor: LinstorApi, plan: LinstorSrPlan, created: CreatedObjects): Promise<string[]> {
  const { names } = plan;
  const existing = (await linstor.storagePools.view({ storagePools: [names.storagePool] })).filter((p) => p.storage_pool_name.toUpperCase() === names.storagePool.toUpperCase());
  if (existing.length > 0) throw new LinstorSrCreateError(`Storage pool ${names.storagePool} already exists. It already exists on node(s): ${existing.map((p) => p.node_name).join(', ')}`);
  const [vg, thinPool] = names.groupName.split('/');
  if (plan.thin && !thinPool) throw new LinstorSrCreateError(`Invalid thin group name ${names.groupName}: expected VG/LV`);
  const props: Record<string, string> = plan.thin ? { 'StorDriver/LvmVg': vg!, 'StorDriver/ThinPool': thinPool! } : { 'StorDriver/LvmVg': vg! };
  const withPool: string[] = [];
  for (const h of plan.hosts) {
    try {
      await linstor.storagePools.create(h.hostname, { storage_pool_name: names.storagePool, provider_kind: plan.thin ? 'LVM_THIN' : 'LVM', props });
      created.pools.push(h.hostname);
      withPool.push(h.hostname);
    } catch (error) {
      if (!isMissingVolumeGroup(error)) throw error;
      ctx.log.info(`no volume group on ${h.hostname}: it will be diskless-only`);
      await linstor.storagePools.delete(h.hostname, names.storagePool).catch((e: unknown) => ctx.log.warn('removing the failed pool failed', { error: String(e) }));
    }
  }
  if (withPool.length === 0) throw new LinstorSrCreateError('No VG group found');
  return withPool;
}

async function createGroup(linstor: LinstorApi, name: string, placeCount: number, storagePool: string, created: CreatedObjects): Promise<void> {
  const group = { name, select_filter: { place_count: placeCount, storage_pool: storagePool, diskless_on_remaining: false } };
  try {
    await linstor.resourceGroups.create(group);
  } catch (error) {
    if (!hasRetCode(error, RC.FAIL_EXISTS_RSC_GRP)) throw error;
    await linstor.resourceGroups.delete(name);
    await linstor.resourceGroups.create(group);
  }
  created.groups.push(name);
  await linstor.resourceGroups.createVolumeGroup(name);
}

/** Waits (bounded) until the database's by-res link exists on this host. */
async function waitForDevice(ctx: DriverContext, attempts = 50): Promise<string> {
  const dev = `/dev/drbd/by-res/${DATABASE_VOLUME_NAME}/0`;
  for (let i = 0; i < attempts; i += 1) {
    if (existsSync(hostPath(ctx.env.root, dev))) return dev;
    await new Promise((r) => setTimeout(r, Math.max(1, 100 * ctx.env.timeScale)));
  }
  throw new LinstorSrCreateError(`${dev} did not appear`);
}

/** The database volume: spawned from the HA group, diskful on `redundancy` pool nodes, diskless elsewhere, formatted. */
async function createDatabase(ctx: DriverContext, linstor: LinstorApi, plan: LinstorSrPlan, withPool: readonly string[], created: CreatedObjects): Promise<void> {
  const rds = await linstor.resourceDefinitions.list();
  if (rds.length > 0) throw new LinstorSrCreateError(`Could not create the database volume: resource definitions exist (${rds.map((r) => r.name).join(', ')})`);
  await linstor.storagePools.view(); // Python's workaround for "Not enough available nodes" with thin pools
  await linstor.resourceGroups.spawn(plan.names.haResourceGroup, {
    resource_definition_name: DATABASE_VOLUME_NAME,
    volume_sizes: [DATABASE_SIZE_KIB],
    definitions_only: true,
    peer_slots: 3,
  });
  created.database = true;
  const diskful = new Set(withPool.slice(0, plan.redundancy));
  const resources = plan.hosts.map((h) =>
    diskful.has(h.hostname)
      ? { resource: { node_name: h.hostname, props: { StorPoolName: plan.names.storagePool } } }
      : { resource: { node_name: h.hostname, flags: ['DRBD_DISKLESS'] } },
  );
  await linstor.resources.create(DATABASE_VOLUME_NAME, resources);
  // No quorum or HA options here: the master's sr_attach, which xapi runs right after, sets them
  // (`monitor-db-quorum`); with auto-promote off the mkfs below could not open the device.
  const dev = await waitForDevice(ctx);
  for (let attempt = 1; ; attempt += 1) {
    const r = await ctx.exec('mkfs.ext4', [dev], { allowFailure: true, timeoutMs: 120_000 });
    if (r.exitCode === 0) break;
    if (attempt >= 5) throw new LinstorSrCreateError(`mkfs.ext4 ${dev} failed: ${r.stderr.trim()}`);
  }
}

/**
 * Creates every LINSTOR object of the SR. Existing resource groups are an error when resource definitions
 * exist ("group name already exists"); left over in an otherwise empty controller they are replaced.
 */
export async function createLinstorSr(ctx: DriverContext, linstor: LinstorApi, plan: LinstorSrPlan, created: CreatedObjects): Promise<void> {
  const { names } = plan;
  await createNodes(linstor, plan.hosts);
  const groups = await linstor.resourceGroups.list({ resourceGroups: [names.resourceGroup, names.haResourceGroup] });
  const known = groups.filter((g) => [names.resourceGroup, names.haResourceGroup].some((n) => n.toUpperCase() === g.name.toUpperCase()));
  if (known.length > 0 && (await linstor.resourceDefinitions.list()).length > 0) throw new LinstorSrCreateError('group name already exists');
  const withPool = await createPools(ctx, linstor, plan, created);
  await createGroup(linstor, names.resourceGroup, plan.redundancy, names.storagePool, created);
  await createGroup(linstor, names.haResourceGroup, 3, names.storagePool, created);
  await createDatabase(ctx, linstor, plan, withPool, created);
}

/** Best-effort removal of what {@link createLinstorSr} made (database, groups, pools, KV), each retried. */
export async function undoLinstorSr(ctx: DriverContext, linstor: LinstorApi, names: SrNames, created: CreatedObjects): Promise<void> {
  const attempt = async (what: string, fn: () => Promise<unknown>): Promise<void> => {
    for (let i = 1; i <= 3; i += 1) {
      try {
        await fn();
        return;
      } catch (error) {
        if (i === 3) ctx.log.warn(`undo: ${what} failed`, { error: String(error) });
      }
    }
  };
  if (created.database) await attempt('delete the database volume', () => linstor.resourceDefinitions.delete(DATABASE_VOLUME_NAME));
  for (const g of [...created.groups].reverse()) await attempt(`delete resource group ${g}`, () => linstor.resourceGroups.delete(g));
  for (const node of created.pools) await attempt(`delete pool on ${node}`, () => linstor.storagePools.delete(node, names.storagePool));
  // The KV may hold the uuid and names of the SR that failed.
  await attempt('delete the SR KV', () => linstor.keyValueStore.delete(names.kv));
}
