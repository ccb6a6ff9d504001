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
import { ArgumentError, BYTES, checkArgs, DRBD_DEVICE, optional, required, TEXT, TRUTH, VHD_CALL } from './args.js';
import type { PluginFunction } from './context.js';
import { strtobool } from './true-false.js';

/** vhd-util modify -p: `parentRaw` is ignored, as the Python plugin ignores it (LINSTOR parents are VHDs). */
export const setParent: PluginFunction = async (ctx, args) => {
  const a = checkArgs(args, { ...VHD_CALL, parentPath: required(DRBD_DEVICE), parentRaw: optional(TRUTH) });
  await setVhdParent({ root: ctx.env.root }, a.devicePath, a.parentPath);
  return '';
};

/** vhd-util resize -f: grows the virtual size within the BAT preallocated at creation (-S 2 TiB). */
export const setSizeVirtFast: PluginFunction = async (ctx, args) => {
  const a = checkArgs(args, { ...VHD_CALL, size: required(BYTES) });
  await resizeVhd({ root: ctx.env.root }, a.devicePath, Number(a.size));
  return '';
};

/**
 * vhd-util resize -j (offline resize with a journal file). Every VHD of a LINSTOR SR is created with
 * its BAT preallocated for 2 TiB, so the in-place resize always applies up to the 2040 GiB VHD limit;
 * moving data to grow the BAT (what the journal protects) is therefore never needed here. A size past
 * the preallocated BAT is refused before anything is written. The journal file must still be named, as
 * the callers always pass one: `jfile`, or `jFile` as the 2026 Python callers spell it.
 */
export const setSizeVirt: PluginFunction = async (ctx, args) => {
  const a = checkArgs(args, { ...VHD_CALL, size: required(BYTES), jfile: optional(TEXT), jFile: optional(TEXT) });
  if (a.jfile === undefined && a.jFile === undefined) throw new ArgumentError('missing argument jfile (or jFile)');
  if (a.jfile !== undefined && a.jFile !== undefined) throw new ArgumentError('jfile and jFile are the same argument: give one');
  await resizeVhd({ root: ctx.env.root }, a.devicePath, Number(a.size));
  return '';
};

/**
 * LinstorVhdUtil.deflate run locally: the footer moves in to `newSize` (rounded up to 512); with
 * `zeroize` the footer left at the old end (`oldSize − 512`) is wiped, so a later inflate never finds
 * a stale footer there. Nothing happens when `newSize ≥ oldSize` (the Python code would wipe the old
 * footer even then, i.e. the live one; we do not). The volume itself never shrinks.
 */
export const deflate: PluginFunction = async (ctx, args) => {
  const a = checkArgs(args, { ...VHD_CALL, newSize: required(BYTES), oldSize: required(BYTES), zeroize: optional(TRUTH) });
  const path = a.devicePath;
  const newSize = roundUp512(Number(a.newSize));
  const oldSize = Number(a.oldSize);
  const zeroize = strtobool(a.zeroize);
  // The old footer lies at oldSize − 512: a smaller oldSize names no footer (the Python code asserts it).
  if (zeroize && oldSize <= FOOTER_SIZE) throw new ArgumentError(`oldSize ${oldSize} is too small to hold a VHD footer`);
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
