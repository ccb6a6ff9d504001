import { realpath } from 'node:fs/promises';
import { hostPath } from '../host/env.js';
import { MAX_CHAIN_DEPTH } from './constants.js';
import type { VhdContext, ContainerOption } from './container.js';
import { VhdChainTooLongError, VhdNotFoundError, VhdParentLoopError, VhdParentMissingError } from './errors.js';
import { RawImage } from './raw-image.js';
import { VhdImage } from './vhd-image.js';

/** One image of a chain: a VHD, or the RAW image at its root. */
export type ChainLevel = VhdImage | RawImage;

/** The images of a chain, leaf first. Only the leaf may be writable. */
export type Chain = {
  readonly leaf: VhdImage;
  readonly levels: readonly ChainLevel[];
  close(): Promise<void>;
};

/** Options of openChain. */
export type ChainOptions = { readonly writable?: boolean; readonly container?: ContainerOption; readonly maxDepth?: number };

/**
 * Opens `p` and every ancestor through its parent locators (dom0 paths, opened under ctx.root),
 * detecting missing parents, loops and chains deeper than MAX_CHAIN_DEPTH (30). Parents are read-only.
 */
export async function openChain(ctx: VhdContext, p: string, options: ChainOptions = {}): Promise<Chain> {
  const maxDepth = options.maxDepth ?? MAX_CHAIN_DEPTH;
  const leaf = await VhdImage.open(ctx, p, { writable: options.writable ?? false, container: options.container ?? 'auto' });
  const levels: ChainLevel[] = [leaf];
  const close = async (): Promise<void> => {
    for (const l of levels) await l.close();
  };
  try {
    const seen = new Map<string, string>([[await identity(ctx, p), p]]);
    let cur: VhdImage = leaf;
    while (cur.isDifferencing) {
      const parentPath = await cur.parentPath();
      if (parentPath === undefined) break;
      if (levels.length + 1 > maxDepth) throw new VhdChainTooLongError(levels.length + 1, maxDepth, { path: p });
      let id: string;
      try {
        id = await identity(ctx, parentPath);
      } catch (error) {
        throw new VhdParentMissingError(cur.path, parentPath, { cause: error });
      }
      if (seen.has(id)) throw new VhdParentLoopError([...levels.map((l) => l.path), parentPath]);
      seen.set(id, parentPath);
      if (cur.parentIsRaw) {
        levels.push(await openParent(ctx, cur.path, parentPath, true));
        break;
      }
      const parent = (await openParent(ctx, cur.path, parentPath, false)) as VhdImage;
      levels.push(parent);
      cur = parent;
    }
  } catch (error) {
    await close();
    throw error;
  }
  return { leaf, levels, close };
}

async function openParent(ctx: VhdContext, childPath: string, parentPath: string, raw: boolean): Promise<ChainLevel> {
  try {
    return raw ? await RawImage.open(ctx, parentPath) : await VhdImage.open(ctx, parentPath);
  } catch (error) {
    if (error instanceof VhdNotFoundError) throw new VhdParentMissingError(childPath, parentPath, { cause: error });
    throw error;
  }
}

/** The real file behind a dom0 path (symlinks resolved), so that two names of one device compare equal. */
async function identity(ctx: VhdContext, p: string): Promise<string> {
  return realpath(hostPath(ctx.root, p));
}

/** Number of images in the chain of `p` (vhd_chain_depth: a RAW root counts as one). */
export async function chainDepth(ctx: VhdContext, p: string): Promise<number> {
  const chain = await openChain(ctx, p, { maxDepth: Number.MAX_SAFE_INTEGER });
  const depth = chain.levels.length;
  await chain.close();
  if (depth > MAX_CHAIN_DEPTH) throw new VhdChainTooLongError(depth, MAX_CHAIN_DEPTH, { path: p });
  return depth;
}
