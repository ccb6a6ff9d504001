/**
 * In-place changes of one image (vhd-util set / modify / resize / key). Each validates first and then
 * writes the few sectors concerned; none moves data.
 * Set physical size (inflate/deflate, sm-linstor.md §4.3): the footer is written at `bytes − 512`;
 * `bytes` must hold all data (≥ the physical size) and fit the container — a fixed container is never
 * grown; the caller (LINSTOR) resizes the device first and the footer follows.
 */
import { stat } from 'node:fs/promises';
import { hostPath } from '../host/env.js';
import { BLOCK_SIZE, BLOCK_UNUSED, FOOTER_SIZE, SECTOR_SIZE } from './constants.js';
import type { ContainerOption, VhdContext } from './container.js';
import { VhdError, VhdInvalidArgumentError, VhdNoSpaceError, VhdParentMissingError } from './errors.js';
import { chsGeometry, encodeFooter, uuidToString, vhdTime } from './footer.js';
import { locatorSpaceBytes } from './header.js';
import { encodeLocator, encodeParentName } from './locator.js';
import type { KeyHash } from './batmap.js';
import { VhdImage } from './vhd-image.js';
import { RawImage } from './raw-image.js';

type Opts = { readonly container?: ContainerOption };

async function withImage<T>(ctx: VhdContext, p: string, writable: boolean, opts: Opts, fn: (image: VhdImage) => Promise<T>): Promise<T> {
  const image = await VhdImage.open(ctx, p, { writable, container: opts.container ?? 'auto' });
  try {
    return await fn(image);
  } finally {
    await image.close();
  }
}

/** Sets or clears blktap's hidden flag (vhd-util set -f hidden). */
export async function setHidden(ctx: VhdContext, p: string, hidden: boolean, opts: Opts = {}): Promise<void> {
  await withImage(ctx, p, true, opts, async (image) => {
    image.footer.hidden = hidden ? 1 : 0;
    await image.writeFooter();
  });
}

/** Sets the one-byte marker in the batmap header (vhd-util set -f marker). */
export async function setMarker(ctx: VhdContext, p: string, marker: number, opts: Opts = {}): Promise<void> {
  await withImage(ctx, p, true, opts, async (image) => {
    await image.loadBatmap();
    if (!image.batmap) throw new VhdError('no batmap to hold the marker', { path: p });
    image.batmap.header.marker = marker & 0xff;
    await image.writeBatmap();
  });
}

/**
 * Re-points a differencing image at `parentPath` (vhd-util modify -p, used to relink after coalesce):
 * parent uuid (null for RAW), time stamp, name and the locators, rewritten in their existing space.
 */
export async function setParent(ctx: VhdContext, p: string, parentPath: string, options: Opts & { readonly parentRaw?: boolean } = {}): Promise<void> {
  let uuid: Buffer;
  let mtime: number;
  try {
    mtime = (await stat(hostPath(ctx.root, parentPath))).mtimeMs;
    if (options.parentRaw) {
      await (await RawImage.open(ctx, parentPath)).close();
      uuid = Buffer.alloc(16);
    } else {
      const parent = await VhdImage.open(ctx, parentPath);
      uuid = Buffer.from(parent.footer.uuid);
      await parent.close();
    }
  } catch (error) {
    if (error instanceof VhdError && !(error.name === 'VhdNotFoundError')) throw error;
    throw new VhdParentMissingError(p, parentPath, { cause: error });
  }
  await withImage(ctx, p, true, options, async (image) => {
    if (!image.isDifferencing) throw new VhdInvalidArgumentError('not a differencing image', { path: p });
    const writes: { offset: number; data: Buffer; slot: number }[] = [];
    image.header.locators.forEach((l, slot) => {
      if (l.code === 0) return;
      const data = encodeLocator(l.code, parentPath);
      const space = locatorSpaceBytes(l);
      if (data.length > space) throw new VhdInvalidArgumentError(`parent path too long for locator ${slot} (${data.length} > ${space} bytes)`, { path: p });
      const padded = Buffer.alloc(space);
      data.copy(padded);
      writes.push({ offset: l.dataOffset, data: padded, slot });
    });
    if (writes.length === 0) throw new VhdError('no parent locator to rewrite', { path: p });
    for (const w of writes) {
      await image.container.write(w.offset, w.data);
      const l = image.header.locators[w.slot];
      if (l) l.dataLength = encodeLocator(l.code, parentPath).length;
    }
    image.header.parentUuid = uuid;
    image.header.parentTimestamp = vhdTime(mtime);
    image.header.parentName = encodeParentName(parentPath);
    await image.writeHeader();
  });
}

