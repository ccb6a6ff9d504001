/**
 * Coalesce (vhd-util coalesce -n CHILD): merge the child's allocated sectors into its parent,
 * sector-accurate — a parent sector changes only when the child's bitmap has it — keeping the
 * parent's identity (SM re-parents the grandchildren afterwards). The child is not modified.
 *  1. open the child read-only and its parent (VHD or RAW) read-write;
 *  2. validate: every allocated child sector lies within the parent's virtual size, and a fixed parent
 *     container has room for the blocks it must allocate — nothing is written otherwise;
 *  3. per allocated child block: read bitmap and data in one read, write the runs of set sectors into
 *     the parent (allocating its block if needed, OR-ing its bitmap);
 *  4. move a plain parent's footer after its data; return the number of sectors written.
 * Progress is counted in the child's allocated blocks (2 MiB each: the data the merge reads), because
 * the exact sector total would need every bitmap read up front — one extra small read per block.
 */
import { BITMAP_SIZE, BLOCK_SIZE, SECTOR_SIZE, SECTORS_PER_BLOCK } from './constants.js';
import type { ContainerOption, VhdContext } from './container.js';
import { VhdInvalidArgumentError, VhdNoSpaceError, VhdNotFoundError, VhdParentMissingError } from './errors.js';
import { runsOf } from './bitmap.js';
import { bytesNeededFor, finishWrites, writeBlockRuns } from './block-writer.js';
import { RawImage } from './raw-image.js';
import { VhdImage } from './vhd-image.js';

export type CoalesceOptions = {
  readonly container?: ContainerOption;
  /**
   * Called with (bytes of the child's allocated blocks merged so far, their total): once at 0 before the
   * first block, after every block, and last at (total, total) once the parent is synced — so 100% means
   * durable. Values never decrease. It must not throw (it would abort the merge).
   */
  readonly onProgress?: (doneBytes: number, totalBytes: number) => void;
};

/** Merges `p`'s data into its parent; returns the sector count ("Coalesced N sectors"). */
export async function coalesceVhd(ctx: VhdContext, p: string, opts: CoalesceOptions = {}): Promise<number> {
  const child = await VhdImage.open(ctx, p, { container: opts.container ?? 'auto' });
  let parent: VhdImage | RawImage | undefined;
  try {
    if (!child.isDifferencing) throw new VhdInvalidArgumentError('not a differencing image: nothing to coalesce into', { path: p });
    const parentPath = (await child.parentPath()) ?? '';
    try {
      parent = child.parentIsRaw ? await RawImage.openWritable(ctx, parentPath) : await VhdImage.open(ctx, parentPath, { writable: true });
    } catch (error) {
      if (error instanceof VhdNotFoundError) throw new VhdParentMissingError(p, parentPath, { cause: error });
      throw error;
    }
    const work = await plan(child, parent);
    const totalBytes = work.length * BLOCK_SIZE;
    opts.onProgress?.(0, totalBytes);
    let sectors = 0;
    // Double buffering: the next block is read while the current one is written.
    const buffers = [Buffer.alloc(BITMAP_SIZE + BLOCK_SIZE), Buffer.alloc(BITMAP_SIZE + BLOCK_SIZE)];
    const readBlock = async (i: number): Promise<Buffer> => {
      const buf = buffers[i % 2] ?? Buffer.alloc(0);
      await child.container.readInto(buf, ((await child.blockDataOffset(work[i] ?? 0)) ?? 0) - BITMAP_SIZE);
      return buf;
    };
    let pending = work.length > 0 ? readBlock(0) : undefined;
    try {
      for (let i = 0; i < work.length; i += 1) {
        const buf = await (pending ?? readBlock(i));
        pending = i + 1 < work.length ? readBlock(i + 1) : undefined;
        const b = work[i] ?? 0;
        const runs = runsOf(buf.subarray(0, BITMAP_SIZE), 0, SECTORS_PER_BLOCK);
        const data = buf.subarray(BITMAP_SIZE);
        if (parent instanceof VhdImage) {
          sectors += await writeBlockRuns(parent, b, runs, data);
        } else {
          for (const r of runs) {
            const at = (b * SECTORS_PER_BLOCK + r.start) * SECTOR_SIZE;
            await parent.container.write(at, data.subarray(r.start * SECTOR_SIZE, (r.start + r.count) * SECTOR_SIZE));
            sectors += r.count;
          }
        }
        // The last block is reported after the sync below.
        if (i + 1 < work.length) opts.onProgress?.((i + 1) * BLOCK_SIZE, totalBytes);
      }
    } finally {
      // A write that failed leaves a read in flight: let it settle before the files close.
      await pending?.then(
        () => undefined,
        () => undefined,
      );
    }
    if (parent instanceof VhdImage) await finishWrites(parent);
    await parent.container.sync();
    opts.onProgress?.(totalBytes, totalBytes);
    return sectors;
  } finally {
    await child.close();
    await parent?.close();
  }
}

/** The child's allocated blocks, after checking that the parent can take them all. */
async function plan(child: VhdImage, parent: VhdImage | RawImage): Promise<number[]> {
  const bat = await child.bat();
  const blocks: number[] = [];
  for (let b = 0; b < bat.length; b += 1) if ((await child.blockDataOffset(b)) !== undefined) blocks.push(b);
  // The child's data ends in its highest block that holds any sector.
  let lastSector = -1;
  for (let i = blocks.length - 1; i >= 0 && lastSector < 0; i -= 1) {
    const b = blocks[i] ?? 0;
    const last = runsOf(await child.bitmap(b), 0, SECTORS_PER_BLOCK).at(-1);
    if (last) lastSector = b * SECTORS_PER_BLOCK + last.start + last.count - 1;
  }
  const parentSectors = Math.floor(parent.virtualSize / SECTOR_SIZE);
  if (lastSector >= parentSectors) {
    throw new VhdInvalidArgumentError(`child data reaches sector ${lastSector} but the parent holds ${parentSectors} sectors: grow the parent first`, { path: child.path });
  }
  if (parent instanceof VhdImage && parent.container.kind === 'fixed') {
    let missing = 0;
    for (const b of blocks) if ((await parent.blockDataOffset(b)) === undefined) missing += 1;
    const needed = await bytesNeededFor(parent, missing);
    if (needed > parent.container.size) throw new VhdNoSpaceError(parent.path, needed, parent.container.size);
  }
  return blocks;
}
