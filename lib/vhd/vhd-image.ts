import {
  BITMAP_SIZE, BLOCK_SIZE, BLOCK_UNUSED, DISK_TYPE, FOOTER_SIZE, HEADER_SIZE, POISON_COOKIE, SECTOR_SIZE,
  SECTORS_PER_BLOCK,
} from './constants.js';
import { Container, type ContainerOption, type VhdContext } from './container.js';
import { VhdError, VhdFormatError } from './errors.js';
import { decodeFooter, encodeFooter, parseFooter, type Footer } from './footer.js';
import { encodeHeader, locatorSpaceBytes, parseHeader, validateLocators, type Header } from './header.js';
import { computeBatmapChecksum, encodeBatmapHeader, parseBatmapHeader, type BatmapHeader } from './batmap.js';
import { decodeLocator, resolveParentPath } from './locator.js';
import { allSet, setBit, clearBit, testBit } from './bitmap.js';

/** Options of VhdImage.open. */
export type OpenOptions = { readonly writable?: boolean; readonly container?: ContainerOption };

/**
 * One open VHD (dynamic or differencing; blktap never makes fixed ones for SM): its footer, header,
 * BAT and batmap, and the primitives the operations build on. BAT and batmap are read lazily, so a header
 * query on an image preallocated for 2 TiB reads two sectors.
 */
export class VhdImage {
  readonly container: Container;
  footer: Footer;
  header: Header;
  /** Where the footer was read: the end of the used area, or the copy at offset 0 (end footer damaged). */
  readonly footerSource: 'end' | 'copy';
  batmap: { header: BatmapHeader; map: Buffer } | undefined;
  #bat: Uint32Array | undefined;
  readonly #bitmaps = new Map<number, Buffer>();
  /** BAT entries and batmap sectors changed in memory, written by flushMetadata(). */
  readonly #dirtyBat = new Set<number>();
  readonly #dirtyBatmap = new Set<number>();

  private constructor(container: Container, footer: Footer, header: Header, source: 'end' | 'copy') {
    this.container = container;
    this.footer = footer;
    this.header = header;
    this.footerSource = source;
  }

  /** Opens and validates the image at dom0 path `p` (footer at the end, else its copy at 0, as vhd-util). */
  static async open(ctx: VhdContext, p: string, options: OpenOptions = {}): Promise<VhdImage> {
    const c = await Container.open(ctx, p, options);
    try {
      return await VhdImage.fromContainer(c);
    } catch (error) {
      await c.close();
      throw error;
    }
  }

  /** Parses the metadata of an already open container. */
  static async fromContainer(c: Container): Promise<VhdImage> {
    if (c.size < FOOTER_SIZE + HEADER_SIZE + FOOTER_SIZE) {
      throw new VhdFormatError('file length', `≥ ${FOOTER_SIZE * 2 + HEADER_SIZE} bytes`, c.size, { path: c.path });
    }
    let footer: Footer;
    let source: 'end' | 'copy' = 'end';
    try {
      footer = parseFooter(await c.read(c.size - FOOTER_SIZE, FOOTER_SIZE), c.path);
    } catch (endError) {
      try {
        footer = parseFooter(await c.read(0, FOOTER_SIZE), c.path);
        source = 'copy';
      } catch {
        throw endError;
      }
    }
    if (footer.cookie === POISON_COOKIE) throw new VhdFormatError('footer cookie', '"conectix"', '"v_poison" (disabled)', { path: c.path });
    if (footer.diskType === DISK_TYPE.fixed) throw new VhdFormatError('disk type', 'dynamic or differencing', 'fixed', { path: c.path });
    const dataOffset = Number(footer.dataOffset);
    const header = parseHeader(await c.read(dataOffset, HEADER_SIZE), c.path);
    if (footer.currentSize > header.maxBatEntries * BLOCK_SIZE) {
      throw new VhdFormatError('virtual size', `≤ ${header.maxBatEntries * BLOCK_SIZE} (BAT entries × 2 MiB)`, footer.currentSize, { path: c.path });
    }
    const image = new VhdImage(c, footer, header, source);
    validateLocators(header, image.metadataLimit, c.path);
    return image;
  }

