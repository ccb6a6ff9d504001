/**
 * Writing sectors into one image, as tapdisk does, with fewer system calls:
 *  1. an allocated block: write each run in place, then its bitmap if bits were added;
 *  2. an unallocated block: place it at the end of the data, padded so that its data starts on a 4 KiB
 *     boundary (VhdNoSpaceError if a fixed container has no room before its footer), and write padding,
 *     the final bitmap and the whole block (runs, zeros elsewhere) in one vectored write;
 *  3. finishWrites: the BAT entries and batmap bits follow (a block is invisible until the BAT names it),
 *     then a plain file's footer moves after its data.
 */
import { BITMAP_SIZE, BLOCK_SIZE, DATA_ALIGNMENT, FOOTER_SIZE, SECTOR_SIZE, SECTORS_PER_BLOCK } from './constants.js';
import { VhdNoSpaceError } from './errors.js';
import { setBit, testBit, type Run } from './bitmap.js';
import type { VhdImage } from './vhd-image.js';

/** Sector where a new block would go after data ending at byte `end`: padded so its data is 4 KiB-aligned. */
function blockSectorAfter(end: number): number {
  const endSector = end / SECTOR_SIZE;
  const spp = DATA_ALIGNMENT / SECTOR_SIZE;
  const rest = (endSector + 1) % spp;
  return endSector + (rest === 0 ? 0 : spp - rest);
}

/** Sector where the next new block of `image` would go. */
export async function nextBlockSector(image: VhdImage): Promise<number> {
  return blockSectorAfter(await image.endOfData());
}

/**
 * Bytes a fixed container needs to hold `blocks` more blocks: the first at the next aligned slot, each
 * further one 2 MiB + 4 KiB on (bitmap sector plus alignment padding), then the footer.
 */
export async function bytesNeededFor(image: VhdImage, blocks: number): Promise<number> {
  if (blocks === 0) return 0;
  const first = await nextBlockSector(image);
  return (first + 1) * SECTOR_SIZE + BLOCK_SIZE + (blocks - 1) * (BLOCK_SIZE + DATA_ALIGNMENT) + FOOTER_SIZE;
}

/**
 * Writes sectors of `block`: for each run (sectors within the block), `source` holds the run's bytes at
 * `(run.start - sourceFirst) × 512`. Returns the number of sectors written. Call finishWrites after.
 */
export async function writeBlockRuns(image: VhdImage, block: number, runs: readonly Run[], source: Buffer, sourceFirst = 0): Promise<number> {
  if (runs.length === 0) return 0;
  const slice = (r: Run): Buffer => source.subarray((r.start - sourceFirst) * SECTOR_SIZE, (r.start - sourceFirst + r.count) * SECTOR_SIZE);
  const sectors = runs.reduce((n, r) => n + r.count, 0);
  const dataOffset = await image.blockDataOffset(block);
  if (dataOffset === undefined) {
    await allocateAndWrite(image, block, runs, slice);
    return sectors;
  }
  const map = Buffer.from(await image.bitmap(block));
  let changed = false;
  for (const r of runs) {
    await image.container.write(dataOffset + r.start * SECTOR_SIZE, slice(r));
    for (let s = r.start; s < r.start + r.count; s += 1) {
      if (!testBit(map, s)) {
        setBit(map, s);
        changed = true;
      }
    }
  }
  if (changed) await image.writeBitmap(block, map);
  return sectors;
}

/** One block's worth of sectors to write: the runs (sectors within the block) and where their bytes are. */
export type BlockWrite = { readonly block: number; readonly runs: readonly Run[]; readonly slice: (r: Run) => Buffer };

async function allocateAndWrite(image: VhdImage, block: number, runs: readonly Run[], slice: (r: Run) => Buffer): Promise<void> {
  await allocateMany(image, [{ block, runs, slice }]);
}

/**
 * Allocates the (unallocated, distinct) blocks of `writes` one after the other at the end of the data and
 * writes padding, bitmaps and data of all of them in one vectored write.
 */
export async function allocateMany(image: VhdImage, writes: readonly BlockWrite[]): Promise<void> {
  const c = image.container;
  const start = await image.endOfData();
  let end = start;
  const pieces: Buffer[] = [];
  const adopted: { block: number; sector: number; map: Buffer }[] = [];
  let zeros: Buffer | undefined;
  for (const w of writes) {
    const sector = blockSectorAfter(end);
    const dataOffset = (sector + 1) * SECTOR_SIZE;
    if (c.kind === 'fixed' && dataOffset + BLOCK_SIZE + FOOTER_SIZE > c.size) throw new VhdNoSpaceError(image.path, dataOffset + BLOCK_SIZE + FOOTER_SIZE, c.size);
    const map = Buffer.alloc(BITMAP_SIZE);
    const sorted = [...w.runs].sort((a, b) => a.start - b.start);
    for (const r of sorted) for (let s = r.start; s < r.start + r.count; s += 1) setBit(map, s);
    // Padding from the previous end (a plain file's footer lives there) up to the bitmap, then the bitmap.
    pieces.push(Buffer.alloc(dataOffset - BITMAP_SIZE - end), map);
    let at = 0;
    for (const r of sorted) {
      if (r.start > at) pieces.push((zeros ??= Buffer.alloc(BLOCK_SIZE)).subarray(0, (r.start - at) * SECTOR_SIZE));
      pieces.push(w.slice(r));
      at = r.start + r.count;
    }
    if (at < SECTORS_PER_BLOCK) pieces.push((zeros ??= Buffer.alloc(BLOCK_SIZE)).subarray(0, (SECTORS_PER_BLOCK - at) * SECTOR_SIZE));
    adopted.push({ block: w.block, sector, map });
    end = dataOffset + BLOCK_SIZE;
  }
  await c.writev(pieces, start);
  for (const a of adopted) await image.adoptBlock(a.block, a.sector, a.map);
}

/** After data writes: BAT and batmap changes reach the disk, and a plain file's footer follows its data. */
export async function finishWrites(image: VhdImage): Promise<void> {
  await image.flushMetadata();
  if (image.container.kind === 'plain') await image.writeFooter();
}
