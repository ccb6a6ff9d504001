/**
 * The device of a volume on this host (spec/sm-linstor.md §3.5 `_find_device_path`): make the resource
 * available here (a diskless on demand), then wait for udev's `/dev/drbd/by-res/<rd>/0` symlink and check
 * that it resolves to the `/dev/drbd<minor>` LINSTOR reports. Paths cross boundaries as dom0 paths; only
 * the file-system checks go through the host root (DESIGN.md "Host paths").
 */
import { realpath } from 'node:fs/promises';
import { dom0Path, hostPath } from '../host/env.js';
import { scaled, type VolumeContext } from './context.js';
import { makeAvailable, volumeResources } from './devices.js';
import { VolumeError } from './errors.js';
import { requireVolume } from './lifecycle.js';
import { devicePath, type VdiUuid } from './naming.js';

/** How long udev may take to create the by-res link (Python: 5 s). */
export const DEVICE_WAIT_MS = 5_000;
const DEVICE_POLL_MS = 100;

/**
 * Ensures the device of `uuid` exists on `node` and returns its dom0 by-res path. `root` is the host root
 * (`/` on dom0). Throws {@link VolumeError} when the link does not appear in time or points elsewhere.
 */
export async function localDevicePath(ctx: VolumeContext, uuid: VdiUuid, node: string, root: string): Promise<string> {
  const path = await prepareLocalDevice(ctx, uuid, node, root);
  await verifyLocalDevices(ctx, [uuid], node, root);
  return path;
}

/**
 * The first half of {@link localDevicePath}: the device made available and its by-res link present,
 * not yet checked against LINSTOR. Read from it only to find more devices (a VHD's parent), and check
 * them all with one {@link verifyLocalDevices} before anything is written or returned.
 */
export async function prepareLocalDevice(ctx: VolumeContext, uuid: VdiUuid, node: string, root: string): Promise<string> {
  const path = devicePath(requireVolume(ctx, uuid));
  await makeAvailable(ctx, uuid, node);
  const polls = Math.max(1, Math.ceil(DEVICE_WAIT_MS / DEVICE_POLL_MS));
  let lastError: unknown;
  for (let poll = 0; poll <= polls; poll += 1) {
    try {
      await realpath(hostPath(root, path));
      return path;
    } catch (error) {
      // Not there yet: udev (the simulator's satellite) creates the link asynchronously.
      lastError = error;
    }
    await ctx.sleep(scaled(ctx, DEVICE_POLL_MS));
  }
  throw new VolumeError(`device ${path} of VDI ${uuid} did not appear on ${node}`, { cause: lastError });
}

/** Checks that the by-res link of each of `uuids` resolves to the device LINSTOR reports on `node`. */
export async function verifyLocalDevices(ctx: VolumeContext, uuids: readonly VdiUuid[], node: string, root: string): Promise<void> {
  for (const uuid of uuids) {
    const name = requireVolume(ctx, uuid);
    const resource = (await volumeResources(ctx, uuid)).find((r) => r.node_name.toUpperCase() === node.toUpperCase());
    const expected = resource?.volumes?.find((v) => (v.volume_number ?? 0) === 0)?.device_path;
    if (expected === undefined) throw new VolumeError(`LINSTOR reports no device of ${name} on ${node}`);
    const path = devicePath(name);
    let target: string;
    try {
      target = dom0Path(root, await realpath(hostPath(root, path)));
    } catch (error) {
      throw new VolumeError(`device ${path} of VDI ${uuid} is gone from ${node}`, { cause: error });
    }
    if (target !== expected) throw new VolumeError(`invalid path: ${path} resolves to ${target}, not ${expected}`);
  }
}
