/**
 * The controller simulator's persistent state: plain JSON-serialisable records, keyed by the
 * upper-cased name because LINSTOR names are case-insensitive (linstor-rest.md §1) while the display
 * case is kept in `name`.
 */
import type { AutoSelectFilter, ProviderKind } from '../../lib/linstor/types.js';

/** A network interface as stored. */
export type SimNetIf = {
  name: string;
  address: string;
  satellite_port: number;
  satellite_encryption_type: string;
  is_active: boolean;
  uuid: string;
};

/** The simulated satellite's disk: VG `linstor_group` with thin pool `thin_device`, or none. */
export type SimDisk = { readonly vg: string; readonly thinPool: string; readonly sizeKib: number };

/** A satellite: its interfaces, its disk (fixed when the node is created) and whether it is online. */
export type SimNode = {
  name: string;
  type: string;
  props: Record<string, string>;
  netIfs: SimNetIf[];
  uuid: string;
  disk: SimDisk | null;
  /** `connection_status`; OFFLINE nodes report no resource state. */
  online: boolean;
  /** An online satellite running another LINSTOR version: `connection_status` `VERSION_MISMATCH`. */
  versionMismatch?: boolean;
};

/** The `connection_status` values the simulator's controls can give a node. */
export const NODE_CONNECTION_STATUSES = ['ONLINE', 'OFFLINE', 'VERSION_MISMATCH'] as const;
export type NodeConnectionStatus = (typeof NODE_CONNECTION_STATUSES)[number];

/** A storage pool of one node; its capacity is derived from the node's disk (capacity.ts). */
export type SimStoragePool = {
  name: string;
  node: string;
  provider: ProviderKind;
  props: Record<string, string>;
  uuid: string;
  /** Set when the satellite could not find the backing VG (error 990): no capacity, never placed on. */
  configError?: string;
};

/** A resource group: the autoplacer's defaults for its RDs, and its volume group numbers. */
export type SimResourceGroup = {
  name: string;
  description?: string;
  props: Record<string, string>;
  selectFilter: AutoSelectFilter;
  volumeGroups: number[];
  peerSlots?: number;
  uuid: string;
};

/** A volume definition with its DRBD minor (the same on every node). */
export type SimVolumeDefinition = {
  number: number;
  sizeKib: number;
  props: Record<string, string>;
  flags: string[];
  minor: number;
  uuid: string;
};

/** A resource on one node, with the state tests can change (in use, disk state). */
export type SimResource = {
  node: string;
  props: Record<string, string>;
  flags: string[];
  nodeId: number;
  tcpPort: number;
  /** Diskful: the storage pool holding the data; diskless: `DfltDisklessStorPool`. */
  storagePool: string;
  inUse: boolean;
  /** DRBD disk state of a diskful volume (`UpToDate` unless a test changes it). */
  diskState: string;
  uuid: string;
  createdAtMs: number;
};

/** A resource definition with its volume definitions and its resources per node. */
export type SimResourceDefinition = {
  name: string;
  externalName?: string;
  props: Record<string, string>;
  group: string;
  peerSlots: number;
  port: number;
  secret: string;
  uuid: string;
  vds: SimVolumeDefinition[];
  /** Keyed by upper-cased node name, in creation order. */
  resources: Record<string, SimResource>;
  /** A resync runs until then (epoch ms): the replicas are not all in sync (sim/linstor/sync.ts). */
  syncingUntilMs?: number;
};

/** A key-value store instance (keys stored sanitised, without a leading `/`). */
export type SimKvs = { name: string; props: Record<string, string> };

/** Everything the controller persists under `<dir>/linstor/state.json`. */
export type SimState = {
  version: 1;
  nodes: Record<string, SimNode>;
  /** Keyed by `<NODE>/<POOL>` upper-cased. */
  storagePools: Record<string, SimStoragePool>;
  resourceGroups: Record<string, SimResourceGroup>;
  resourceDefinitions: Record<string, SimResourceDefinition>;
  kvs: Record<string, SimKvs>;
  controllerProps: Record<string, string>;
};

/** Name of the resource group every RD without one joins. */
export const DEFAULT_RSC_GRP = 'DfltRscGrp';
/** The diskless pool every node gets automatically. */
export const DISKLESS_POOL = 'DfltDisklessStorPool';
/** LINSTOR's defaults: minors from 1000, TCP ports from 7000, 7 peer slots (linstor-rest.md §1). */
export const FIRST_MINOR = 1000;
export const LAST_MINOR = 49_999;
export const FIRST_TCP_PORT = 7000;
export const LAST_TCP_PORT = 7999;
export const DEFAULT_PEER_SLOTS = 7;
/** Oversubscription ratio applied to thin pools by the autoplacer (LINSTOR's default). */
export const MAX_OVERSUBSCRIPTION_RATIO = 20;

/** An empty controller, with the default resource group LINSTOR always has. */
export function emptyState(uuid: () => string): SimState {
  return {
    version: 1,
    nodes: {},
    storagePools: {},
    resourceGroups: {
      [DEFAULT_RSC_GRP.toUpperCase()]: { name: DEFAULT_RSC_GRP, props: {}, selectFilter: {}, volumeGroups: [], uuid: uuid() },
    },
    resourceDefinitions: {},
    kvs: {},
    controllerProps: {},
  };
}

/** Key of a storage pool record. */
export const poolKey = (node: string, pool: string): string => `${node.toUpperCase()}/${pool.toUpperCase()}`;
