/**
 * The XenAPI record shapes drivers read, with XAPI's field names. Ints stay decimal strings as they
 * travel (use fromXapiInt), refs are `OpaqueRef:…` strings, maps are string→string, datetimes are Dates.
 * Only the fields this project reads are listed; records carry more.
 */

/** `OpaqueRef:…` of any class. */
export type Ref = string;
/** A XenAPI map (string → string), e.g. sm_config, other_config, device_config. */
export type StringMap = Readonly<Record<string, string>>;

/** `pool.get_record`: where the master is. */
export type PoolRecord = {
  readonly uuid: string;
  readonly name_label: string;
  readonly master: Ref;
  readonly default_SR: Ref;
  readonly ha_enabled: boolean;
  readonly other_config: StringMap;
};

/** `host.get_record`: a pool member, its address and PIFs. */
export type HostRecord = {
  readonly uuid: string;
  readonly name_label: string;
  readonly hostname: string;
  readonly address: string;
  readonly enabled: boolean;
  readonly PIFs: readonly Ref[];
  readonly PBDs: readonly Ref[];
  readonly resident_VMs: readonly Ref[];
  readonly other_config: StringMap;
};

/** `PIF.get_record`: a host interface (the management one, and the storage network DRBD can use). */
export type PifRecord = {
  readonly uuid: string;
  readonly device: string;
  readonly host: Ref;
  readonly network: Ref;
  readonly IP: string;
  readonly IPv6: readonly string[];
  readonly netmask: string;
  readonly management: boolean;
  readonly currently_attached: boolean;
  readonly primary_address_type: string;
  readonly other_config: StringMap;
};

/** `SR.get_record`. */
export type SrRecord = {
  readonly uuid: string;
  readonly name_label: string;
  readonly name_description: string;
  readonly type: string;
  readonly content_type: string;
  readonly shared: boolean;
  readonly PBDs: readonly Ref[];
  readonly VDIs: readonly Ref[];
  readonly physical_size: string;
  readonly physical_utilisation: string;
  readonly virtual_allocation: string;
  readonly sm_config: StringMap;
  readonly other_config: StringMap;
};

/** `PBD.get_record`: an SR on one host, with that host's device_config. */
export type PbdRecord = {
  readonly uuid: string;
  readonly host: Ref;
  readonly SR: Ref;
  readonly device_config: StringMap;
  readonly currently_attached: boolean;
  readonly other_config: StringMap;
};

/** `VDI.get_record`: what the driver keeps in sync with its volumes. */
export type VdiRecord = {
  readonly uuid: string;
  readonly name_label: string;
  readonly name_description: string;
  readonly SR: Ref;
  readonly VBDs: readonly Ref[];
  readonly virtual_size: string;
  readonly physical_utilisation: string;
  readonly type: string;
  readonly sharable: boolean;
  readonly read_only: boolean;
  readonly location: string;
  readonly managed: boolean;
  readonly missing: boolean;
  readonly xenstore_data: StringMap;
  readonly sm_config: StringMap;
  readonly other_config: StringMap;
  readonly is_a_snapshot: boolean;
  readonly snapshot_of: Ref;
  readonly snapshots: readonly Ref[];
  readonly snapshot_time: Date;
  readonly on_boot: string;
  readonly allow_caching: boolean;
  readonly metadata_of_pool: Ref;
  readonly cbt_enabled: boolean;
};

/** `VBD.get_record`: a disk of a VM. */
export type VbdRecord = {
  readonly uuid: string;
  readonly VM: Ref;
  readonly VDI: Ref;
  readonly userdevice: string;
  readonly mode: 'RO' | 'RW';
  readonly type: string;
  readonly empty: boolean;
  readonly currently_attached: boolean;
  readonly other_config: StringMap;
};

/** `VM.get_record` (the fields the simulator and tests use). */
export type VmRecord = {
  readonly uuid: string;
  readonly name_label: string;
  readonly power_state: 'Halted' | 'Running' | 'Paused' | 'Suspended';
  readonly resident_on: Ref;
  readonly VBDs: readonly Ref[];
  readonly is_control_domain: boolean;
  readonly is_a_template: boolean;
  readonly other_config: StringMap;
};

/** `task.get_record`: the driver's subtask, and Async.* calls. */
export type TaskRecord = {
  readonly uuid: string;
  readonly name_label: string;
  readonly status: 'pending' | 'success' | 'failure' | 'cancelling' | 'cancelled';
  readonly progress: number;
  readonly result: string;
  readonly error_info: readonly string[];
  readonly subtask_of: Ref;
  readonly other_config: StringMap;
};

/** `SM.get_record`: a registered driver; sm reads it to test capabilities. */
export type SmRecord = {
  readonly uuid: string;
  readonly type: string;
  readonly name_label: string;
  readonly vendor: string;
  readonly version: string;
  readonly required_api_version: string;
  readonly capabilities: readonly string[];
  readonly features: Readonly<Record<string, string>>;
  readonly configuration: StringMap;
  readonly driver_filename: string;
};

/** The 19 fields of `VDI.db_introduce`, in XAPI's order (spec/smapi-protocol.md §4.3). */
export type DbIntroduceFields = {
  readonly uuid: string;
  readonly name_label: string;
  readonly name_description: string;
  readonly SR: Ref;
  readonly type: string;
  readonly sharable: boolean;
  readonly read_only: boolean;
  readonly other_config: StringMap;
  readonly location: string;
  readonly xenstore_data: StringMap;
  readonly sm_config: StringMap;
  readonly managed: boolean;
  readonly virtual_size: number | bigint;
  readonly physical_utilisation: number | bigint;
  readonly metadata_of_pool: Ref;
  readonly is_a_snapshot: boolean;
  readonly snapshot_time: Date;
  readonly snapshot_of: Ref;
  readonly cbt_enabled: boolean;
};
