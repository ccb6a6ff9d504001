/**
 * Guest-I/O stand-in: reads and writes at byte offsets through a chain, sector-accurate.
 * Read: for each sector, the first image (leaf first) whose bitmap has it supplies it; a RAW root
 * supplies every sector within its size; the rest is zeros.
 * Write (leaf only):
 *  1. partial first/last sectors are completed from the chain (read-modify-write);
 *  2. whole sectors are written block by block into the leaf (allocating blocks as needed);
 *  3. a plain leaf's footer is moved after its data.
 */
import { SECTOR_SIZE, SECTORS_PER_BLOCK } from './constants.js';
import { VhdError, VhdInvalidArgumentError, VhdNoSpaceError } from './errors.js';
import { testBit } from './bitmap.js';
import { bytesNeededFor, finishWrites, writeBlockRuns } from './block-writer.js';
import type { Chain } from './chain.js';
import { RawImage } from './raw-image.js';
import type { VhdImage } from './vhd-image.js';

/** Reads `length` bytes at byte `offset` of the chain's virtual disk. */
export async function readChain(chain: Chain, offset: number, length: number): Promise<Buffer> {
  checkRange(chain, offset, length);
  if (length === 0) return Buffer.alloc(0);
  const s0 = Math.floor(offset / SECTOR_SIZE);
  const s1 = Math.ceil((offset + length) / SECTOR_SIZE);
  const buf = Buffer.alloc((s1 - s0) * SECTOR_SIZE);
  for (let b = Math.floor(s0 / SECTORS_PER_BLOCK); b * SECTORS_PER_BLOCK < s1; b += 1) {
    const from = Math.max(s0, b * SECTORS_PER_BLOCK);
    const to = Math.min(s1, (b + 1) * SECTORS_PER_BLOCK);
    await readSegment(chain, b, from, to, buf, s0);
  }
  const skip = offset - s0 * SECTOR_SIZE;
  return skip === 0 && buf.length === length ? buf : Buffer.from(buf.subarray(skip, skip + length));
}

/** Fills sectors [from, to) of block `b` into `buf` (whose sector 0 is disk sector `base`). */
async function readSegment(chain: Chain, b: number, from: number, to: number, buf: Buffer, base: number): Promise<void> {
  const pending = new Uint8Array(to - from).fill(1);
  let left = to - from;
  for (const level of chain.levels) {
    if (left === 0) return;
    const limit = Math.floor(level.virtualSize / SECTOR_SIZE);
    if (level instanceof RawImage) {
      await readRuns(pending, from, (s) => s < limit, async (s, n) => {
        await level.container.readInto(buf.subarray((s - base) * SECTOR_SIZE, (s - base + n) * SECTOR_SIZE), s * SECTOR_SIZE);
      });
      return;
    }
    for (let s = Math.max(from, limit); s < to; s += 1) {
      if (pending[s - from]) {
        pending[s - from] = 0;
        left -= 1;
      }
    }
    const dataOffset = b < level.blockCount ? await level.blockDataOffset(b) : undefined;
    if (dataOffset === undefined) continue;
    const map = await level.bitmap(b);
    const blockStart = b * SECTORS_PER_BLOCK;
    left -= await readRuns(pending, from, (s) => testBit(map, s - blockStart), async (s, n) => {
      await level.container.readInto(buf.subarray((s - base) * SECTOR_SIZE, (s - base + n) * SECTOR_SIZE), dataOffset + (s - blockStart) * SECTOR_SIZE);
    });
  }
}

/** Calls `read` for each run of pending sectors that `has` accepts, marks them done; returns how many. */
async function readRuns(pending: Uint8Array, from: number, has: (s: number) => boolean, read: (s: number, n: number) => Promise<void>): Promise<number> {
  let done = 0;
  let i = 0;
  while (i < pending.length) {
    if (!pending[i] || !has(from + i)) {
      i += 1;
      continue;
    }
    const start = i;
    while (i < pending.length && pending[i] && has(from + i)) {
      pending[i] = 0;
      i += 1;
    }
    await read(from + start, i - start);
    done += i - start;
  }
  return done;
}

/** Writes `data` at byte `offset` into the chain's leaf (which must be open writable). */
export async function writeChain(chain: Chain, offset: number, data: Uint8Array): Promise<void> {
  checkRange(chain, offset, data.length);
  if (!chain.leaf.container.writable) throw new VhdError('leaf opened read-only', { path: chain.leaf.path });
  if (data.length === 0) return;
  const s0 = Math.floor(offset / SECTOR_SIZE);
  const s1 = Math.ceil((offset + data.length) / SECTOR_SIZE);
  await checkRoom(chain.leaf, Math.floor(s0 / SECTORS_PER_BLOCK), Math.floor((s1 - 1) / SECTORS_PER_BLOCK));
  const buf = Buffer.alloc((s1 - s0) * SECTOR_SIZE);
  if (offset % SECTOR_SIZE !== 0) (await readChain(chain, s0 * SECTOR_SIZE, SECTOR_SIZE)).copy(buf, 0);
  if ((offset + data.length) % SECTOR_SIZE !== 0) (await readChain(chain, (s1 - 1) * SECTOR_SIZE, SECTOR_SIZE)).copy(buf, buf.length - SECTOR_SIZE);
  Buffer.from(data.buffer, data.byteOffset, data.length).copy(buf, offset - s0 * SECTOR_SIZE);
  for (let b = Math.floor(s0 / SECTORS_PER_BLOCK); b * SECTORS_PER_BLOCK < s1; b += 1) {
    const from = Math.max(s0, b * SECTORS_PER_BLOCK);
    const to = Math.min(s1, (b + 1) * SECTORS_PER_BLOCK);
    const blockStart = b * SECTORS_PER_BLOCK;
    await writeBlockRuns(chain.leaf, b, [{ start: from - blockStart, count: to - from }], buf, s0 - blockStart);
  }
  await finishWrites(chain.leaf);
}

/** Refuses, before writing anything, a write whose new blocks would not fit a fixed container. */
async function checkRoom(leaf: VhdImage, firstBlock: number, lastBlock: number): Promise<void> {
  if (leaf.container.kind !== 'fixed') return;
  let fresh = 0;
  for (let b = firstBlock; b <= lastBlock; b += 1) if ((await leaf.blockDataOffset(b)) === undefined) fresh += 1;
  const needed = await bytesNeededFor(leaf, fresh);
  if (needed > leaf.container.size) throw new VhdNoSpaceError(leaf.path, needed, leaf.container.size);
}

function checkRange(chain: Chain, offset: number, length: number): void {
  const size = chain.leaf.virtualSize;
  if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(length) || offset < 0 || length < 0 || offset + length > size) {
    throw new VhdInvalidArgumentError(`range ${offset}+${length} is outside the virtual disk (${size} bytes)`, { path: chain.leaf.path });
  }
}
