/**
 * Writing sectors into one image, as tapdisk does:
 *  1. if the block is unallocated, place it at the end of the data, padded so that its data starts on a
 *     4 KiB boundary; refuse (VhdNoSpaceError) if a fixed container has no room before its footer;
 *  2. zero the new bitmap and the parts of the new block the write does not cover, then point the BAT at it;
 *  3. write the data, then set the written sectors' bits in the block bitmap (and the batmap bit when
 *     the block becomes full).
 * A plain file's footer is rewritten after its data grows (finishWrites).
 */
import { BITMAP_SIZE, BLOCK_SIZE, DATA_ALIGNMENT, FOOTER_SIZE, SECTOR_SIZE, SECTORS_PER_BLOCK } from './constants.js';
import { VhdNoSpaceError } from './errors.js';
import { setBit, testBit, type Run } from './bitmap.js';
import type { VhdImage } from './vhd-image.js';

/** Sector where a new block would go: the end of data, padded so its data is 4 KiB-aligned. */
export async function nextBlockSector(image: VhdImage): Promise<number> {
  const end = (await image.endOfData()) / SECTOR_SIZE;
  const spp = DATA_ALIGNMENT / SECTOR_SIZE;
  const gap = (end + 1) % spp === 0 ? 0 : spp - ((end + 1) % spp);
  return end + gap;
}

/** Bytes a fixed container needs to allocate `blocks` more blocks (worst-case alignment included). */
export async function bytesNeededFor(image: VhdImage, blocks: number): Promise<number> {
  if (blocks === 0) return 0;
  const first = await nextBlockSector(image);
  const per = ((1 + SECTORS_PER_BLOCK) * SECTOR_SIZE);
  return (first + 1) * SECTOR_SIZE + BLOCK_SIZE + (blocks - 1) * (per + DATA_ALIGNMENT) + FOOTER_SIZE;
}

/** Allocates `block`, zeroing what `runs` will not overwrite; returns the byte offset of its data. */
async function allocateBlock(image: VhdImage, block: number, runs: readonly Run[]): Promise<number> {
  const c = image.container;
  const oldEnd = await image.endOfData();
  const sector = await nextBlockSector(image);
  const dataOffset = (sector + 1) * SECTOR_SIZE;
  const newEnd = dataOffset + BLOCK_SIZE;
  if (c.kind === 'fixed' && newEnd + FOOTER_SIZE > c.size) throw new VhdNoSpaceError(image.path, newEnd + FOOTER_SIZE, c.size);
  // Gap and bitmap: zero from the old end of data (a plain file's footer lives there) to the data start.
  await c.write(oldEnd, Buffer.alloc(dataOffset - oldEnd));
  const covered = new Uint8Array(Math.ceil(SECTORS_PER_BLOCK / 8));
  for (const r of runs) for (let i = r.start; i < r.start + r.count; i += 1) setBit(covered, i);
  const zeros = Buffer.alloc(BLOCK_SIZE);
  let i = 0;
  while (i < SECTORS_PER_BLOCK) {
    if (testBit(covered, i)) {
      i += 1;
      continue;
    }
    const start = i;
    while (i < SECTORS_PER_BLOCK && !testBit(covered, i)) i += 1;
    const from = dataOffset + start * SECTOR_SIZE;
    const to = dataOffset + i * SECTOR_SIZE;
    if (c.kind === 'plain' && from >= c.size) {
      await c.truncate(Math.max(c.size, to));
    } else {
      await c.write(from, zeros.subarray(0, to - from));
    }
  }
  await image.setBatEntry(block, sector);
  return dataOffset;
}

/**
 * Writes sectors of `block`: for each run, `source` holds the run's bytes at `(run.start - sourceFirst) × 512`.
 * Returns the number of sectors written.
 */
export async function writeBlockRuns(image: VhdImage, block: number, runs: readonly Run[], source: Buffer, sourceFirst = 0): Promise<number> {
  if (runs.length === 0) return 0;
  let dataOffset = await image.blockDataOffset(block);
  if (dataOffset === undefined) dataOffset = await allocateBlock(image, block, runs);
  const map = Buffer.from(await image.bitmap(block));
  let changed = false;
  let sectors = 0;
  for (const r of runs) {
    const from = (r.start - sourceFirst) * SECTOR_SIZE;
    await image.container.write(dataOffset + r.start * SECTOR_SIZE, source.subarray(from, from + r.count * SECTOR_SIZE));
    for (let s = r.start; s < r.start + r.count; s += 1) {
      if (!testBit(map, s)) {
        setBit(map, s);
        changed = true;
      }
    }
    sectors += r.count;
  }
  if (changed) await image.writeBitmap(block, map.length === BITMAP_SIZE ? map : Buffer.from(map));
  return sectors;
}

/** After data writes: a plain file's footer follows the data again (fixed containers keep theirs). */
export async function finishWrites(image: VhdImage): Promise<void> {
  if (image.container.kind === 'plain') await image.writeFooter();
}
