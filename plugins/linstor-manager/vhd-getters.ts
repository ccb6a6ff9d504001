/**
 * VHD getters other hosts ask through the plugin when they cannot open a device themselves
 * (spec/sm-linstor.md §4.2): read-only queries of the VHD on this host's DRBD device, natively.
 * `getInfo` (`getVHDInfo`) and `getParent`, which also need the KV to name VDIs, are in vhd-info.ts.
 */
import { deflateSync } from 'node:zlib';
import { blockBitmap, checkVhd, getKeyHash, queryDepth, queryVhd } from '../../lib/vhd/index.js';
import { checkArgs, isCowCaller, optional, TRUTH, VHD_CALL } from './args.js';
import type { PluginContext, PluginFunction } from './context.js';
import { strtobool } from './true-false.js';

const MIB = 1024 * 1024;

/** The checked device path of a call that takes nothing else (the device: a DRBD by-res path only). */
export function devicePath(args: Readonly<Record<string, string>>): string {
  return checkArgs(args, VHD_CALL).devicePath;
}

export const ctxOf = (ctx: PluginContext) => ({ root: ctx.env.root, exec: ctx.exec });

function query(pick: (info: Awaited<ReturnType<typeof queryVhd>>) => string): PluginFunction {
  return async (ctx, args) => pick(await queryVhd(ctxOf(ctx), devicePath(args)));
}

export const getSizeVirt = query((i) => String(i.virtualSize));
export const getSizePhys = query((i) => String(i.physicalSize));
export const getAllocatedSize = query((i) => String(i.allocatedSize));
/** In MB, as vhd-util query -S prints it. */
export const getMaxResizeSize = query((i) => String(Math.floor(i.maxResizeSize / MIB)));
export const hasParent = query((i) => (i.isDifferencing ? 'True' : 'False'));

export const getDepth: PluginFunction = async (ctx, args) => String(await queryDepth(ctxOf(ctx), devicePath(args)));

/** The device's size in bytes (what `blockdev --getsize64` says: DRBD's usable size). */
export const getDrbdSize: PluginFunction = async (ctx, args) => {
  // blockdev takes the dom0 path: on dom0 it is the device; the simulator's stand-in maps it itself.
  const { stdout } = await ctx.exec('blockdev', ['--getsize64', devicePath(args)]);
  const size = stdout.trim();
  if (!/^\d+$/.test(size)) throw new Error(`blockdev printed ${JSON.stringify(size)}`);
  return size;
};

/** sm's CheckResult (cowutil, 2026), sent as the decimal string of its value. */
export const CHECK_RESULT = { Success: '0', Fail: '1', Unavailable: '2' } as const;

/** Errors that mean the image cannot be opened here (sm's CowUtil.check answers Unavailable for them). */
const UNAVAILABLE = new Set(['ENOENT', 'EROFS', 'EMEDIUMTYPE']);

function unavailable(error: unknown): boolean {
  for (let e: unknown = error; e instanceof Error; e = e.cause) {
    if (e.name === 'VhdNotFoundError' || UNAVAILABLE.has(String((e as NodeJS.ErrnoException).code))) return true;
  }
  return false;
}

/**
 * vhd-util check. To a 2026 caller (isCowCaller): a CheckResult, '0' Success, '1' Fail (with the reason
 * logged), '2' Unavailable when the image cannot be opened here (missing, read-only, in use elsewhere).
 * To an older caller: 'True', or a failure with the reason, as the plugin always answered.
 */
export const check: PluginFunction = async (ctx, args) => {
  const a = checkArgs(args, { ...VHD_CALL, ignoreMissingFooter: optional(TRUTH), fast: optional(TRUTH) });
  const options = { ignoreMissingFooter: strtobool(a.ignoreMissingFooter), fast: strtobool(a.fast) };
  if (!isCowCaller(args)) {
    const result = await checkVhd(ctxOf(ctx), a.devicePath, options);
    if (!result.ok) throw new Error(result.reason);
    return 'True';
  }
  try {
    const result = await checkVhd(ctxOf(ctx), a.devicePath, options);
    if (result.ok) return CHECK_RESULT.Success;
    ctx.log.warn(`check ${a.devicePath}: ${result.reason}`);
    return CHECK_RESULT.Fail;
  } catch (error) {
    if (!unavailable(error)) throw error;
    ctx.log.warn(`check ${a.devicePath}: unavailable here`, { error: String(error) });
    return CHECK_RESULT.Unavailable;
  }
};

/** The key hash (hex), or '' when the VHD holds none. */
export const getKeyHashFn: PluginFunction = async (ctx, args) => {
  const k = await getKeyHash(ctxOf(ctx), devicePath(args));
  return k ? k.hash.toString('hex') : '';
};

/** base64 of the zlib-compressed block allocation bitmap (vhd-util read -B). */
export const getBlockBitmap: PluginFunction = async (ctx, args) => deflateSync(await blockBitmap(ctxOf(ctx), devicePath(args))).toString('base64');
