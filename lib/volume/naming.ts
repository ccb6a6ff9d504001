/**
 * LINSTOR names of an SR and its volumes, exactly as the Python driver spells them (spec/sm-linstor.md
 * §3.1). The VDI uuid and the resource definition name are distinct branded strings: the KV key
 * `volume-name` maps one to the other, and renaming a VDI never renames its resource.
 */
import { randomUUID } from 'node:crypto';
import { groupNameProblem } from './group-name.js';

declare const brand: unique symbol;

/** A VDI uuid as XAPI knows it (also `DELETED_<uuid>` and GC names such as `OLD_<uuid>`). */
export type VdiUuid = string & { readonly [brand]: 'VdiUuid' };

/** A LINSTOR resource definition name (`xcp-volume-<uuid4>`, `xcp-persistent-*`, …). */
export type ResourceName = string & { readonly [brand]: 'ResourceName' };

/** LINSTOR's resource name rule: a letter or `_` first, then letters, digits, `_` and `-`. */
const RESOURCE_NAME = /^[A-Za-z_][A-Za-z0-9_-]*$/;

/** Thrown when a string cannot be a VDI uuid or a resource name. */
export class InvalidNameError extends TypeError {
  override name = 'InvalidNameError';
}

/**
 * Brands a VDI uuid read from XAPI or the KV. A `/` would split the KV namespace, so it is refused
 * (the uuid is a KV path segment).
 */
export function asVdiUuid(value: string): VdiUuid {
  if (value === '' || value.includes('/')) throw new InvalidNameError(`not a VDI uuid: ${JSON.stringify(value)}`);
  return value as VdiUuid;
}

/** True when `value` follows LINSTOR's resource name rule. */
export function isResourceName(value: string): boolean {
  return RESOURCE_NAME.test(value);
}

/** Brands a resource definition name; LINSTOR names start with a letter (hence the prefixes). */
export function asResourceName(value: string): ResourceName {
  if (!RESOURCE_NAME.test(value)) throw new InvalidNameError(`not a LINSTOR resource name: ${JSON.stringify(value)}`);
  return value as ResourceName;
}

/** Prefix of every VDI resource definition. */
export const VOLUME_NAME_PREFIX = 'xcp-volume-';
/** The LINSTOR controller's database volume (1 GiB ext4). */
export const DATABASE_VOLUME_NAME = 'xcp-persistent-database' as ResourceName;
/** The HA statefile volume. */
export const HA_STATEFILE_VOLUME_NAME = 'xcp-persistent-ha-statefile' as ResourceName;
/** The HA redo-log volume. */
export const REDO_LOG_VOLUME_NAME = 'xcp-persistent-redo-log' as ResourceName;
/** The prefix that keeps special volumes on satellite restart and makes the GC treat them as RAW. */
export const PERSISTENT_PREFIX = 'xcp-persistent-';
/** The prefix a VDI uuid gets when its volume could not be destroyed (§3.2 repair, §5 undo-clone). */
export const DELETED_PREFIX = 'DELETED_';

/**
 * `linstor_group/thin_device` → `linstor_group_thin_device`. A name outside the group-name rule never
 * becomes a LINSTOR name, whoever read it (device-config, a plugin argument, a tool's option).
 */
function groupSuffix(groupName: string): string {
  if (groupName === '') throw new InvalidNameError('the group name is empty');
  const problem = groupNameProblem(groupName);
  if (problem) throw new InvalidNameError(`not a group name (VG or VG/LV): ${JSON.stringify(groupName)} ${problem}`);
  return groupName.replaceAll('/', '_');
}

/** The SR's resource group, also its storage pool and KV instance name: `xcp-sr-<group, / → _>`. */
export function srResourceGroupName(groupName: string): string {
  return `xcp-sr-${groupSuffix(groupName)}`;
}

/** The storage pool name (the same on every node, and the same as the resource group). */
export const srStoragePoolName = srResourceGroupName;

/** The KV instance that holds the SR's volume metadata and journal. */
export const srKvName = srResourceGroupName;

/** The HA resource group (place_count 3) for the database, statefile and redo-log volumes. */
export function haResourceGroupName(groupName: string): string {
  return `xcp-ha-${groupSuffix(groupName)}`;
}

/** Every LINSTOR name of one SR, computed once from `device_config:group-name`. */
export type SrNames = {
  readonly groupName: string;
  readonly resourceGroup: string;
  readonly haResourceGroup: string;
  readonly storagePool: string;
  readonly kv: string;
};

/** The names of the SR built on `groupName`. */
export function srNames(groupName: string): SrNames {
  return {
    groupName,
    resourceGroup: srResourceGroupName(groupName),
    haResourceGroup: haResourceGroupName(groupName),
    storagePool: srStoragePoolName(groupName),
    kv: srKvName(groupName),
  };
}

/** A fresh resource name for a new VDI: `xcp-volume-<uuid4>`, never the VDI uuid. */
export function newVolumeResourceName(uuid4: () => string = randomUUID): ResourceName {
  return `${VOLUME_NAME_PREFIX}${uuid4()}` as ResourceName;
}

/** The dom0 path of a volume's DRBD device (a udev symlink to `/dev/drbd<minor>`); volume number is always 0. */
export function devicePath(name: ResourceName): string {
  return `/dev/drbd/by-res/${name}/0`;
}

/**
 * The resource name in a device path or in a relative VHD parent locator: `/dev/drbd/by-res/<rd>/0` or
 * `../<rd>/0`. Undefined for anything else.
 */
export function resourceNameFromDevicePath(path: string): ResourceName | undefined {
  const match = /^(?:\/dev\/drbd\/by-res|\.\.)\/([^/]+)\/0$/.exec(path);
  const name = match?.[1];
  return name !== undefined && RESOURCE_NAME.test(name) ? (name as ResourceName) : undefined;
}

/** The uuid a VDI is renamed to when its volume cannot be destroyed. */
export function deletedVdiUuid(uuid: VdiUuid): VdiUuid {
  return `${DELETED_PREFIX}${uuid}` as VdiUuid;
}

/** True for the `DELETED_<uuid>` leftovers that the GC purges. */
export function isDeletedVdiUuid(uuid: string): boolean {
  return uuid.startsWith(DELETED_PREFIX);
}
