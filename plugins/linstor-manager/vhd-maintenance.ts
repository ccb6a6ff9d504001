/**
 * VHD writes the GC asks of the host that has a volume open (spec/sm-linstor.md §4.5, §6): `coalesce`
 * merges a VHD into its parent and answers the sector count (what `vhd-util coalesce` prints, commit
 * ef0f3ca1), `repair` rewrites a damaged end footer. Natively, on this host's DRBD device.
 */
import { coalesceVhd, repairVhd } from '../../lib/vhd/index.js';
import type { PluginFunction } from './context.js';
import { ctxOf, devicePath } from './vhd-getters.js';

export const coalesce: PluginFunction = async (ctx, args) => String(await coalesceVhd(ctxOf(ctx), devicePath(args)));

export const repair: PluginFunction = async (ctx, args) => {
  const path = devicePath(args);
  const changed = await repairVhd(ctxOf(ctx), path);
  ctx.log.info(`repair ${path}: ${changed ? 'footer rewritten' : 'nothing to repair'}`);
  return '';
};
