/**
 * `attach(groupName, srUuid, vdiUuid)` and `detach(…)` (spec/sm-linstor.md §6, §4.3): thin provisioning
 * run on the master for a slave — inflate the VHD to its full size before a writable attach, deflate it
 * after detach. Our driver's slaves do this themselves (no round trip); these serve slaves still running
 * the Python driver. RAW VDIs are left alone; `detach` refuses (and the caller ignores it) while more
 * than one VBD has the VDI attached, as the Python detach_thin does.
 */
import { attachThin, detachThin, type ThinDeps } from '../../lib/thin/thin.js';
import { asVdiUuid, type VdiUuid } from '../../lib/volume/index.js';
import { fieldEquals, type Xapi } from '../../lib/xapi/index.js';
import { checkArgs, GROUP, required, UUID } from './args.js';
import type { PluginContext } from './context.js';
import { withSrContext } from './sr-context.js';
import { trueFalse } from './true-false.js';

type Opened = { readonly xapi: Xapi; readonly deps: ThinDeps; readonly uuid: VdiUuid; readonly path: string; readonly isVhd: boolean };

/** Runs `body` on the VDI named by `args`, its device made available on this host. */
async function withVdi(ctx: PluginContext, args: Readonly<Record<string, string>>, body: (o: Opened) => Promise<void>): Promise<void> {
  const a = checkArgs(args, { groupName: required(GROUP), srUuid: required(UUID), vdiUuid: required(UUID) });
  const uuid = asVdiUuid(a.vdiUuid);
  await withSrContext(ctx, a.groupName, async (sr) => {
    const [volumes, journal, self] = await Promise.all([sr.volumes(), sr.journal(), sr.thisHost()]);
    const node = await sr.xapi.host.get(self, 'hostname');
    const isVhd = (await volumes.getMetadata(uuid)).vdi_type !== 'aio';
    const path = await volumes.localDevicePath(uuid, node, ctx.env.root);
    await body({ xapi: sr.xapi, deps: { volumes, journal, root: ctx.env.root, faults: ctx.env.faults, log: ctx.log }, uuid, path, isVhd });
  });
}

export const attach = trueFalse('attach', async (ctx, args) => {
  await withVdi(ctx, args, async (o) => {
    if (o.isVhd) await attachThin(o.deps, o.uuid, o.path);
  });
});

export const detach = trueFalse('detach', async (ctx, args) => {
  await withVdi(ctx, args, async (o) => {
    if (!o.isVhd) return;
    const vdi = await o.xapi.vdi.getByUuid(o.uuid);
    const attached = Object.values(await o.xapi.vbd.getAllRecordsWhere(fieldEquals('VDI', vdi))).filter((r) => r.currently_attached);
    if (attached.length >= 2) throw new Error(`VDI ${o.uuid} is attached by ${attached.length} VBDs: not deflating`);
    await detachThin(o.deps, o.uuid, o.path);
  });
});
