/**
 * `pause`, `unpause`, `refresh` with `tapdisk-pause`'s arguments and results (DESIGN.md "On dom0"):
 * the driver and the GC call these on every host holding a `host_<ref>` key, instead of the stock
 * plugin, whose LINSTOR branch needs the Python libraries.
 */
import { pauseLocal, refreshLocal, unpauseLocal, type LocalPauseDeps } from '../../lib/blktap/pause.js';
import { TapCtl } from '../../lib/blktap/tap-ctl.js';
import { SmLocks } from '../../lib/host/sm-lock.js';
import type { PluginContext, PluginFunction } from './context.js';
import { refreshLinstorPath } from './path-refresh.js';
import { arg } from './true-false.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function uuidArg(args: Readonly<Record<string, string>>, name: string): string {
  const v = arg(args, name);
  if (!UUID.test(v)) throw new Error(`${name} is not a UUID`);
  return v;
}

/** tapdisk-pause evaluates failfast as a Python literal: exactly "True" or "False". */
function failfastArg(args: Readonly<Record<string, string>>): boolean {
  const v = args['failfast'] ?? 'False';
  if (v !== 'True' && v !== 'False') throw new Error(`failfast must be True or False, got ${JSON.stringify(v)}`);
  return v === 'True';
}

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
    const sr = uuidArg(args, 'sr_uuid');
    const vdi = uuidArg(args, 'vdi_uuid');
    const failfast = failfastArg(args);
    const locks = new SmLocks({ root: ctx.env.root });
    try {
      const d = deps(ctx, locks, sr);
      const ok =
        kind === 'pause'
          ? await pauseLocal(d, sr, vdi, failfast)
          : kind === 'unpause'
            ? await unpauseLocal(d, sr, vdi, failfast, args['secondary'] || undefined)
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
