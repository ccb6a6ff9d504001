/**
 * `addHost(groupName)` and `removeHost(groupName)` (spec/sm-linstor.md §6), run on the host joining or
 * leaving the SR. addHost makes the host a LINSTOR node with the SR's storage pool (the Python plugin
 * forgot the pool, §9) and a PBD whose device-config copies the others' (redundancy as a string,
 * `monitor-db-quorum` kept, §9); on failure it undoes what it did. removeHost first checks that removing
 * the node loses no data — no volume whose last UpToDate replica is here, nothing in use here, not the
 * controller's host — and only then unplugs the PBD, deletes the node and releases the host.
 */
import { LinstorApiError, RC, type LinstorApi, type StoragePool } from '../../lib/linstor/index.js';
import { PluginFailure } from '../../lib/smapi/plugin.js';
import { DATABASE_VOLUME_NAME, srNames } from '../../lib/volume/index.js';
import type { SrContext } from '../../lib/sr-context/sr-context.js';
import { GROUP, required } from './args.js';
import type { PluginContext, PluginFunction } from './context.js';
import { checkPoolArgs, srOfGroup, withPool, type PoolSession } from './pool-session.js';
import { prepareSr, releaseSr, updateDrbdReactorService } from './sr-services.js';

const SPEC = { groupName: required(GROUP) };

async function hasNode(linstor: LinstorApi, name: string): Promise<boolean> {
  return (await linstor.nodes.list({ nodes: [name] })).some((n) => n.name.toLowerCase() === name.toLowerCase());
}

/** The SR's storage pool on this node, made like the others; a node without the volume group stays diskless. */
async function addStoragePool(ctx: PluginContext, linstor: LinstorApi, node: string, groupName: string): Promise<boolean> {
  const { storagePool } = srNames(groupName);
  const model = (await linstor.storagePools.view({ storagePools: [storagePool] })).find((p: StoragePool) => p.provider_kind !== 'DISKLESS');
  if (!model) return false;
  const props = Object.fromEntries(Object.entries(model.props ?? {}).filter(([k]) => k === 'StorDriver/LvmVg' || k === 'StorDriver/ThinPool'));
  try {
    await linstor.storagePools.create(node, { storage_pool_name: storagePool, provider_kind: model.provider_kind, props });
    return true;
  } catch (error) {
    if (!(error instanceof LinstorApiError && error.hasCode(RC.FAIL_STOR_POOL_CONFIGURATION_ERROR))) throw error;
    ctx.log.info(`no volume group on ${node}: it stays diskless`, { error: error.message });
    await linstor.storagePools.delete(node, storagePool).catch(() => undefined);
    return false;
  }
}

async function runAddHost(ctx: PluginContext, s: PoolSession, groupName: string): Promise<void> {
  const { sr, pbds } = await srOfGroup(s.xapi, groupName);
  const others = Object.values(pbds).filter((p) => p.host !== s.self.ref);
  const mine = Object.entries(pbds).find(([, p]) => p.host === s.self.ref)?.[0];
  const linstor = await s.linstor();
  const existed = await hasNode(linstor, s.self.hostname);
  const controllerHere = (await ctx.exec('systemctl', ['is-active', '--quiet', 'linstor-controller'], { allowFailure: true })).exitCode === 0;
  let createdNode = false;
  let createdPbd: string | undefined;
  try {
    // A host already serving the SR keeps its services as they are (re-running addHost is harmless).
    if (!controllerHere) {
      if ((await prepareSr(ctx, { groupName })) !== 'True') throw new Error('could not prepare this host (ports, satellite): see SMlog');
      await updateDrbdReactorService(ctx, true);
    }
    if (!existed) {
      await linstor.nodes.create({ name: s.self.hostname, type: 'Combined', net_interfaces: [{ name: 'default', address: s.self.address }] });
      createdNode = true;
      await addStoragePool(ctx, linstor, s.self.hostname, groupName);
    }
    if (!mine) {
      const model = others[0]?.device_config ?? {};
      const group = (await linstor.resourceGroups.list()).find((g) => g.name.toLowerCase() === srNames(groupName).resourceGroup.toLowerCase());
      const redundancy = String(group?.select_filter?.place_count ?? model['redundancy'] ?? '');
      const deviceConfig: Record<string, string> = { 'group-name': groupName, redundancy, provisioning: model['provisioning'] ?? 'thin' };
      if (model['monitor-db-quorum'] !== undefined) deviceConfig['monitor-db-quorum'] = model['monitor-db-quorum'];
      createdPbd = await s.xapi.pbd.create({ host: s.self.ref, SR: sr, device_config: deviceConfig });
      try {
        await s.xapi.pbd.plug(createdPbd);
      } catch (error) {
        // As XAPI does for SR.create: the host is in; its PBD can be plugged again later.
        ctx.log.error('PBD.plug of the new host failed', { error: (error as Error).message });
      }
    }
  } catch (error) {
    ctx.log.error('addHost failed, undoing', { error: (error as Error).message });
    if (createdPbd) {
      await s.xapi.pbd.unplug(createdPbd).catch(() => undefined);
      await s.xapi.pbd.destroy(createdPbd).catch(() => undefined);
    }
    if (createdNode) await linstor.nodes.delete(s.self.hostname).catch(() => undefined);
    if (!controllerHere && !(await hasNode(linstor, s.self.hostname).catch(() => true))) {
      await updateDrbdReactorService(ctx, false).catch(() => undefined);
      await releaseSr(ctx, { groupName });
    }
    throw error;
  }
}

