import { checkArgs } from './args.js';
import type { PluginFunction } from './context.js';

/**
 * `hasControllerRunning`: whether the LINSTOR controller runs on this host — the question discovery
 * asks every host (spec/sm-linstor.md §3.3). `systemctl is-active` exits 0 only for an active unit.
 */
export const hasControllerRunning: PluginFunction = async (ctx, args) => {
  checkArgs(args, {});
  const { exitCode } = await ctx.exec('systemctl', ['is-active', '--quiet', 'linstor-controller'], { allowFailure: true });
  return exitCode === 0 ? 'True' : 'False';
};