  get path(): string {
    return this.container.path;
  }
  get isDifferencing(): boolean {
    return this.footer.diskType === DISK_TYPE.differencing;
  }
  get virtualSize(): number {
    return this.footer.currentSize;
  }
  /** Blocks addressable at the current virtual size. */
  get blockCount(): number {
    return Math.ceil(this.footer.currentSize / BLOCK_SIZE);
  }
  /** blktap images (creator `tap`, version ≥ 1.2) carry a batmap after the BAT. */
  get hasBatmap(): boolean {
    return this.footer.creatorApp === 'tap' && this.footer.creatorVersion >= 0x00010002;
  }
  /** A differencing image whose parent uuid is null has a RAW parent (vhd_parent_raw). */
  get parentIsRaw(): boolean {
    return this.isDifferencing && this.header.parentUuid.every((b) => b === 0);
  }

  /** Where metadata and blocks must end: the end footer, or the file's end when only the copy at 0 is valid. */
  get metadataLimit(): number {
    return this.footerSource === 'end' ? this.container.size - FOOTER_SIZE : this.container.size;
  }

  /** Byte offset of the batmap header: the sector after the padded BAT. */
  get batmapHeaderOffset(): number {
    return this.header.tableOffset + Math.ceil((this.header.maxBatEntries * 4) / SECTOR_SIZE) * SECTOR_SIZE;
  }

  /**
   * Reads and validates blktap's batmap on first use (the BAT's first use loads it too), so that a
   * header query of an image preallocated for 2 TiB does not read its 128 KiB map.
   */
  async loadBatmap(): Promise<{ header: BatmapHeader; map: Buffer } | undefined> {
    if (this.batmap || !this.hasBatmap) return this.batmap;
    const header = parseBatmapHeader(await this.container.read(this.batmapHeaderOffset, SECTOR_SIZE), this.path);
    const mapEnd = header.mapOffset + header.mapSectors * SECTOR_SIZE;
    if (!Number.isSafeInteger(mapEnd) || mapEnd > this.metadataLimit) {
      throw new VhdFormatError('batmap map', `within the file (before byte ${this.metadataLimit})`, `bytes ${header.mapOffset}..${mapEnd}`, { path: this.path });
    }
    const map = await this.container.read(header.mapOffset, header.mapSectors * SECTOR_SIZE);
    const sum = computeBatmapChecksum(header, map, this.footer.currentSize);
    if (sum !== header.checksum) {
      throw new VhdFormatError('batmap checksum', `0x${sum.toString(16)}`, `0x${header.checksum.toString(16)}`, { path: this.path });
    }
    this.batmap = { header, map };
    return this.batmap;
  }

  /** First byte after all metadata (vhd_end_of_headers). */
  async endOfHeaders(): Promise<number> {
    await this.loadBatmap();
    let end = Math.max(Number(this.footer.dataOffset) + HEADER_SIZE, this.batmapHeaderOffset);
    if (this.batmap) end = Math.max(end, this.batmapHeaderOffset + SECTOR_SIZE, this.batmap.header.mapOffset + this.batmap.header.mapSectors * SECTOR_SIZE);
    for (const l of this.header.locators) if (l.code !== 0) end = Math.max(end, l.dataOffset + locatorSpaceBytes(l));
    return end;
  }