/**
 * Moves the footer to `bytes − 512` (vhd-util modify -s): inflate after LINSTOR grew the device, or
 * deflate down to the used size. Refuses sizes that would cut data or exceed a fixed container.
 */
export async function setPhysicalSize(ctx: VhdContext, p: string, bytes: number, opts: Opts = {}): Promise<void> {
  await withImage(ctx, p, true, opts, async (image) => {
    if (!Number.isSafeInteger(bytes) || bytes % SECTOR_SIZE !== 0) throw new VhdInvalidArgumentError(`physical size ${bytes} is not a multiple of 512`, { path: p });
    const phys = await image.physicalSize();
    if (bytes < phys) throw new VhdInvalidArgumentError(`new size (${bytes}) < phys size (${phys}): would lose data`, { path: p });
    const c = image.container;
    if (c.kind === 'fixed' && bytes > c.size) throw new VhdNoSpaceError(p, bytes, c.size);
    const footer = encodeFooter(image.footer);
    await c.write(bytes - FOOTER_SIZE, footer);
    if (c.kind === 'plain' && c.size > bytes) await c.truncate(bytes);
    await c.write(0, footer);
  });
}

/** Fast resize (vhd-util resize -f): grows the virtual size within the preallocated BAT. */
export async function resizeVhd(ctx: VhdContext, p: string, sizeBytes: number, opts: Opts = {}): Promise<void> {
  await withImage(ctx, p, true, opts, async (image) => {
    const size = Math.ceil(sizeBytes / BLOCK_SIZE) * BLOCK_SIZE;
    if (size < image.virtualSize) throw new VhdInvalidArgumentError(`shrinking from ${image.virtualSize} to ${size} is not supported`, { path: p });
    const max = image.header.maxBatEntries * BLOCK_SIZE;
    if (size > max) throw new VhdInvalidArgumentError(`not enough metadata space reserved for fast resize (max ${max} bytes, need ${size})`, { path: p });
    await image.physicalSize(); // validates the BAT before anything changes
    image.footer.currentSize = size;
    image.footer.geometry = chsGeometry(size);
    image.invalidate();
    await image.writeBatmap();
    await image.writeFooter();
  });
}

/** Drops all data (vhd-util modify -z, "kill data"): every BAT entry unused, batmap cleared. */
export async function killData(ctx: VhdContext, p: string, opts: Opts = {}): Promise<void> {
  await withImage(ctx, p, true, opts, async (image) => {
    const bat = await image.bat();
    const raw = Buffer.alloc(Math.ceil((image.header.maxBatEntries * 4) / SECTOR_SIZE) * SECTOR_SIZE);
    for (let i = 0; i < image.header.maxBatEntries; i += 1) raw.writeUInt32BE(BLOCK_UNUSED, i * 4);
    await image.container.write(image.header.tableOffset, raw);
    bat.fill(BLOCK_UNUSED);
    image.invalidate();
    if (image.batmap) {
      image.batmap.map.fill(0);
      await image.writeBatmap();
    }
    await image.writeFooter();
  });
}

/** The key hash stored in the batmap header, if any (vhd-util key -p). */
export async function getKeyHash(ctx: VhdContext, p: string, opts: Opts = {}): Promise<KeyHash | undefined> {
  return withImage(ctx, p, false, opts, async (image) => (await image.loadBatmap())?.header.keyHash);
}

/** Stores a key hash (vhd-util key -s -H); only on an image that holds no data yet, as vhd-util requires. */
export async function setKeyHash(ctx: VhdContext, p: string, keyHash: KeyHash, opts: Opts = {}): Promise<void> {
  if (keyHash.hash.length !== 32 || keyHash.nonce.length !== 32) throw new VhdInvalidArgumentError('key hash and nonce must be 32 bytes each', { path: p });
  await withImage(ctx, p, true, opts, async (image) => {
    await image.loadBatmap();
    if (!image.batmap) throw new VhdError("can't save key hashes without a batmap", { path: p });
    if ((await image.allocatedBlocks()) !== 0) throw new VhdInvalidArgumentError("can't save key hashes for non-empty vhds", { path: p });
    image.batmap.header.keyHash = keyHash;
    await image.writeBatmap();
  });
}

/** The image's own uuid in text form. */
export async function getUuid(ctx: VhdContext, p: string, opts: Opts = {}): Promise<string> {
  return withImage(ctx, p, false, opts, async (image) => uuidToString(image.footer.uuid));
}
