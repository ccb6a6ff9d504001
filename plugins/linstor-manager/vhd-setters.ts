/**
 * VHD writers other hosts run here when the device is open (Primary) on this host and cannot be
 * written from theirs (spec/sm-linstor.md §4.2 "remote-capable writers", §6): the GC's relink after a
 * coalesce (`setParent`), its virtual-size growth (`setSizeVirt`, `setSizeVirtFast`) and the
 * deflate of a thin VHD (`deflate`). Every one answers `''` and raises on failure, as the Python
 * plugin does; the device argument is a DRBD by-res path only.
 */
import { open } from 'node:fs/promises';
import { hostPath } from '../../lib/host/env.js';
import { FOOTER_SIZE, resizeVhd, roundUp512, setParent as setVhdParent, setPhysicalSize } from '../../lib/vhd/index.js';
import type { PluginFunction } from './context.js';
import { arg, strtobool } from './true-false.js';
import { devicePath } from './vhd-getters.js';

/** A byte count argument: a non-negative decimal integer. */
function bytes(args: Readonly<Record<string, string>>, name: string): number {
  const text = arg(args, name);
  const n = Number(text);
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(n)) throw new Error(`${name} must be a byte count, got ${JSON.stringify(text.slice(0, 40))}`);
  return n;
}

/** vhd-util modify -p: `parentRaw` is ignored, as the Python plugin ignores it (LINSTOR parents are VHDs). */
export const setParent: PluginFunction = async (ctx, args) => {
  const parentPath = devicePath({ devicePath: arg(args, 'parentPath') });
  await setVhdParent({ root: ctx.env.root }, devicePath(args), parentPath);
  return '';
};

/** vhd-util resize -f: grows the virtual size within the BAT preallocated at creation (-S 2 TiB). */
export const setSizeVirtFast: PluginFunction = async (ctx, args) => {
  await resizeVhd({ root: ctx.env.root }, devicePath(args), bytes(args, 'size'));
  return '';
};

/**
 * vhd-util resize -j (offline resize with a journal file). Every VHD of a LINSTOR SR is created with
 * its BAT preallocated for 2 TiB, so the in-place resize always applies up to the 2040 GiB VHD limit;
 * moving data to grow the BAT (what the journal protects) is therefore never needed here. A size past
 * the preallocated BAT is refused before anything is written. `jfile` must still be named, as the
 * callers always pass one.
 */
export const setSizeVirt: PluginFunction = async (ctx, args) => {
  arg(args, 'jfile');
  await resizeVhd({ root: ctx.env.root }, devicePath(args), bytes(args, 'size'));
  return '';
};

/**
 * LinstorVhdUtil.deflate run locally: the footer moves in to `newSize` (rounded up to 512); with
 * `zeroize` the footer left at the old end (`oldSize − 512`) is wiped, so a later inflate never finds
 * a stale footer there. Nothing happens when `newSize ≥ oldSize` (the Python code would wipe the old
 * footer even then, i.e. the live one; we do not). The volume itself never shrinks.
 */
export const deflate: PluginFunction = async (ctx, args) => {
  const path = devicePath(args);
  const newSize = roundUp512(bytes(args, 'newSize'));
  const oldSize = bytes(args, 'oldSize');
  const zeroize = strtobool(args['zeroize']);
  if (newSize >= oldSize) return '';
  await setPhysicalSize({ root: ctx.env.root }, path, newSize);
  if (zeroize) {
    const handle = await open(hostPath(ctx.env.root, path), 'r+');
    try {
      await handle.write(Buffer.alloc(FOOTER_SIZE), 0, FOOTER_SIZE, oldSize - FOOTER_SIZE);
    } finally {
      await handle.close();
    }
  }
  return '';
};