  /** The BAT entries for the current virtual size (sector offsets or BLOCK_UNUSED), validated on first use. */
  async bat(): Promise<Uint32Array> {
    if (this.#bat) return this.#bat;
    await this.loadBatmap();
    const n = this.blockCount;
    const limit = this.metadataLimit;
    if (this.header.tableOffset + n * 4 > limit) {
      throw new VhdFormatError('BAT', `within the file (before byte ${limit})`, `bytes ${this.header.tableOffset}..${this.header.tableOffset + n * 4}`, { path: this.path });
    }
    const raw = await this.container.read(this.header.tableOffset, n * 4);
    const bat = new Uint32Array(n);
    const minSector = Math.ceil((await this.endOfHeaders()) / SECTOR_SIZE);
    for (let i = 0; i < n; i += 1) {
      const e = raw.readUInt32BE(i * 4);
      if (e !== BLOCK_UNUSED) {
        const end = (e + 1) * SECTOR_SIZE + BLOCK_SIZE;
        if (e < minSector || end > limit) {
          throw new VhdFormatError(`BAT entry ${i}`, `a block within [${minSector * SECTOR_SIZE}, ${limit})`, `sector ${e} (bytes ${e * SECTOR_SIZE}..${end})`, { path: this.path });
        }
      }
      bat[i] = e;
    }
    this.#bat = bat;
    return bat;
  }

  /** Number of allocated blocks (query -a). */
  async allocatedBlocks(): Promise<number> {
    return (await this.bat()).reduce((n, e) => (e === BLOCK_UNUSED ? n : n + 1), 0);
  }

  /** End of the last block, or of the metadata (vhd_end_of_data), in bytes. */
  async endOfData(): Promise<number> {
    const bat = await this.bat();
    let max = Math.ceil((await this.endOfHeaders()) / SECTOR_SIZE);
    for (const e of bat) if (e !== BLOCK_UNUSED) max = Math.max(max, e + 1 + SECTORS_PER_BLOCK);
    return max * SECTOR_SIZE;
  }

  /** vhd_get_phys_size: end of data plus the footer. */
  async physicalSize(): Promise<number> {
    return (await this.endOfData()) + FOOTER_SIZE;
  }

  /** The sector bitmap of an allocated block (cached for this open). */
  async bitmap(block: number): Promise<Buffer> {
    const cached = this.#bitmaps.get(block);
    if (cached) return cached;
    const e = (await this.bat())[block];
    if (e === undefined || e === BLOCK_UNUSED) return Buffer.alloc(BITMAP_SIZE);
    const map = await this.container.read(e * SECTOR_SIZE, BITMAP_SIZE);
    this.#bitmaps.set(block, map);
    return map;
  }

  /** Byte offset of the data of an allocated block, or undefined. */
  async blockDataOffset(block: number): Promise<number | undefined> {
    const e = (await this.bat())[block];
    return e === undefined || e === BLOCK_UNUSED ? undefined : (e + 1) * SECTOR_SIZE;
  }

  /** The parent's dom0 path from the first readable locator, resolved against this image's path (vhd_parent_locator_get). */
  async parentPath(): Promise<string | undefined> {
    if (!this.isDifferencing) return undefined;
    for (const l of this.header.locators) {
      if (l.code === 0) continue;
      const space = locatorSpaceBytes(l);
      if (space === 0 || l.dataLength > space) continue;
      const decoded = decodeLocator(l.code, await this.container.read(l.dataOffset, l.dataLength));
      if (decoded) return resolveParentPath(this.path, decoded);
    }
    throw new VhdFormatError('parent locators', 'a readable MacX, W2ku or W2ru locator', 'none', { path: this.path });
  }

  /** Where the end footer goes: the container's last sector (fixed) or right after the data (plain). */
  async endFooterOffset(): Promise<number> {
    return this.container.kind === 'fixed' ? this.container.size - FOOTER_SIZE : this.endOfData();
  }

  /** Writes the footer at the end and its copy at 0 (vhd_write_footer); a plain file ends right after it. */
  async writeFooter(): Promise<void> {
    const bytes = encodeFooter(this.footer);
    const at = await this.endFooterOffset();
    await this.container.write(at, bytes);
    if (this.container.kind === 'plain' && this.container.size !== at + FOOTER_SIZE) await this.container.truncate(at + FOOTER_SIZE);
    await this.container.write(0, bytes);
  }

  /** Rewrites the dynamic header. */
  async writeHeader(): Promise<void> {
    await this.container.write(Number(this.footer.dataOffset), encodeHeader(this.header));
  }

  /** Rewrites the whole batmap (map and header, checksum recomputed). */
  async writeBatmap(): Promise<void> {
    if (!this.batmap) return;
    const { header, map } = this.batmap;
    header.checksum = computeBatmapChecksum(header, map, this.footer.currentSize);
    await this.container.write(header.mapOffset, map);
    await this.container.write(this.batmapHeaderOffset, encodeBatmapHeader(header));
    this.#dirtyBatmap.clear();
  }

  /**
   * Records a newly written block: BAT entry, cached bitmap and batmap bit change in memory and reach
   * the disk at flushMetadata(), after the block's data (a block is invisible until the BAT names it).
   */
  async adoptBlock(block: number, sector: number, map: Buffer): Promise<void> {
    const bat = await this.bat();
    bat[block] = sector;
    this.#dirtyBat.add(block);
    this.#bitmaps.set(block, map);
    this.#noteBatmap(block, map);
  }

  /** Writes block `block`'s sector bitmap in place, and keeps its batmap bit in step (set when full). */
  async writeBitmap(block: number, map: Buffer): Promise<void> {
    const e = (await this.bat())[block];
    if (e === undefined || e === BLOCK_UNUSED) throw new VhdError(`block ${block} is not allocated`, { path: this.path });
    await this.container.write(e * SECTOR_SIZE, map);
    this.#bitmaps.set(block, map);
    this.#noteBatmap(block, map);
  }

  #noteBatmap(block: number, map: Buffer): void {
    if (!this.batmap) return;
    const full = allSet(map, SECTORS_PER_BLOCK);
    if (full === testBit(this.batmap.map, block)) return;
    if (full) setBit(this.batmap.map, block);
    else clearBit(this.batmap.map, block);
    this.#dirtyBatmap.add(block);
  }

