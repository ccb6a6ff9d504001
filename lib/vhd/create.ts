/**
 * Create and snapshot, as vhd-util's __vhd_create lays images out:
 *   0: footer copy | 512: header | 1536: BAT (preallocated for the maximum size, padded to a sector)
 *   | batmap header (1 sector) | batmap | parent locators (differencing only) | blocks … | footer.
 * Steps:
 *  1. validate everything (sizes, parent, chain depth, container room) — nothing is written before;
 *  2. write the BAT (all unused), the batmap, the locators, the header and the footer copy;
 *  3. write the end footer: at the end of a fixed container (which keeps its size), or right after the
 *     metadata of a plain file.
 * Snapshot: the child's virtual size is the parent's; unless `noEmptyCheck`, an empty differencing
 * parent is skipped in favour of its own parent (vhd-util's default, why a base may become unused).
 */
import { realpath, stat } from 'node:fs/promises';
import { hostPath } from '../host/env.js';
import { BLOCK_SIZE, DISK_TYPE, FOOTER_SIZE, MAX_CHAIN_DEPTH, MAX_PREALLOCATED_SIZE, SECTOR_SIZE, WRITTEN_LOCATORS } from './constants.js';
import { Container, type ContainerOption, type VhdContext } from './container.js';
import { VhdChainTooLongError, VhdInvalidArgumentError, VhdNoSpaceError, VhdNotFoundError, VhdParentMissingError } from './errors.js';
import { chsGeometry, encodeFooter, newFooter, vhdTime } from './footer.js';
import { encodeHeader, newHeader, type Header } from './header.js';
import { encodeBatmapHeader, newBatmapHeader } from './batmap.js';
import { encodeLocator, encodeParentName } from './locator.js';
import { openChain } from './chain.js';
import { roundUpVirtualSize, validateVirtualSize } from './size.js';
import { VhdImage } from './vhd-image.js';
import { RawImage } from './raw-image.js';

/** Options of createVhd. */
export type CreateOptions = {
  /** Virtual size; rounded up to 2 MiB. */
  readonly sizeBytes: number;
  /** Size the BAT is preallocated for (vhd-util -S), ≥ sizeBytes; SM passes 2 TiB. */
  readonly maxSizeBytes?: number;
  readonly container?: ContainerOption;
};

/** Options of snapshotVhd. */
export type SnapshotOptions = {
  readonly parentRaw?: boolean;
  readonly maxSizeBytes?: number;
  /** vhd-util -e: link to the given parent even when it holds no data. */
  readonly noEmptyCheck?: boolean;
  readonly container?: ContainerOption;
};

type ParentSpec = { path: string; raw: boolean; uuid: Buffer; size: number; timestamp: number };

/** Creates an empty dynamic VHD at dom0 path `p`. */
export async function createVhd(ctx: VhdContext, p: string, options: CreateOptions): Promise<void> {
  const size = roundUpVirtualSize(options.sizeBytes);
  validateVirtualSize(size);
  await writeNewImage(ctx, p, size, preallocation(size, options.maxSizeBytes), undefined, options.container);
}

/** Creates the differencing child `childPath` of `parentPath`; returns the parent actually linked. */
export async function snapshotVhd(ctx: VhdContext, childPath: string, parentPath: string, options: SnapshotOptions = {}): Promise<string> {
  const parent = await resolveParent(ctx, childPath, parentPath, options);
  const ancestors = parent.raw ? [parent.path] : await chainPaths(ctx, parent.path);
  if (ancestors.length + 1 > MAX_CHAIN_DEPTH) throw new VhdChainTooLongError(ancestors.length + 1, MAX_CHAIN_DEPTH, { path: childPath });
  const child = await realpath(hostPath(ctx.root, childPath)).catch(() => undefined);
  for (const a of ancestors) {
    if (child !== undefined && child === (await realpath(hostPath(ctx.root, a)))) {
      throw new VhdInvalidArgumentError(`the new child would overwrite ${a}, which is in its own parent chain`, { path: childPath });
    }
  }
  await writeNewImage(ctx, childPath, parent.size, preallocation(parent.size, options.maxSizeBytes), parent, options.container);
  return parent.path;
}

/** The dom0 paths of the chain ending at `p` (validated: loops, depth, missing parents). */
async function chainPaths(ctx: VhdContext, p: string): Promise<string[]> {
  const chain = await openChain(ctx, p);
  const paths = chain.levels.map((l) => l.path);
  await chain.close();
  return paths;
}

function preallocation(size: number, maxSizeBytes: number | undefined): number {
  const max = roundUpVirtualSize(maxSizeBytes ?? size);
  if (max < size) throw new VhdInvalidArgumentError(`preallocation size ${max} is below the virtual size ${size}`);
  if (max > MAX_PREALLOCATED_SIZE) throw new VhdInvalidArgumentError(`preallocation size ${max} exceeds ${MAX_PREALLOCATED_SIZE}`);
  return max;
}

