/**
 * The DRBD options that keep the controller database safe under drbd-reactor (sm's
 * `set_drbd_ha_properties`, spec/sm-changes-2026.md §7): quorum by majority, no auto-promote (only
 * drbd-reactor promotes), and I/O errors rather than a stale or frozen Primary when data or quorum is
 * lost. They are set at every master attach, not at creation: with auto-promote off, the mkfs of
 * sr_create and the moves of the database in and out of the volume could not open it.
 */
import type { LinstorApi } from '../linstor/index.js';
import { VolumeError } from './errors.js';
import type { ResourceName } from './naming.js';

/** The six properties and their values, exactly as the Python driver sets them. */
export const DRBD_HA_PROPERTIES: Readonly<Record<string, string>> = {
  'DrbdOptions/auto-quorum': 'disabled',
  'DrbdOptions/Resource/auto-promote': 'no',
  'DrbdOptions/Resource/on-no-data-accessible': 'io-error',
  'DrbdOptions/Resource/on-no-quorum': 'io-error',
  'DrbdOptions/Resource/on-suspended-primary-outdated': 'force-secondary',
  'DrbdOptions/Resource/quorum': 'majority',
};

/** Setting or removing the HA options failed; the message is the Python driver's. */
export class DrbdHaPropertiesError extends VolumeError {
  override name = 'DrbdHaPropertiesError';
  constructor(
    readonly resource: ResourceName,
    options: { cause?: unknown } = {},
  ) {
    const detail = options.cause instanceof Error ? options.cause.message : String(options.cause);
    super(`Could not modify HA DRBD properties on volume \`${resource}\`: ${detail}`, options);
  }
}

/**
 * Sets the HA options on the resource definition `resource` (one request), or deletes all six when
 * `enabled` is false. Either way the other properties of the definition are left alone.
 */
export async function setDrbdHaProperties(linstor: LinstorApi, resource: ResourceName, enabled = true): Promise<void> {
  try {
    if (enabled) await linstor.resourceDefinitions.setProps(resource, DRBD_HA_PROPERTIES);
    else await linstor.resourceDefinitions.setProps(resource, {}, Object.keys(DRBD_HA_PROPERTIES));
  } catch (error) {
    throw new DrbdHaPropertiesError(resource, { cause: error });
  }
}
