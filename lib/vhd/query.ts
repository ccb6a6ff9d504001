import { BLOCK_SIZE } from './constants.js';
import type { ContainerOption, VhdContext } from './container.js';
import { setBit } from './bitmap.js';
import { chainDepth } from './chain.js';
import { rawFooterAt, VhdImage } from './vhd-image.js';
import { uuidToString } from './footer.js';

/** Everything `vhd-util query -vsafpd -S` reports, plus the identity fields SM's VHDInfo carries. */
export type VhdInfo = {
  readonly uuid: string;
  readonly virtualSize: number;
  readonly physicalSize: number;
  readonly hidden: boolean;
  readonly allocatedBlocks: number;
  /** Bytes of allocated blocks (allocatedBlocks × 2 MiB), SM's sizeAllocated. */
  readonly allocatedSize: number;
  /** Largest virtual size a fast resize can reach (max BAT entries × 2 MiB). */
  readonly maxResizeSize: number;
  readonly isDifferencing: boolean;
  readonly parentRaw: boolean;
  /** The parent's dom0 path from the locators, not opened. */
  readonly parentPath: string | undefined;
  readonly parentUuid: string | undefined;
};

type Opts = { readonly container?: ContainerOption };

/**
 * Reads one image's fields without opening its parents (what the driver's scan needs). Header-only
 * fields cost two sectors; physical size and allocation read the BAT for the current size.
 */
export async function queryVhd(ctx: VhdContext, p: string, opts: Opts = {}): Promise<VhdInfo> {
  const image = await VhdImage.open(ctx, p, { container: opts.container ?? 'auto' });
  try {
    const allocatedBlocks = await image.allocatedBlocks();
    return {
      uuid: uuidToString(image.footer.uuid),
      virtualSize: image.virtualSize,
      physicalSize: await image.physicalSize(),
      hidden: await hiddenOf(image),
      allocatedBlocks,
      allocatedSize: allocatedBlocks * BLOCK_SIZE,
      maxResizeSize: image.header.maxBatEntries * BLOCK_SIZE,
      isDifferencing: image.isDifferencing,
      parentRaw: image.parentIsRaw,
      parentPath: await image.parentPath(),
      parentUuid: image.isDifferencing && !image.parentIsRaw ? uuidToString(image.header.parentUuid) : undefined,
    };
  } finally {
    await image.close();
  }
}

/** blktap's hidden flag; very old tapdisk images (creator version 0.1/1.1) kept it only in the copy at 0. */
export async function hiddenOf(image: VhdImage): Promise<boolean> {
  const v = image.footer.creatorVersion;
  if (image.footer.creatorApp === 'tap' && (v === 0x00000001 || v === 0x00010001)) {
    return (await rawFooterAt(image.container, 0)).hidden !== 0;
  }
  return image.footer.hidden !== 0;
}

/** Depth of the chain ending at `p` (query -d): images from `p` to the root, RAW root included. */
export async function queryDepth(ctx: VhdContext, p: string): Promise<number> {
  return chainDepth(ctx, p);
}

/**
 * The block allocation bitmap (vhd-util read -B): one bit per block of the current size, set when the
 * BAT entry is allocated, most significant bit first. SM zlib-compresses it for the GC.
 */
export async function blockBitmap(ctx: VhdContext, p: string, opts: Opts = {}): Promise<Buffer> {
  const image = await VhdImage.open(ctx, p, { container: opts.container ?? 'auto' });
  try {
    const bat = await image.bat();
    const map = Buffer.alloc(Math.ceil(bat.length / 8));
    bat.forEach((e, i) => {
      if (e !== 0xffffffff) setBit(map, i);
    });
    return map;
  } finally {
    await image.close();
  }
}
