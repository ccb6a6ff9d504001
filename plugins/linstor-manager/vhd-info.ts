/**
 * `getInfo` (`getVHDInfo` before 2026, still answered under both names) and `getParent`
 * (spec/sm-linstor.md §4.2, §6): the VHD getters whose answer names VDIs,
 * so the device paths vhd-util reports are mapped back to VDI uuids through the SR's KV (`volume-name`).
 */
import { queryVhd } from '../../lib/vhd/index.js';
import type { VolumeManager } from '../../lib/volume/index.js';
import { checkArgs, GROUP, optional, required, TRUTH, VHD_CALL } from './args.js';
import type { PluginContext, PluginFunction } from './context.js';
import { withSrContext } from './sr-context.js';
import { strtobool } from './true-false.js';
import { ctxOf } from './vhd-getters.js';

/** These two name VDIs through the SR's KV: the group is required. */
const WITH_GROUP = { ...VHD_CALL, groupName: required(GROUP) };

/** Opens the SR's volume manager (read-only: no repair) for one call. */
async function withVolumes<T>(ctx: PluginContext, groupName: string, fn: (volumes: VolumeManager) => Promise<T>): Promise<T> {
  return withSrContext(ctx, groupName, async (sr) => fn(await sr.volumes()));
}

/** The Python `get_volume_uuid_from_device_path`: a path no VDI owns is an error, not an empty uuid. */
function uuidOf(volumes: VolumeManager, path: string): string {
  const uuid = volumes.vdiUuidFromDevicePath(path);
  if (uuid === undefined) throw new Error(`Unable to find volume uuid from dev path \`${path}\``);
  return uuid;
}

/** Python's json.dumps layout (`", "` and `": "`), keys in the order VHDInfo's __dict__ gets them. */
function pythonJson(entries: [string, string | number][]): string {
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}: ${JSON.stringify(v)}`).join(', ')}}`;
}

/**
 * JSON of sm's VHDInfo `__dict__` (CowImageInfo's since 2026, the same fields): uuid, sizeVirt (bytes), sizePhys, then parentPath and parentUuid only
 * when there is a parent and includeParent is set, hidden (0 or 1, vhdutil's int), sizeAllocated, path.
 */
export const getInfo: PluginFunction = async (ctx, args) => {
  // resolveParent is sent by the Python callers and ignored, as the Python plugin ignores it.
  const a = checkArgs(args, { ...WITH_GROUP, includeParent: optional(TRUTH), resolveParent: optional(TRUTH) });
  const [path, groupName] = [a.devicePath, a.groupName];
  // The Python callers always send includeParent; absent means the default of get_vhd_info (True), empty false.
  const includeParent = args['includeParent'] === undefined ? true : strtobool(a.includeParent);
  const info = await queryVhd(ctxOf(ctx), path);
  return withVolumes(ctx, groupName, async (volumes) => {
    const entries: [string, string | number][] = [
      ['uuid', uuidOf(volumes, path)],
      ['sizeVirt', info.virtualSize],
      ['sizePhys', info.physicalSize],
    ];
    if (includeParent && info.parentPath !== undefined) {
      entries.push(['parentPath', info.parentPath], ['parentUuid', uuidOf(volumes, info.parentPath)]);
    }
    entries.push(['hidden', info.hidden ? 1 : 0], ['sizeAllocated', info.allocatedSize], ['path', path]);
    return pythonJson(entries);
  });
};

/**
 * The parent's VDI uuid. Without a parent the Python plugin returned None, which XML-RPC cannot
 * marshal (§9); this answers a plugin failure that says so.
 */
export const getParent: PluginFunction = async (ctx, args) => {
  const { devicePath: path, groupName } = checkArgs(args, WITH_GROUP);
  const info = await queryVhd(ctxOf(ctx), path);
  if (info.parentPath === undefined) throw new Error(`the VHD on ${path} has no parent`);
  const parent = info.parentPath;
  return withVolumes(ctx, groupName, async (volumes) => uuidOf(volumes, parent));
};
