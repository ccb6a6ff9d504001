/**
 * What the collector reads before planning (sm's `LinstorSR.scan` for the GC, spec/sm-linstor.md §4.5):
 * for every volume its KV metadata and resource, its LINSTOR sizes, the VHD header read locally on this
 * host's device (a diskless is made on demand, as the Python GC's `get_device_path` does), and the
 * `host_<ref>` keys of its XAPI record. A volume it cannot read is reported with an error instead of
 * failing the scan: the planner then skips its tree.
 */
import type { Logger } from '../lib/log/logger.js';
import { queryVhd, type VhdInfo } from '../lib/vhd/index.js';
import { DELETED_PREFIX, PERSISTENT_PREFIX, type VdiUuid, type VolumeManager } from '../lib/volume/index.js';
import { VHD_PARENT } from '../lib/xapi/index.js';
import type { VolumeView } from './planner.js';

/** The XAPI side of a VDI: its ref and the host names it is attached on. */
export type XapiVdi = {
  readonly ref: string;
  readonly attachedOn: readonly string[];
  readonly smConfig: Readonly<Record<string, string>>;
  readonly otherConfig: Readonly<Record<string, string>>;
  /** `on_boot`: `reset` keeps the leaf apart from its parent, which it is reset to at each start. */
  readonly onBoot?: string;
};

export type InventoryDeps = {
  readonly volumes: VolumeManager;
  /** This host's LINSTOR node name. */
  readonly node: string;
  readonly root: string;
  readonly log: Logger;
  /** XAPI records of the SR's VDIs by uuid. */
  readonly xapiVdis: ReadonlyMap<string, XapiVdi>;
  /** Use only devices already present here (status, dry run): no diskless is created. */
  readonly readOnly?: boolean;
};

export type Inventory = {
  readonly views: VolumeView[];
  /** Device path on this host of each readable volume. */
  readonly paths: ReadonlyMap<string, string>;
  readonly vhd: ReadonlyMap<string, VhdInfo>;
};

/** Volumes read at once. */
const READ_CONCURRENCY = 8;

/** `fn` over `items` with at most `limit` calls in flight; results in the items' order. */
async function mapBounded<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next;
      next += 1;
      out[i] = await fn(items[i] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

/** Reads every volume of the SR. */
export async function readInventory(d: InventoryDeps): Promise<Inventory> {
  const { volumes } = d;
  const [metadata, sizes] = await Promise.all([volumes.allMetadata(), volumes.allSizes()]);
  const names = volumes.volumeNames();
  const paths = new Map<string, string>();
  const vhd = new Map<string, VhdInfo>();
  const read = async ([uuid, resource]: readonly [VdiUuid, string]) => {
    const meta = metadata.get(uuid) ?? {};
    const persistent = resource.startsWith(PERSISTENT_PREFIX);
    const deleted = uuid.startsWith(DELETED_PREFIX);
    let info: VhdInfo | undefined;
    let error: string | undefined;
    if (!persistent && !deleted && meta.vdi_type !== 'aio') {
      try {
        const p = d.readOnly ? volumes.devicePath(uuid) : await volumes.localDevicePath(uuid, d.node, d.root);
        paths.set(uuid, p);
        info = await queryVhd({ root: d.root }, p);
        vhd.set(uuid, info);
      } catch (e) {
        error = (e as Error).message;
        d.log.warn('cannot read the VHD of a volume', { vdi: uuid, resource, error });
      }
    }
    return { uuid, resource, info, error };
  };
  // Each volume costs a device lookup (a diskless made on demand) and a header read: a few at a time,
  // so that a large SR is not read one volume after the other.
  const raw = await mapBounded([...names], READ_CONCURRENCY, read);
  const views: VolumeView[] = raw.map(({ uuid, resource, info, error }) => {
    const meta = metadata.get(uuid) ?? {};
    const size = sizes.get(uuid);
    const parentPath = info?.parentPath;
    // An unreadable VHD's parent: what XAPI last recorded (sm-config vhd-parent), when it is a volume here.
    const hint = d.xapiVdis.get(uuid)?.smConfig[VHD_PARENT];
    const hinted = error !== undefined && hint !== undefined && names.has(hint as VdiUuid) ? hint : undefined;
    const parentUuid = parentPath === undefined ? hinted : volumes.vdiUuidFromDevicePath(parentPath);
    return {
      uuid,
      resource,
      label: String(meta.name_label ?? ''),
      vdiType: String(meta.vdi_type ?? 'vhd'),
      hidden: info ? info.hidden : meta.hidden === true,
      virtualSize: info?.virtualSize ?? size?.usableBytes ?? 0,
      physicalSize: info?.physicalSize ?? size?.allocatedBytes ?? 0,
      deviceSize: size?.usableBytes,
      parentUuid,
      unknownParent: parentPath !== undefined && parentUuid === undefined ? parentPath : undefined,
      error,
      parentUnknown: error !== undefined && hinted === undefined,
      attachedOn: d.xapiVdis.get(uuid)?.attachedOn ?? [],
      deleted: uuid.startsWith(DELETED_PREFIX),
      persistent: resource.startsWith(PERSISTENT_PREFIX),
    };
  });
  return { views, paths, vhd };
}
