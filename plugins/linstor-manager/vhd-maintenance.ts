/**
 * VHD writes the GC asks of the host that has a volume open (spec/sm-linstor.md §4.5, §6): `coalesce`
 * merges a VHD into its parent and answers what it merged — in bytes to a 2026 caller (isCowCaller:
 * LinstorCowUtil no longer multiplies by 512), as the sector count `vhd-util coalesce` prints to an
 * older one — and `repair` rewrites a damaged end footer. Natively, on this host's DRBD device.
 */
import { coalesceVhd, repairVhd } from '../../lib/vhd/index.js';
import { isCowCaller } from './args.js';
import type { PluginFunction } from './context.js';
import { ctxOf, devicePath } from './vhd-getters.js';

export const coalesce: PluginFunction = async (ctx, args) => {
  const sectors = await coalesceVhd(ctxOf(ctx), devicePath(args));
  return String(isCowCaller(args) ? sectors * 512 : sectors);
};

export const repair: PluginFunction = async (ctx, args) => {
  const path = devicePath(args);
  const changed = await repairVhd(ctxOf(ctx), path);
  ctx.log.info(`repair ${path}: ${changed ? 'footer rewritten' : 'nothing to repair'}`);
  return '';
};
