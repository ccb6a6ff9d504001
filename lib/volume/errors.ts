/**
 * The `VolumeError` family (STYLE.md §6.4): what `lib/volume` throws. Each carries the LINSTOR error
 * that caused it in `cause`; only the driver, plugin and GC map them to SR error codes.
 */
import type { VdiUuid } from './naming.js';

/** Base of every volume-manager error. */
export class VolumeError extends Error {
  override name = 'VolumeError';
  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, options.cause === undefined ? {} : { cause: options.cause });
  }
}

/** The VDI has no usable volume in this SR (sm `ERR_VOLUME_NOT_EXISTS`). */
export class VolumeNotFoundError extends VolumeError {
  override name = 'VolumeNotFoundError';
  constructor(
    readonly vdiUuid: VdiUuid,
    options: { cause?: unknown } = {},
  ) {
    super(`volume of VDI ${vdiUuid} does not exist`, options);
  }
}

/** The VDI uuid or the resource name is already taken (sm `ERR_VOLUME_EXISTS`). */
export class VolumeExistsError extends VolumeError {
  override name = 'VolumeExistsError';
  constructor(
    readonly vdiUuid: VdiUuid,
    detail = 'already exists',
    options: { cause?: unknown } = {},
  ) {
    super(`volume of VDI ${vdiUuid} ${detail}`, options);
  }
}

/** Another host holds the volume lock (`readonly-timestamp`) beyond the wait allowed. */
export class VolumeLockedError extends VolumeError {
  override name = 'VolumeLockedError';
  constructor(
    readonly vdiUuid: VdiUuid,
    readonly waitedMs: number,
  ) {
    super(`volume of VDI ${vdiUuid} is still locked after ${Math.round(waitedMs)} ms`);
  }
}

/**
 * A destroy refused because the DRBD device is open (Primary) on some node, seen in the resource view or
 * answered by LINSTOR (`FAIL_IN_USE`); nothing was changed. The message is the Python driver's
 * (`ERR_VOLUME_IN_USE`).
 */
export class VolumeInUseError extends VolumeError {
  override name = 'VolumeInUseError';
  constructor(
    readonly vdiUuid: VdiUuid,
    options: { cause?: unknown } = {},
  ) {
    super(`Could not destroy volume \`${vdiUuid}\` as it is currently in use`, options);
  }
}

/** Creating the volume failed; the KV and LINSTOR were cleaned up (or are left for repair to finish). */
export class VolumeCreateError extends VolumeError {
  override name = 'VolumeCreateError';
  constructor(
    readonly vdiUuid: VdiUuid,
    options: { cause?: unknown } = {},
  ) {
    super(`cannot create volume of VDI ${vdiUuid}${causeText(options.cause)}`, options);
  }
}

/** Destroying failed (sm `ERR_VOLUME_DESTROY`); the KV stays NOT_EXISTS so that the next repair retries. */
export class VolumeDestroyError extends VolumeError {
  override name = 'VolumeDestroyError';
  constructor(
    readonly vdiUuid: VdiUuid,
    options: { cause?: unknown } = {},
  ) {
    super(`cannot destroy volume of VDI ${vdiUuid}${causeText(options.cause)}`, options);
  }
}

/** Growing the volume failed (LINSTOR never shrinks); the message is the Python driver's. */
export class VolumeResizeError extends VolumeError {
  override name = 'VolumeResizeError';
  constructor(
    readonly vdiUuid: VdiUuid,
    /** The SR's resource group, which the Python message calls the SR. */
    readonly resourceGroup: string,
    options: { cause?: unknown } = {},
  ) {
    super(`Could not resize volume \`${vdiUuid}\` from SR \`${resourceGroup}\`: ${options.cause instanceof Error ? options.cause.message : String(options.cause)}`, options);
  }
}

/**
 * The replicas were still not in sync when the wait before a resize ran out: the size was not changed.
 * The message is the Python driver's word for word; what goes on in the background is the resync.
 */
export class VolumeResizeTimeoutError extends VolumeError {
  override name = 'VolumeResizeTimeoutError';
  constructor(
    readonly vdiUuid: VdiUuid,
    readonly resourceGroup: string,
  ) {
    super(`Volume resizing of \`${vdiUuid}\` from SR \`${resourceGroup}\` is incomplete: timeout reached but it continues in background.`);
  }
}

/** The SR's resource group does not exist: not a LINSTOR SR of this group (sm `ERR_GROUP_NOT_EXISTS`). */
export class VolumeGroupNotFoundError extends VolumeError {
  override name = 'VolumeGroupNotFoundError';
  constructor(
    readonly resourceGroup: string,
    options: { cause?: unknown } = {},
  ) {
    super(`unable to find the LINSTOR SR resource group ${resourceGroup}`, options);
  }
}

function causeText(cause: unknown): string {
  return cause instanceof Error ? `: ${cause.message}` : '';
}
