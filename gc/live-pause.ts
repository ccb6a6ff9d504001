/**
 * Pausing a VDI's tapdisks on every host for a live leaf-coalesce (sm's `vdi.pause(failfast=True)` and
 * `ensureUnpaused`, spec/blktap2.md §2.1–2.2), with what sm's fan-out lacks: a host that paused before
 * another refused is unpaused again, so a refused pause leaves no VM frozen.
 *
 * The `paused` sm-config key is set before the first host pauses and removed only once every host has
 * unpaused: while it is there, a VDI may be frozen somewhere, and the collector's recovery unpauses it.
 */
import { isXapiError } from '../lib/xapi/index.js';
import type { GcContext } from './sr-context.js';

/** The hosts (refs) with a `host_<ref>` key: a tapdisk serves the VDI there. */
export function activeHosts(smConfig: Readonly<Record<string, string>>): string[] {
  return Object.keys(smConfig)
    .filter((k) => k.startsWith('host_'))
    .map((k) => k.slice('host_'.length));
}

/** The pause was refused somewhere (tapdisk busy, another operation holds the VDI): retried later. */
export class PauseRefusedError extends Error {
  override name = 'PauseRefusedError';
}

async function callEach(ctx: GcContext, hosts: readonly string[], fn: 'pause' | 'unpause', vdi: string): Promise<{ done: string[]; failed: Map<string, string> }> {
  const done: string[] = [];
  const failed = new Map<string, string>();
  for (const host of hosts) {
    const args = { sr_uuid: ctx.srUuid, vdi_uuid: vdi, failfast: fn === 'pause' ? 'True' : 'False' };
    const answer = await ctx.callPlugin(host, fn, args).catch((e: unknown) => `error: ${(e as Error).message}`);
    if (answer === 'True') done.push(host);
    else failed.set(host, answer);
    // A refused pause stops the fan-out: the hosts after it are never touched.
    if (fn === 'pause' && answer !== 'True') break;
  }
  return { done, failed };
}

function hostName(ctx: GcContext, ref: string): string {
  return ctx.hostnames.get(ref) ?? ref;
}

/** Pauses `vdi` (XAPI ref `ref`) on every host serving it; returns those hosts. */
export async function pauseEverywhere(ctx: GcContext, ref: string, vdi: string): Promise<string[]> {
  await ctx.xapi.vdi.addToSmConfig(ref, 'paused', 'true');
  const hosts = activeHosts(await ctx.xapi.vdi.getSmConfig(ref));
  const { done, failed } = await callEach(ctx, hosts, 'pause', vdi);
  if (failed.size === 0) return hosts;
  const why = [...failed].map(([h, a]) => `${hostName(ctx, h)}: ${a}`).join('; ');
  const undo = await callEach(ctx, done, 'unpause', vdi);
  if (undo.failed.size === 0) await ctx.xapi.vdi.removeFromSmConfig(ref, 'paused');
  else ctx.log.error('a host paused for a refused leaf-coalesce did not unpause; the next collector run retries', { vdi, hosts: [...undo.failed.keys()].map((h) => hostName(ctx, h)) });
  throw new PauseRefusedError(`cannot pause ${vdi} (${why})`);
}

/**
 * Unpauses `vdi` on every host serving it (tapdisk reopens it on the resource its uuid names now) and
 * drops `paused`; throws, leaving `paused`, when a host did not unpause.
 */
export async function unpauseEverywhere(ctx: GcContext, ref: string, vdi: string): Promise<void> {
  const hosts = activeHosts(await ctx.xapi.vdi.getSmConfig(ref));
  const { failed } = await callEach(ctx, hosts, 'unpause', vdi);
  if (failed.size > 0) throw new Error(`cannot unpause ${vdi} on ${[...failed].map(([h, a]) => `${hostName(ctx, h)} (${a})`).join(', ')}`);
  await ctx.xapi.vdi.removeFromSmConfig(ref, 'paused');
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
