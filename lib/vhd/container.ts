import { open, readFile, type FileHandle } from 'node:fs/promises';
import { hostPath } from '../host/env.js';
import { run, type Exec } from '../exec/run.js';
import { VhdError, VhdNotFoundError } from './errors.js';

/**
 * Where a VHD lives. A *fixed* container is a block device, or a file standing for one (a dom0 path
 * under /dev/, as the simulator lays devices out): its size is LINSTOR's business, so it is never
 * truncated or extended and the footer sits at its end, as vhd-util does on a block device. A *plain*
 * file belongs to the VHD code: it grows with the data and ends with the footer, as vhd-util does on a
 * regular file (DESIGN.md "Containers are never resized").
 */
export type ContainerKind = 'fixed' | 'plain';

/** How callers choose the container kind; `auto` applies the rule above. */
export type ContainerOption = 'auto' | ContainerKind;

/** The largest length one read(2) is given: Node's fs binding takes an int32. */
const MAX_READ_BYTES = 2 ** 30;

/** What every lib/vhd entry point needs: the host root under which dom0 paths are opened. */
export type VhdContext = {
  /** LINSTOR_SR_ROOT (`/` in production). */
  readonly root: string;
  /** Runs `blockdev --getsize64` when /sys cannot size a block device; injectable in tests. */
  readonly exec?: Exec;
};

/** An open container: positional I/O on a FileHandle, sized correctly for block devices. */
export class Container {
  /** The dom0 path the caller named. */
  readonly path: string;
  readonly kind: ContainerKind;
  readonly writable: boolean;
  readonly isBlockDevice: boolean;
  #handle: FileHandle;
  #size: number;

  private constructor(p: string, handle: FileHandle, size: number, kind: ContainerKind, writable: boolean, isBlock: boolean) {
    this.path = p;
    this.#handle = handle;
    this.#size = size;
    this.kind = kind;
    this.writable = writable;
    this.isBlockDevice = isBlock;
  }

  /**
   * Opens the dom0 path `p` under ctx.root. `create` makes a plain file (truncated, like vhd-util create
   * on a regular file); it is refused for fixed containers, which must already exist.
   */
  static async open(ctx: VhdContext, p: string, options: { writable?: boolean; container?: ContainerOption; create?: boolean } = {}): Promise<Container> {
    const local = hostPath(ctx.root, p);
    const writable = options.writable ?? false;
    const pathSaysFixed = p.startsWith('/dev/');
    let handle: FileHandle;
    try {
      const wantFixed = options.container === 'fixed' || (options.container !== 'plain' && pathSaysFixed);
      const flags = options.create && !wantFixed ? 'w+' : writable ? 'r+' : 'r';
      handle = await open(local, flags);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') throw new VhdNotFoundError('no such file', { path: p, cause: error });
      throw new VhdError(`cannot open: ${(error as Error).message}`, { path: p, cause: error });
    }
    try {
      const st = await handle.stat();
      const isBlock = st.isBlockDevice();
      const size = isBlock ? await blockDeviceSize(ctx, local, st.rdev) : st.size;
      const kind: ContainerKind =
        options.container === 'fixed' || options.container === 'plain'
          ? options.container
          : isBlock || pathSaysFixed
            ? 'fixed'
            : 'plain';
      return new Container(p, handle, size, kind, writable, isBlock);
    } catch (error) {
      await handle.close();
      throw error instanceof VhdError ? error : new VhdError(`cannot size: ${(error as Error).message}`, { path: p, cause: error });
    }
  }

  /** Current size in bytes (a block device's real size, not fstat's 0). */
  get size(): number {
    return this.#size;
  }

  /**
   * Reads exactly `length` bytes at `position`; bytes past the end read as zeros. A read longer than the
   * whole container is refused before allocating: such a length comes from a damaged field, never from
   * a valid image.
   */
  async read(position: number, length: number): Promise<Buffer> {
    if (length > this.#size) {
      throw new VhdError(`read of ${length} bytes at ${position} is longer than the container (${this.#size} bytes)`, { path: this.path });
    }
    const buf = Buffer.alloc(length);
    await this.readInto(buf, position);
    return buf;
  }

  /** Fills `buf` from `position`; what lies past the end stays zero. Returns the bytes actually read. */
  async readInto(buf: Buffer, position: number): Promise<number> {
    let done = 0;
    while (done < buf.length) {
      // Node asserts (a native abort, not an exception) on a read length past 2^31 − 1.
      const { bytesRead } = await this.#handle.read(buf, done, Math.min(buf.length - done, MAX_READ_BYTES), position + done);
      if (bytesRead === 0) break;
      done += bytesRead;
    }
    return done;
  }

  /** Writes all of `buf` at `position`. A fixed container is never written past its end. */
  async write(position: number, buf: Uint8Array): Promise<void> {
    if (!this.writable) throw new VhdError('opened read-only', { path: this.path });
    if (this.kind === 'fixed' && position + buf.length > this.#size) {
      throw new VhdError(`write of ${buf.length} bytes at ${position} past the container end ${this.#size}`, { path: this.path });
    }
    let done = 0;
    while (done < buf.length) {
      const { bytesWritten } = await this.#handle.write(buf, done, buf.length - done, position + done);
      done += bytesWritten;
    }
    if (position + buf.length > this.#size) this.#size = position + buf.length;
  }

  /** Writes `buffers` back to back from `position` in one vectored write where the kernel allows. */
  async writev(buffers: readonly Buffer[], position: number): Promise<void> {
    const total = buffers.reduce((n, b) => n + b.length, 0);
    if (!this.writable) throw new VhdError('opened read-only', { path: this.path });
    if (this.kind === 'fixed' && position + total > this.#size) {
      throw new VhdError(`write of ${total} bytes at ${position} past the container end ${this.#size}`, { path: this.path });
    }
    const { bytesWritten } = await this.#handle.writev([...buffers], position);
    if (bytesWritten < total) await this.write(position + bytesWritten, Buffer.concat([...buffers]).subarray(bytesWritten));
    if (position + total > this.#size) this.#size = position + total;
  }

  /** Sets a plain file's length (the only resize lib/vhd ever does). */
  async truncate(length: number): Promise<void> {
    if (this.kind !== 'plain') throw new VhdError('refusing to resize a fixed container', { path: this.path });
    await this.#handle.truncate(length);
    this.#size = length;
  }

  /** Flushes data to stable storage. */
  async sync(): Promise<void> {
    await this.#handle.sync();
  }

  async close(): Promise<void> {
    await this.#handle.close();
  }
}

/** A block device's size: /sys/dev/block/<major>:<minor>/size × 512, else `blockdev --getsize64` (toolchain.md §4). */
async function blockDeviceSize(ctx: VhdContext, local: string, rdev: number): Promise<number> {
  const major = Math.floor(rdev / 256) & 0xfff;
  const minor = (rdev & 0xff) | ((Math.floor(rdev / 2 ** 12) & 0xfff00) >>> 0);
  try {
    const text = await readFile(`/sys/dev/block/${major}:${minor}/size`, 'utf8');
    const sectors = Number(text.trim());
    if (Number.isSafeInteger(sectors) && sectors > 0) return sectors * 512;
  } catch {
    // No sysfs entry (containers, other kernels): fall through to blockdev, which always knows.
  }
  const exec = ctx.exec ?? run;
  const { stdout } = await exec('blockdev', ['--getsize64', local]);
  const size = Number(stdout.trim());
  if (!Number.isSafeInteger(size)) throw new VhdError(`blockdev --getsize64 printed ${JSON.stringify(stdout)}`, { path: local });
  return size;
}
