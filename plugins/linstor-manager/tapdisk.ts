/**
 * `pause`, `unpause`, `refresh` with `tapdisk-pause`'s arguments and results (DESIGN.md "On dom0"):
 * the driver and the GC call these on every host holding a `host_<ref>` key, instead of the stock
 * plugin, whose LINSTOR branch needs the Python libraries.
 */
import { pauseLocal, refreshLocal, unpauseLocal, type LocalPauseDeps } from '../../lib/blktap/pause.js';
import { TapCtl } from '../../lib/blktap/tap-ctl.js';
import { SmLocks } from '../../lib/host/sm-lock.js';
import { checkArgs, optional, PY_BOOL, required, TRUTH, UUID, WORD } from './args.js';
import type { PluginContext, PluginFunction } from './context.js';
import { refreshLinstorPath } from './path-refresh.js';

/**
 * tapdisk-pause's arguments: failfast is a Python literal (exactly True or False); activate_parents
 * (LVHD only) is accepted and means nothing here; secondary, unpause's only, reaches tap-ctl's argv.
 */
const SPEC = { sr_uuid: required(UUID), vdi_uuid: required(UUID), failfast: optional(PY_BOOL), activate_parents: optional(TRUTH) };
const UNPAUSE_SPEC = { ...SPEC, secondary: optional(WORD) };

function deps(ctx: PluginContext, locks: SmLocks, sr: string): LocalPauseDeps {
  const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
  return {
    root: ctx.env.root,
    tap: new TapCtl({ exec: ctx.exec, log: ctx.log, sleep, timeScale: ctx.env.timeScale }),
    locks,
    log: ctx.log,
    refreshPath: async (vdi) => refreshLinstorPath(ctx, sr, vdi),
  };
}

function pauseFunction(kind: 'pause' | 'unpause' | 'refresh'): PluginFunction {
  return async (ctx, args) => {
    const a = kind === 'unpause' ? checkArgs(args, UNPAUSE_SPEC) : { ...checkArgs(args, SPEC), secondary: undefined };
    const [sr, vdi, failfast, secondary] = [a.sr_uuid, a.vdi_uuid, a.failfast === 'True', a.secondary];
    const locks = new SmLocks({ root: ctx.env.root });
    try {
      const d = deps(ctx, locks, sr);
      const ok =
        kind === 'pause'
          ? await pauseLocal(d, sr, vdi, failfast)
          : kind === 'unpause'
            ? await unpauseLocal(d, sr, vdi, failfast, secondary)
            : await refreshLocal(d, sr, vdi, failfast);
      return ok ? 'True' : 'False';
    } finally {
      await locks.close();
    }
  };
}

export const pause = pauseFunction('pause');
export const unpause = pauseFunction('unpause');
export const refresh = pauseFunction('refresh');