export const addHost: PluginFunction = async (ctx, args) => {
  const a = checkPoolArgs(args, SPEC);
  return withPool(ctx, async (s) => {
    await runAddHost(ctx, s, a.groupName);
    return 'True';
  });
};

/** Why this node cannot go: volumes it alone holds UpToDate, resources in use here, the controller here. */
async function removalBlockers(linstor: LinstorApi, sr: SrContext, node: string): Promise<string[]> {
  const volumes = await sr.volumes();
  const vdiOf = new Map([...volumes.volumeNames()].map(([uuid, rd]) => [rd.toLowerCase(), uuid as string]));
  const ours = new Set([...(await volumes.resourceDefinitions()).keys()].map((n) => n.toLowerCase()));
  ours.add(DATABASE_VOLUME_NAME);
  const byRd = new Map<string, { node: string; diskful: boolean; upToDate: boolean; inUse: boolean }[]>();
  for (const r of await linstor.resources.view()) {
    if (!ours.has(r.name.toLowerCase())) continue;
    const diskful = !(r.flags ?? []).some((f) => f === 'DISKLESS' || f === 'DRBD_DISKLESS');
    const upToDate = (r.volumes ?? []).length > 0 && (r.volumes ?? []).every((v) => v.state?.disk_state === 'UpToDate');
    const list = byRd.get(r.name) ?? [];
    list.push({ node: r.node_name, diskful, upToDate, inUse: r.state?.in_use === true });
    byRd.set(r.name, list);
  }
  const last: string[] = [];
  const inUse: string[] = [];
  const here = (x: { node: string }) => x.node.toLowerCase() === node.toLowerCase();
  for (const [rd, replicas] of byRd) {
    const mine = replicas.find(here);
    if (!mine) continue;
    const label = vdiOf.has(rd.toLowerCase()) ? `${rd} (VDI ${vdiOf.get(rd.toLowerCase())})` : rd;
    if (mine.inUse) inUse.push(label);
    if (mine.diskful && mine.upToDate && !replicas.some((x) => !here(x) && x.diskful && x.upToDate)) last.push(label);
  }
  const reasons: string[] = [];
  if (last.length > 0) reasons.push(`it holds the last UpToDate replica of ${last.join(', ')}`);
  if (inUse.length > 0) reasons.push(`${inUse.join(', ')} in use on it`);
  return reasons;
}

export const removeHost: PluginFunction = async (ctx, args) => {
  const { groupName } = checkPoolArgs(args, SPEC);
  return withPool(ctx, async (s) => {
    const node = s.self.hostname;
    const { pbds } = await srOfGroup(s.xapi, groupName);
    const mine = Object.entries(pbds).find(([, p]) => p.host === s.self.ref);
    const controllerHere = (await ctx.exec('systemctl', ['is-active', '--quiet', 'linstor-controller'], { allowFailure: true })).exitCode === 0;
    if (controllerHere) throw new PluginFailure('-1', [`Cannot remove host ${node}: the LINSTOR controller runs on it; move the controller first (stop drbd-reactor on this host)`]);
    const linstor = await s.linstor();
    const present = await hasNode(linstor, node);
    if (present) {
      const reasons = await removalBlockers(linstor, await s.srContext(groupName), node);
      if (reasons.length > 0) throw new PluginFailure('-1', [`Cannot remove host ${node}: ${reasons.join('; ')}`]);
    }
    // Checks passed: from here on every step is also what a retry would do.
    if (mine?.[1].currently_attached) await s.xapi.pbd.unplug(mine[0]);
    if (present) {
      await linstor.nodes.delete(node);
      if (await hasNode(linstor, node)) throw new PluginFailure('-1', [`LINSTOR still lists node ${node} after deleting it`]);
    }
    if (mine) await s.xapi.pbd.destroy(mine[0]);
    try {
      await updateDrbdReactorService(ctx, false);
    } catch (error) {
      ctx.log.warn('stopping drbd-reactor failed', { error: (error as Error).message });
    }
    if ((await releaseSr(ctx, { groupName })) !== 'True') ctx.log.warn('releasing this host (satellite, ports) failed: see above');
    return 'True';
  });
};
