/**
 * `destroy(groupName)` (spec/sm-linstor.md §6, §3.9 "destroy"), run by sr_delete on the controller host
 * once drbd-reactor is off everywhere: with a controller started here on the database volume, check that
 * no volume remains; then move the controller onto the local disk, delete the database volume, detach
 * leftover DRBD minors on every host (`destroyDrbdVolumes` with the LVM VG name — the Python driver passed
 * the pool name, §9), and delete both resource groups, the storage pools and the SR's KV.
 *
 * Nothing is restarted before the group is known: it must be the group-name of this pool's LINSTOR SR
 * (its PBDs still exist while xapi runs sr_delete). Restarting the database and the controller for a
 * group no SR uses would only disturb the pool.
 */
import { isDatabaseMounted, clearLocalDatabase, unmountDatabase } from '../../lib/host/database-mount.js';
import { scaled } from '../../lib/host/env.js';
import { thisHostRef } from '../../lib/host/inventory.js';
import { createLinstorClient, type LinstorApi } from '../../lib/linstor/index.js';
import { openSrContext } from '../../lib/sr-context/sr-context.js';
import { DATABASE_VOLUME_NAME, srNames } from '../../lib/volume/index.js';
import { createLocalXapi } from '../../lib/xapi/index.js';
import { checkArgs, GROUP, required } from './args.js';
import type { PluginContext } from './context.js';
import { srOfGroup } from './pool-session.js';
import { trueFalse } from './true-false.js';

async function connect(ctx: PluginContext, address: string): Promise<LinstorApi> {
  const linstor = createLinstorClient({ controllers: [`linstor://${address}`], logger: ctx.log.child('linstor') });
  for (let i = 1; ; i += 1) {
    try {
      await linstor.controller.version();
      return linstor;
    } catch (error) {
      if (i >= 30) throw error;
      await new Promise((r) => setTimeout(r, scaled(ctx.env, 1000)));
    }
  }
}

/** Runs `fn` up to `count` times ("SP cannot be deleted as volumes are still using it" passes). */
async function retried(ctx: PluginContext, count: number, fn: () => Promise<unknown>): Promise<void> {
  for (let i = 1; ; i += 1) {
    try {
      await fn();
      return;
    } catch (error) {
      if (i >= count) throw error;
      await new Promise((r) => setTimeout(r, scaled(ctx.env, 1000)));
    }
  }
}

export const destroy = trueFalse('destroy', async (ctx, args) => {
  const { groupName } = checkArgs(args, { groupName: required(GROUP) });
  const names = srNames(groupName);
  const vg = groupName.split('/')[0]!;
  const deps = { exec: ctx.exec, root: ctx.env.root };
  const xapi = createLocalXapi({ socketPath: ctx.env.xapiSocket, sessionRef: ctx.sessionRef });
  await srOfGroup(xapi, groupName);
  const self = await thisHostRef(xapi, ctx.env.root);
  const address = await xapi.host.get(self, 'address');
  const systemctl = (a: string[]) => ctx.exec('systemctl', a, { timeoutMs: 120_000 });
  let unmounted = false;
  try {
    await systemctl(['restart', 'var-lib-linstor.service']);
    await systemctl(['restart', 'linstor-controller']);
    let linstor = await connect(ctx, address);
    const volumes = await openSrContext({ env: ctx.env, log: ctx.log, exec: ctx.exec, xapi, groupName, client: linstor }).volumes();
    const remaining = [...(await volumes.resourceDefinitions()).keys()].filter((n) => n !== DATABASE_VOLUME_NAME);
    if (volumes.list().length > 0 || remaining.length > 0) throw new Error(`Cannot destroy LINSTOR volume manager: remaining volumes (created externally or being deleted): ${[...volumes.list(), ...remaining].join(', ')}`);
    await linstor.close();
    // The controller moves to the local disk; the database volume can then go.
    await systemctl(['stop', 'linstor-controller']);
    await unmountDatabase(deps);
    await ctx.exec('systemctl', ['stop', 'var-lib-linstor.service'], { allowFailure: true });
    unmounted = true;
    await systemctl(['start', 'linstor-controller']);
    linstor = await connect(ctx, address);
    await linstor.resourceDefinitions.delete(DATABASE_VOLUME_NAME);
    await linstor.close();
    linstor = await connect(ctx, address);
    for (const host of await xapi.host.getAll()) {
      const answer = await xapi.host.callPlugin(host, 'linstor-manager', 'destroyDrbdVolumes', { volume_group: vg }).catch((e: unknown) => String(e));
      if (answer !== 'True') ctx.log.warn(`destroyDrbdVolumes on ${host}: ${answer}`);
    }
    for (const group of [names.resourceGroup, names.haResourceGroup]) await retried(ctx, 10, () => linstor.resourceGroups.delete(group));
    const pools = (await linstor.storagePools.view({ storagePools: [names.storagePool] })).filter((p) => p.storage_pool_name.toUpperCase() === names.storagePool.toUpperCase());
    for (const node of pools.map((p) => p.node_name ?? '').filter((n) => n !== '')) await retried(ctx, 10, () => linstor.storagePools.delete(node, names.storagePool));
    await linstor.keyValueStore.delete(names.kv).catch((e: unknown) => ctx.log.warn('deleting the SR KV failed', { error: String(e) }));
    await linstor.close();
  } finally {
    await ctx.exec('systemctl', ['stop', 'linstor-controller'], { allowFailure: true });
    if (unmounted && !(await isDatabaseMounted(deps))) await clearLocalDatabase(deps);
    else await ctx.exec('systemctl', ['stop', 'var-lib-linstor.service'], { allowFailure: true });
  }
});