  /** Writes the BAT entries and batmap sectors changed since the last flush. */
  async flushMetadata(): Promise<void> {
    const bat = this.#bat;
    if (bat && this.#dirtyBat.size) {
      const sectors = new Set([...this.#dirtyBat].map((b) => Math.floor((b * 4) / SECTOR_SIZE)));
      for (const sector of sectors) {
        const perSector = SECTOR_SIZE / 4;
        const start = sector * perSector;
        const end = Math.min(start + perSector, bat.length);
        // A sector reaching past the current size keeps the entries the disk holds there.
        const raw = start + perSector > bat.length ? await this.container.read(this.header.tableOffset + sector * SECTOR_SIZE, SECTOR_SIZE) : Buffer.alloc(SECTOR_SIZE);
        for (let b = start; b < end; b += 1) raw.writeUInt32BE(bat[b] ?? BLOCK_UNUSED, (b - start) * 4);
        await this.container.write(this.header.tableOffset + sector * SECTOR_SIZE, raw);
      }
      this.#dirtyBat.clear();
    }
    if (this.batmap && this.#dirtyBatmap.size) {
      const { header, map } = this.batmap;
      const sectors = new Set([...this.#dirtyBatmap].map((b) => Math.floor(b / 8 / SECTOR_SIZE)));
      for (const sector of sectors) await this.container.write(header.mapOffset + sector * SECTOR_SIZE, map.subarray(sector * SECTOR_SIZE, (sector + 1) * SECTOR_SIZE));
      header.checksum = computeBatmapChecksum(header, map, this.footer.currentSize);
      await this.container.write(this.batmapHeaderOffset, encodeBatmapHeader(header));
      this.#dirtyBatmap.clear();
    }
  }

  /** Forgets in-memory copies that an on-disk change outside this object made stale. */
  invalidate(): void {
    this.#bat = undefined;
    this.#bitmaps.clear();
    this.#dirtyBat.clear();
  }

  async close(): Promise<void> {
    await this.container.close();
  }
}

/** Re-reads the footer at `offset` without validation (check and read -p inspect damaged files). */
export async function rawFooterAt(c: Container, offset: number): Promise<Footer> {
  return decodeFooter(await c.read(offset, FOOTER_SIZE));
}
