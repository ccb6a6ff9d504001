import { Container, type VhdContext } from './container.js';

/** A RAW parent (snapshot -m): a plain device or file read as-is; its size is the container's. */
export class RawImage {
  readonly container: Container;
  private constructor(c: Container) {
    this.container = c;
  }

  /** Opens the raw image at dom0 path `p` read-only (parents are never opened read-write, SM commit 383d6484). */
  static async open(ctx: VhdContext, p: string): Promise<RawImage> {
    return new RawImage(await Container.open(ctx, p, { writable: false }));
  }

  /** Opens it writable, for coalescing into a RAW parent. */
  static async openWritable(ctx: VhdContext, p: string): Promise<RawImage> {
    return new RawImage(await Container.open(ctx, p, { writable: true, container: 'fixed' }));
  }

  get path(): string {
    return this.container.path;
  }
  get virtualSize(): number {
    return this.container.size;
  }

  async close(): Promise<void> {
    await this.container.close();
  }
}
