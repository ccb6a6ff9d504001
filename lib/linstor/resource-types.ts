/**
 * Wire types of resource definitions, volume definitions and resources (linstor-rest.md §3.5–3.7).
 * Same conventions as types.ts: LINSTOR's field names, KiB sizes, empty fields omitted by the server.
 */
import type { AutoSelectFilter, Props, PropsModify } from './types.js';

/** A layer entry of a definition (`{"type":"DRBD","data":{…}}`). */
export type DefinitionLayer = { readonly type: string; readonly data?: Readonly<Record<string, unknown>> };

/** `POST /v1/resource-definitions`. */
export type ResourceDefinitionCreate = {
  readonly resource_definition: {
    readonly name: string;
    readonly external_name?: string;
    readonly props?: Props;
    readonly resource_group_name?: string;
    readonly layer_data?: readonly DefinitionLayer[];
  };
  readonly drbd_port?: number;
  readonly drbd_peer_slots?: number;
  readonly drbd_transport_type?: string;
};

/** `PUT /v1/resource-definitions/{rd}` (XCP-ng sends `drbd_peer_slots: 3` after spawn). */
export type ResourceDefinitionModify = PropsModify & {
  readonly drbd_port?: number;
  readonly drbd_peer_slots?: number;
  readonly layer_stack?: readonly string[];
  readonly resource_group?: string;
};

/** `GET /v1/resource-definitions/{rd}/sync-status`: true once every replica is UpToDate (no resync running). */
export type ResourceDefinitionSyncStatus = { readonly synced_on_all: boolean };

/** A volume definition. */
export type VolumeDefinition = {
  readonly volume_number?: number;
  readonly size_kib: number;
  readonly props?: Props;
  readonly flags?: readonly string[];
  readonly layer_data?: readonly DefinitionLayer[];
  readonly uuid?: string;
};

/** A resource definition as listed. */
export type ResourceDefinition = {
  readonly name: string;
  readonly external_name?: string;
  readonly props?: Props;
  readonly flags?: readonly string[];
  readonly layer_data?: readonly DefinitionLayer[];
  readonly uuid?: string;
  readonly resource_group_name?: string;
  readonly volume_definitions?: readonly VolumeDefinition[];
};

/** `POST /v1/resource-definitions/{rd}/volume-definitions`. */
export type VolumeDefinitionCreate = {
  readonly volume_definition: {
    readonly volume_number?: number;
    readonly size_kib: number;
    readonly props?: Props;
    readonly flags?: readonly string[];
  };
  readonly drbd_minor_number?: number;
};

/** `PUT …/volume-definitions/{n}`: a bigger `size_kib` resizes (grow only). */
export type VolumeDefinitionModify = PropsModify & { readonly size_kib?: number; readonly flags?: readonly string[] };

/** One element of `POST …/resources` (or the body of `POST …/resources/{node}`). */
export type ResourceCreate = {
  readonly resource: {
    readonly node_name?: string;
    readonly props?: Props;
    /** `["DISKLESS"]` for a diskless resource. */
    readonly flags?: readonly string[];
  };
  readonly layer_list?: readonly string[];
  readonly drbd_node_id?: number;
};

/** `POST …/autoplace`. */
export type AutoPlaceRequest = {
  readonly select_filter?: AutoSelectFilter;
  readonly diskless_on_remaining?: boolean;
  readonly layer_list?: readonly string[];
};

/** `POST …/resources/{node}/make-available`. */
export type MakeAvailableRequest = { readonly diskful?: boolean; readonly layer_list?: readonly string[] };

/** `state` of a resource; absent when the node is offline. */
export type ResourceState = { readonly in_use?: boolean };

/** A resource as `GET …/resources` lists it (no volumes). */
export type Resource = {
  readonly name: string;
  readonly node_name: string;
  readonly props?: Props;
  readonly flags?: readonly string[];
  readonly layer_object?: Readonly<Record<string, unknown>>;
  readonly state?: ResourceState;
  readonly uuid?: string;
  readonly create_timestamp?: number;
};

/** One layer's view of a volume; the DRBD entry carries `usable_size_kib` and `device_path`. */
export type VolumeLayer = {
  readonly type: string;
  readonly data?: {
    readonly device_path?: string;
    readonly backing_device?: string;
    readonly allocated_size_kib?: number;
    readonly usable_size_kib?: number;
    readonly disk_state?: string;
    readonly drbd_volume_definition?: { readonly volume_number?: number; readonly minor_number?: number };
  };
};

/** A volume of a resource (`/v1/view/resources`). */
export type Volume = {
  readonly volume_number?: number;
  readonly storage_pool_name?: string;
  readonly provider_kind?: string;
  readonly device_path?: string;
  readonly allocated_size_kib?: number;
  readonly flags?: readonly string[];
  readonly props?: Props;
  readonly state?: {
    readonly disk_state?: string;
    readonly replication_states?: Readonly<Record<string, { readonly replication_state?: string }>>;
  };
  readonly layer_data_list?: readonly VolumeLayer[];
  readonly uuid?: string;
};

/** A resource with its volumes, as `GET /v1/view/resources` returns it. */
export type ResourceWithVolumes = Resource & { readonly volumes?: readonly Volume[] };

/** Filters of `GET /v1/view/resources`. */
export type ResourceViewFilter = {
  readonly nodes?: readonly string[];
  readonly resources?: readonly string[];
  readonly storagePools?: readonly string[];
  readonly props?: readonly string[];
};

/** The DRBD `usable_size_kib` of a volume (python `Volume.usable_size` reads only this layer). */
export function drbdUsableSizeKib(volume: Volume): number | undefined {
  return volume.layer_data_list?.find((l) => l.type === 'DRBD')?.data?.usable_size_kib;
}
