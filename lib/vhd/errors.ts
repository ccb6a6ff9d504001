/**
 * Typed errors of lib/vhd (STYLE.md §6.4). Callers map them to SR errors at the boundary; every one
 * carries a precise reason, and none is thrown after a partial write (operations validate first).
 */

/** Base of every VHD error: a message naming the file and the reason. */
export class VhdError extends Error {
  override name = 'VhdError';
  /** The dom0 path of the image concerned, when there is one. */
  readonly path: string | undefined;
  constructor(message: string, options: { path?: string | undefined; cause?: unknown } = {}) {
    super(options.path ? `${options.path}: ${message}` : message, { cause: options.cause });
    this.path = options.path;
  }
}

/** A structure on disk is not what the format requires (cookie, checksum, offset, length…). */
export class VhdFormatError extends VhdError {
  override name = 'VhdFormatError';
  readonly field: string;
  readonly expected: string;
  readonly actual: string;
  constructor(field: string, expected: unknown, actual: unknown, options: { path?: string | undefined; cause?: unknown } = {}) {
    super(`invalid ${field}: expected ${String(expected)}, found ${String(actual)}`, options);
    this.field = field;
    this.expected = String(expected);
    this.actual = String(actual);
  }
}

/** A chain would hold (or holds) more images than MAX_CHAIN_DEPTH. */
export class VhdChainTooLongError extends VhdError {
  override name = 'VhdChainTooLongError';
  readonly depth: number;
  readonly max: number;
  constructor(depth: number, max: number, options: { path?: string | undefined } = {}) {
    super(`chain depth ${depth} exceeds the maximum of ${max}`, options);
    this.depth = depth;
    this.max = max;
  }
}

/** Following parent locators leads back to an image already in the chain. */
export class VhdParentLoopError extends VhdError {
  override name = 'VhdParentLoopError';
  readonly chain: readonly string[];
  constructor(chain: readonly string[]) {
    super(`parent loop: ${chain.join(' -> ')}`, { path: chain[0] });
    this.chain = chain;
  }
}

/** A differencing image's parent cannot be found or opened. */
export class VhdParentMissingError extends VhdError {
  override name = 'VhdParentMissingError';
  readonly parentPath: string;
  constructor(childPath: string, parentPath: string, options: { cause?: unknown } = {}) {
    super(`parent ${parentPath} not found`, { path: childPath, ...options });
    this.parentPath = parentPath;
  }
}

/** The container (a device, or the file standing for one) has no room left before its footer. */
export class VhdNoSpaceError extends VhdError {
  override name = 'VhdNoSpaceError';
  readonly neededBytes: number;
  readonly containerBytes: number;
  constructor(path: string, neededBytes: number, containerBytes: number) {
    super(`container too small: needs ${neededBytes} bytes, has ${containerBytes}`, { path });
    this.neededBytes = neededBytes;
    this.containerBytes = containerBytes;
  }
}

/** A caller asked for something the format or SM's rules do not allow (size, range, state). */
export class VhdInvalidArgumentError extends VhdError {
  override name = 'VhdInvalidArgumentError';
}

/** The image or a needed file does not exist (ENOENT), as SM distinguishes it. */
export class VhdNotFoundError extends VhdError {
  override name = 'VhdNotFoundError';
}
