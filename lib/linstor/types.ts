/**
 * Hand-written wire types for the subset of LINSTOR REST v1 this project uses (linstor-rest.md §3).
 * Field names are LINSTOR's own, so bodies pass through unchanged; sizes are KiB as the names say.
 * LINSTOR omits empty maps, lists and nulls (`NON_EMPTY`), hence the many optional fields: read them
 * through a default.
 */

/** Property map; values are always strings. */
export type Props = Readonly<Record<string, string>>;

/** The modify body shared by nodes, pools, groups, definitions, resources and the KV store. */
export type PropsModify = {
  readonly override_props?: Props;
  readonly delete_props?: readonly string[];
  readonly delete_namespaces?: readonly string[];
};

/** Controller version (`GET /v1/controller/version`). */
export type ControllerVersion = {
  readonly version: string;
  readonly git_hash: string;
  readonly build_time: string;
  readonly rest_api_version: string;
};

/** A network interface of a node. */
export type NetInterface = {
  readonly name: string;
  readonly address: string;
  readonly satellite_port?: number;
  /** `Plain`/`SSL` on input; the server answers `PLAIN`/`SSL`. */
  readonly satellite_encryption_type?: string;
  readonly is_active?: boolean;
  readonly uuid?: string;
};

/** What `POST /v1/nodes` takes. `type` is case-insensitive (`Combined`, `Satellite`, …). */
export type NodeCreate = {
  readonly name: string;
  readonly type: string;
  readonly props?: Props;
  readonly net_interfaces: readonly NetInterface[];
};

/** `PUT /v1/nodes/{node}`. */
export type NodeModify = PropsModify & { readonly node_type?: string };

/** A node as listed. `type` comes back upper-case (`COMBINED`). */
export type Node = {
  readonly name: string;
  readonly type: string;
  readonly flags?: readonly string[];
  readonly props?: Props;
  readonly net_interfaces?: readonly NetInterface[];
  readonly connection_status?: string;
  readonly uuid?: string;
  readonly storage_providers?: readonly string[];
  readonly resource_layers?: readonly string[];
};

/** Storage back-ends the simulator and the driver know. */
export type ProviderKind = 'LVM' | 'LVM_THIN' | 'DISKLESS' | 'ZFS' | 'ZFS_THIN' | 'FILE' | 'FILE_THIN';

/** `POST /v1/nodes/{node}/storage-pools`; the backing pool goes in `props` (`StorDriver/StorPoolName`). */
export type StoragePoolCreate = {
  readonly storage_pool_name: string;
  readonly provider_kind: ProviderKind;
  readonly props?: Props;
};

/** A storage pool on one node. Capacities in KiB; DISKLESS pools report Long.MAX_VALUE (inexact here). */
export type StoragePool = {
  readonly storage_pool_name: string;
  readonly node_name?: string;
  readonly provider_kind: ProviderKind;
  readonly props?: Props;
  readonly static_traits?: Props;
  readonly free_capacity?: number;
  readonly total_capacity?: number;
  readonly free_space_mgr_name?: string;
  readonly uuid?: string;
  readonly reports?: readonly import('./json.js').ApiCallRc[];
  readonly supports_snapshots?: boolean;
};

/** The autoplacer's criteria (every field optional, linstor-rest.md §3.4). */
export type AutoSelectFilter = {
  readonly place_count?: number;
  readonly additional_place_count?: number;
  readonly node_name_list?: readonly string[];
  readonly storage_pool?: string;
  readonly storage_pool_list?: readonly string[];
  readonly storage_pool_diskless_list?: readonly string[];
  readonly not_place_with_rsc?: readonly string[];
  readonly replicas_on_same?: readonly string[];
  readonly replicas_on_different?: readonly string[];
  readonly layer_stack?: readonly string[];
  readonly provider_list?: readonly string[];
  readonly diskless_on_remaining?: boolean;
};

/** `POST /v1/resource-groups`. */
export type ResourceGroupCreate = {
  readonly name: string;
  readonly description?: string;
  readonly props?: Props;
  readonly select_filter?: AutoSelectFilter;
  readonly peer_slots?: number;
};

/** `PUT /v1/resource-groups/{rg}`. */
export type ResourceGroupModify = PropsModify & {
  readonly description?: string;
  readonly select_filter?: AutoSelectFilter;
  readonly peer_slots?: number;
};

/** A resource group as listed. */
export type ResourceGroup = {
  readonly name: string;
  readonly description?: string;
  readonly props?: Props;
  readonly select_filter?: AutoSelectFilter;
  readonly uuid?: string;
  readonly peer_slots?: number;
};

/** `POST /v1/resource-groups/{rg}/spawn`; `volume_sizes` in KiB. */
export type ResourceGroupSpawn = {
  readonly resource_definition_name: string;
  readonly resource_definition_external_name?: string;
  readonly volume_sizes: readonly number[];
  readonly select_filter?: AutoSelectFilter;
  readonly partial?: boolean;
  readonly definitions_only?: boolean;
  readonly peer_slots?: number;
  readonly resource_definition_props?: Props;
};

/** One candidate of `query-max-volume-size`. */
export type MaxVolumeSizeCandidate = {
  readonly storage_pool?: string;
  readonly max_volume_size_kib?: number;
  readonly node_names?: readonly string[];
  readonly all_thin?: boolean;
};

/** `GET /v1/resource-groups/{rg}/query-max-volume-size`. */
export type MaxVolumeSizes = {
  readonly candidates?: readonly MaxVolumeSizeCandidate[];
  readonly default_max_oversubscription_ratio?: number;
};

/** A key-value store instance; keys are listed without a leading `/`. */
export type KeyValueStore = { readonly name: string; readonly props?: Props };
