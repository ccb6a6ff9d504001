/**
 * `attach(groupName, srUuid, vdiUuid)` and `detach(…)` (spec/sm-linstor.md §6, §4.3): thin provisioning
 * run on the master for a slave — inflate the VHD to its full size before a writable attach, deflate it
 * after detach. Our driver's slaves do this themselves (no round trip); these serve slaves still running
 * the Python driver. RAW VDIs are left alone; `detach` refuses (and the caller ignores it) while more
 * than one VBD has the VDI attached, as the Python detach_thin does.
 */
import { connectController } from '../../lib/discovery/connect.js';
import { thisHostRef } from '../../lib/host/inventory.js';
import { Journal } from '../../lib/journal/index.js';
import { attachThin, detachThin, type ThinDeps } from '../../lib/thin/thin.js';
import { asVdiUuid, VolumeManager, type VdiUuid } from '../../lib/volume/index.js';
import { createLocalXapi, fieldEquals, type Xapi } from '../../lib/xapi/index.js';
import { checkArgs, GROUP, required, UUID } from './args.js';
import type { PluginContext } from './context.js';
import { trueFalse } from './true-false.js';

type Opened = { readonly xapi: Xapi; readonly deps: ThinDeps; readonly node: string; readonly uuid: VdiUuid; readonly path: string; readonly isVhd: boolean; close(): Promise<void> };

async function open(ctx: PluginContext, args: Readonly<Record<string, string>>): Promise<Opened> {
  const a = checkArgs(args, { groupName: required(GROUP), srUuid: required(UUID), vdiUuid: required(UUID) });
  const [groupName, uuid] = [a.groupName, asVdiUuid(a.vdiUuid)];
  const xapi = createLocalXapi({ socketPath: ctx.env.xapiSocket, sessionRef: ctx.sessionRef });
  const self = await thisHostRef(xapi, ctx.env.root);
  const linstor = await connectController({ exec: ctx.exec, env: ctx.env, log: ctx.log, xapi });
  const volumes = await VolumeManager.open({ linstor, groupName, logger: ctx.log.child('volume'), timeScale: ctx.env.timeScale });
  const journal = new Journal(volumes.journalStore(), ctx.log.child('journal'));
  const node = await xapi.host.get(self, 'hostname');
  const isVhd = (await volumes.getMetadata(uuid)).vdi_type !== 'aio';
  const path = await volumes.localDevicePath(uuid, node, ctx.env.root);
  return {
    xapi,
    deps: { volumes, journal, root: ctx.env.root, faults: ctx.env.faults, log: ctx.log },
    node,
    uuid,
    path,
    isVhd,
    close: async () => linstor.close(),
  };
}

export const attach = trueFalse('attach', async (ctx, args) => {
  const o = await open(ctx, args);
  try {
    if (o.isVhd) await attachThin(o.deps, o.uuid, o.path);
  } finally {
    await o.close();
  }
});

export const detach = trueFalse('detach', async (ctx, args) => {
  const o = await open(ctx, args);
  try {
    if (!o.isVhd) return;
    const vdi = await o.xapi.vdi.getByUuid(o.uuid);
    const attached = Object.values(await o.xapi.vbd.getAllRecordsWhere(fieldEquals('VDI', vdi))).filter((r) => r.currently_attached);
    if (attached.length >= 2) throw new Error(`VDI ${o.uuid} is attached by ${attached.length} VBDs: not deflating`);
    await detachThin(o.deps, o.uuid, o.path);
  } finally {
    await o.close();
  }
});
