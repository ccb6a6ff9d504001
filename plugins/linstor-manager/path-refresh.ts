/**
 * The LINSTOR path refresh of unpause (spec/blktap2.md §2.2 `_pathRefresh`): a uuid rename (snapshot,
 * GC leaf-coalesce) only moves KV keys, so after a pause the VDI may live on another resource. Find the
 * SR's group name in this host's PBD, map the uuid to its current resource, and make the leaf and every
 * parent usable here (disklesses on demand), as `create_chain_paths` does before tapdisk reopens them.
 */
import { thisHostRef } from '../../lib/host/inventory.js';
import { MAX_CHAIN_DEPTH, queryVhd } from '../../lib/vhd/index.js';
import { asVdiUuid } from '../../lib/volume/index.js';
import type { PluginContext } from './context.js';
import { xapiOf } from './pool-session.js';
import { withSrContext } from './sr-context.js';

/** The VDI's current by-res path on this host, with its chain available; throws when it cannot. */
export async function refreshLinstorPath(ctx: PluginContext, srUuid: string, vdiUuid: string): Promise<string> {
  const xapi = xapiOf(ctx);
  const self = await thisHostRef(xapi, ctx.env.root);
  const pbd = Object.values(await xapi.pbd.recordsOfSr(await xapi.sr.getByUuid(srUuid))).find((p) => p.host === self);
  const groupName = pbd?.device_config['group-name'];
  if (!groupName) throw new Error(`Can't refresh tapdisk: no PBD with a group-name for SR ${srUuid} on this host`);
  const node = await xapi.host.get(self, 'hostname');
  return withSrContext(ctx, groupName, async (sr) => {
    const volumes = await sr.volumes();
    const uuid = asVdiUuid(vdiUuid);
    const leaf = await volumes.localDevicePath(uuid, node, ctx.env.root);
    // A RAW volume (vdi_type aio) has no chain.
    if ((await volumes.getMetadata(uuid)).vdi_type === 'aio') return leaf;
    let path = leaf;
    for (let depth = 1; depth < MAX_CHAIN_DEPTH; depth += 1) {
      const info = await queryVhd({ root: ctx.env.root }, path);
      if (info.parentPath === undefined) break;
      const parent = volumes.vdiUuidFromDevicePath(info.parentPath);
      if (parent === undefined) throw new Error(`the parent ${info.parentPath} of ${path} is not a volume of SR ${srUuid}`);
      path = await volumes.localDevicePath(parent, node, ctx.env.root);
    }
    return leaf;
  });
}
