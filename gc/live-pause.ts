/**
 * Pausing a VDI's tapdisks on every host for a live leaf-coalesce (sm's `vdi.pause(failfast=True)` and
 * `ensureUnpaused`, spec/blktap2.md §2.1–2.2), through lib/blktap's fan-out (which unpauses again the
 * hosts that paused before a refusal, so a refused pause leaves no VM frozen).
 *
 * The `paused` sm-config key is set before the first host pauses and removed only once every host has
 * unpaused: while it is there, a VDI may be frozen somewhere, and the collector's recovery unpauses it.
 */
import { tapPause, tapUnpause, type HostCall } from '../lib/blktap/pause.js';
import type { VdiSmConfig } from '../lib/blktap/vdi-tags.js';
import { isXapiError, vdiSmConfig } from '../lib/xapi/index.js';
import type { GcContext } from './sr-context.js';

/** The pause was refused somewhere (tapdisk busy, another operation holds the VDI): retried later. */
export class PauseRefusedError extends Error {
  override name = 'PauseRefusedError';
}

/** The VDI's sm-config through XAPI, and the plugin calls of the fan-out. */
export function pauseDeps(ctx: GcContext, ref: string): { config: VdiSmConfig; call: HostCall } {
  return {
    config: vdiSmConfig(ctx.xapi.vdi, ref),
    call: (host, fn, args) => ctx.callPlugin(host, fn, { ...args }),
  };
}

/** Pauses `vdi` (XAPI ref `ref`) on every host serving it, failfast; throws when a host refused. */
export async function pauseEverywhere(ctx: GcContext, ref: string, vdi: string): Promise<void> {
  const { config, call } = pauseDeps(ctx, ref);
  if (!(await tapPause(config, call, ctx.log, ctx.srUuid, vdi, true))) throw new PauseRefusedError(`cannot pause ${vdi} (a host refused: see the log)`);
}

/**
 * Unpauses `vdi` on every host serving it (tapdisk reopens it on the resource its uuid names now) and
 * drops `paused`; throws, leaving `paused`, when a host did not unpause.
 */
export async function unpauseEverywhere(ctx: GcContext, ref: string, vdi: string): Promise<void> {
  const { config, call } = pauseDeps(ctx, ref);
  if (!(await tapUnpause(config, call, ctx.log, ctx.srUuid, vdi))) throw new Error(`cannot unpause ${vdi} on every host (see the log); the next collector run retries`);
}

/** sm's `ensureUnpaused`: unpauses `vdi` if a collector left it paused; true when it did. */
export async function ensureUnpaused(ctx: GcContext, ref: string, vdi: string): Promise<boolean> {
  const sm = await ctx.xapi.vdi.getSmConfig(ref).catch((e: unknown) => {
    if (isXapiError(e, 'HANDLE_INVALID')) return {};
    throw e;
  });
  if (!('paused' in sm)) return false;
  ctx.log.warn('unpausing a VDI an interrupted leaf-coalesce left paused', { vdi });
  await unpauseEverywhere(ctx, ref, vdi);
  return true;
}
