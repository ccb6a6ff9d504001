/**
 * Reset on boot (spec/cbt-and-more.md §3): at `vdi_epoch_begin` with `vdi_on_boot=reset`, before xapi
 * attaches the VDI for the VM that starts, every block of its VHD leaf is dropped (vhd-util's `modify -z`,
 * sm's `reset_leaf`), so the guest boots on its parent's content. The leaf must be a VHD with a parent
 * (xapi's `set_on_boot=reset` made it one, by a clone whose copy it deleted) and open nowhere. A crash
 * part-way leaves a partly reset leaf that nothing has written to since, which the next start resets.
 */
import { SrError } from '../../lib/smapi/sr-error.js';
import { killData, queryVhd } from '../../lib/vhd/index.js';
import type { VdiUuid } from '../../lib/volume/index.js';
import type { DriverContext } from '../context.js';
import type { SrSession } from '../sr/session.js';
import { refusePendingJournal } from './device.js';
import { localNodeName } from './vdi-session.js';
import { vdiTypeOf } from './vdi-type.js';

export async function resetLeaf(ctx: DriverContext, session: SrSession, uuid: VdiUuid): Promise<void> {
  const volumes = await session.volumes();
  if (!volumes.has(uuid)) throw new SrError('VDIUnavailable', `no LINSTOR volume ${uuid}`);
  await refusePendingJournal(await session.journal(), uuid);
  if ((await vdiTypeOf(volumes, uuid)) !== 'vhd') throw new SrError('VDIUnavailable', `VDI ${uuid} is RAW: only a VHD leaf can be reset on boot`);
  const node = await localNodeName(session);
  const openElsewhere = [...(await volumes.usageStates(uuid))].filter(([n, inUse]) => inUse && n.toUpperCase() !== node.toUpperCase()).map(([n]) => n);
  if (openElsewhere.length > 0) throw new SrError('VDIInUse', `VDI ${uuid} is open on ${openElsewhere.join(', ')}: it cannot be reset`);
  const path = await volumes.localDevicePath(uuid, node, ctx.env.root);
  const info = await queryVhd({ root: ctx.env.root, exec: ctx.exec }, path);
  if (info.parentPath === undefined) throw new SrError('VDIUnavailable', `VDI ${uuid} has no parent: there is nothing to reset it to`);
  await killData({ root: ctx.env.root }, path);
  ctx.log.info('reset on boot: the leaf\'s data dropped', { vdi: uuid });
}