/**
 * The parent to link to (vhd-util's find_snapshot_target): the supplied one, or — unless noEmptyCheck —
 * the first non-empty ancestor (possibly a RAW root). The child keeps the supplied parent's size.
 */
async function resolveParent(ctx: VhdContext, childPath: string, parentPath: string, options: SnapshotOptions): Promise<ParentSpec> {
  let target = parentPath;
  let raw = options.parentRaw ?? false;
  let suppliedSize: number | undefined;
  for (;;) {
    let mtime: number;
    try {
      mtime = (await stat(hostPath(ctx.root, target))).mtimeMs;
    } catch (error) {
      throw new VhdParentMissingError(childPath, target, { cause: error });
    }
    if (raw) {
      const image = await RawImage.open(ctx, target);
      const size = suppliedSize ?? image.virtualSize;
      await image.close();
      return { path: target, raw: true, uuid: Buffer.alloc(16), size, timestamp: vhdTime(mtime) };
    }
    let image: VhdImage;
    try {
      image = await VhdImage.open(ctx, target);
    } catch (error) {
      if (error instanceof VhdNotFoundError) throw new VhdParentMissingError(childPath, target, { cause: error });
      throw error;
    }
    try {
      await image.physicalSize(); // validates the BAT: a damaged parent is refused before anything is written
      suppliedSize ??= image.virtualSize;
      const skip = !options.noEmptyCheck && image.isDifferencing && (await image.allocatedBlocks()) === 0;
      if (!skip) return { path: target, raw: false, uuid: Buffer.from(image.footer.uuid), size: suppliedSize, timestamp: vhdTime(mtime) };
      raw = image.parentIsRaw;
      target = (await image.parentPath()) ?? target;
    } finally {
      await image.close();
    }
  }
}

/** Offsets of a new image's metadata. */
function layout(maxBatEntries: number, parent: ParentSpec | undefined) {
  const header = newHeader(maxBatEntries);
  const batBytes = Math.ceil((maxBatEntries * 4) / SECTOR_SIZE) * SECTOR_SIZE;
  const batmapHeaderOffset = header.tableOffset + batBytes;
  const batmap = newBatmapHeader(batmapHeaderOffset, maxBatEntries);
  let end = batmap.mapOffset + batmap.mapSectors * SECTOR_SIZE;
  const locatorData: { offset: number; bytes: Buffer }[] = [];
  if (parent) {
    WRITTEN_LOCATORS.forEach((code, i) => {
      const data = encodeLocator(code, parent.path);
      const space = Math.max(1, Math.ceil(data.length / SECTOR_SIZE)) * SECTOR_SIZE;
      header.locators[i] = { code, dataSpace: space, dataLength: data.length, reserved: 0, dataOffset: end };
      const padded = Buffer.alloc(space);
      data.copy(padded);
      locatorData.push({ offset: end, bytes: padded });
      end += space;
    });
  }
  return { header, batBytes, batmap, locatorData, metadataEnd: end };
}

async function writeNewImage(ctx: VhdContext, p: string, size: number, maxSize: number, parent: ParentSpec | undefined, container: ContainerOption | undefined): Promise<void> {
  const maxBatEntries = Math.ceil(maxSize / BLOCK_SIZE);
  const { header, batBytes, batmap, locatorData, metadataEnd } = layout(maxBatEntries, parent);
  const footer = newFooter(parent ? DISK_TYPE.differencing : DISK_TYPE.dynamic, size);
  footer.geometry = chsGeometry(size);
  if (parent) fillParent(header, parent);
  const c = await Container.open(ctx, p, { writable: true, container: container ?? 'auto', create: true });
  try {
    if (c.kind === 'fixed' && c.size < metadataEnd + FOOTER_SIZE) throw new VhdNoSpaceError(p, metadataEnd + FOOTER_SIZE, c.size);
    // Every entry is BLOCK_UNUSED, all four bytes 0xff: one fill, not a write per entry (a 2 TiB BAT has a million).
    const bat = Buffer.alloc(batBytes, 0xff);
    await c.write(header.tableOffset, bat);
    await c.write(batmap.mapOffset, Buffer.alloc(batmap.mapSectors * SECTOR_SIZE));
    batmap.checksum = 0xffffffff;
    // An all-zero map sums to 0; its one's complement is 0xffffffff.
    await c.write(header.tableOffset + batBytes, encodeBatmapHeader(batmap));
    for (const l of locatorData) await c.write(l.offset, l.bytes);
    await c.write(FOOTER_SIZE, encodeHeader(header));
    const footerBytes = encodeFooter(footer);
    await c.write(0, footerBytes);
    await c.write(c.kind === 'fixed' ? c.size - FOOTER_SIZE : metadataEnd, footerBytes);
    if (c.kind === 'plain') await c.truncate(metadataEnd + FOOTER_SIZE);
    await c.sync();
  } finally {
    await c.close();
  }
}

function fillParent(header: Header, parent: ParentSpec): void {
  header.parentUuid = Buffer.from(parent.uuid);
  header.parentTimestamp = parent.timestamp;
  header.parentName = encodeParentName(parent.path);
}
