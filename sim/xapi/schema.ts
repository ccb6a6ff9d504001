/**
 * The classes the simulator keeps, with XAPI's field names and defaults, which fields are computed
 * from other objects (the "set(Ref)" sides of relations), which may be set, and which only the SM
 * backend session of the object's SR may set (spec/smapi-protocol.md §4.1).
 */
import type { XapiXmlValue } from './xml.js';

/** A stored record: XAPI field name → value (ints as decimal strings, maps as string records). */
export type DbRecord = Record<string, XapiXmlValue>;

/** The XenAPI classes the simulator keeps. */
export const CLASSES = ['pool', 'host', 'network', 'PIF', 'SR', 'PBD', 'VDI', 'VBD', 'VM', 'task', 'session', 'SM'] as const;
/** A XenAPI class the simulator serves. */
export type ClassName = (typeof CLASSES)[number];

const NULL = 'OpaqueRef:NULL';
const EPOCH = new Date(0);

/** Default field values for a new record of each class (uuid is added by the DB). */
export const DEFAULTS: Record<ClassName, () => DbRecord> = {
  pool: () => ({ name_label: '', name_description: '', master: NULL, default_SR: NULL, suspend_image_SR: NULL, crash_dump_SR: NULL, ha_enabled: false, ha_configuration: {}, other_config: {}, tags: [] }),
  host: () => ({
    name_label: '', name_description: '', hostname: '', address: '', enabled: true, other_config: {}, tags: [], API_version_major: '2', API_version_minor: '21',
    software_version: { product_brand: 'XCP-ng', product_version: '8.3.0', platform_name: 'XCP', xapi: '24.19' }, control_domain: NULL, local_cache_sr: NULL,
    suspend_image_sr: NULL, crash_dump_sr: NULL, allowed_operations: [], current_operations: {},
  }),
  network: () => ({ name_label: '', name_description: '', bridge: '', MTU: '1500', other_config: {}, tags: [], managed: true }),
  PIF: () => ({
    device: '', network: NULL, host: NULL, MAC: '', MTU: '1500', VLAN: '-1', physical: true, currently_attached: true, ip_configuration_mode: 'Static',
    IP: '', netmask: '255.255.255.0', gateway: '', DNS: '', ipv6_configuration_mode: 'None', IPv6: [], ipv6_gateway: '', primary_address_type: 'IPv4',
    management: false, disallow_unplug: false, other_config: {}, managed: true,
  }),
  SR: () => ({
    name_label: '', name_description: '', allowed_operations: [], current_operations: {}, virtual_allocation: '0', physical_utilisation: '0', physical_size: '0',
    type: '', content_type: '', shared: false, other_config: {}, tags: [], sm_config: {}, blobs: {}, local_cache_enabled: false, introduced_by: NULL, clustered: false, is_tools_sr: false,
  }),
  PBD: () => ({ host: NULL, SR: NULL, device_config: {}, currently_attached: false, other_config: {} }),
  VDI: () => ({
    name_label: '', name_description: '', allowed_operations: [], current_operations: {}, SR: NULL, crash_dumps: [], virtual_size: '0', physical_utilisation: '0',
    type: 'user', sharable: false, read_only: false, other_config: {}, storage_lock: false, location: '', managed: true, missing: false, parent: NULL,
    xenstore_data: {}, sm_config: {}, is_a_snapshot: false, snapshot_of: NULL, snapshot_time: EPOCH, tags: [], allow_caching: false, on_boot: 'persist',
    metadata_of_pool: NULL, metadata_latest: false, is_tools_iso: false, cbt_enabled: false,
  }),
  VBD: () => ({
    VM: NULL, VDI: NULL, device: '', userdevice: '', bootable: false, mode: 'RW', type: 'Disk', unpluggable: true, storage_lock: false, empty: false,
    other_config: {}, currently_attached: false, allowed_operations: [], current_operations: {},
  }),
  VM: () => ({
    name_label: '', name_description: '', power_state: 'Halted', resident_on: NULL, affinity: NULL, is_control_domain: false, is_a_template: false,
    is_a_snapshot: false, other_config: {}, tags: [], allowed_operations: [], current_operations: {},
  }),
  task: () => ({
    name_label: '', name_description: '', allowed_operations: [], current_operations: {}, created: new Date(), finished: EPOCH, status: 'pending',
    resident_on: NULL, progress: 0.0, type: '', result: '', error_info: [], other_config: {}, subtask_of: NULL, backtrace: '',
  }),
  session: () => ({
    this_host: NULL, this_user: NULL, last_active: new Date(), pool: false, other_config: {}, is_local_superuser: true, subject: NULL,
    validation_time: new Date(), auth_user_sid: '', auth_user_name: 'root', rbac_permissions: [], tasks: [], parent: NULL, originator: '',
  }),
  SM: () => ({
    name_label: '', name_description: '', type: '', vendor: '', copyright: '', version: '', required_api_version: '', configuration: {}, capabilities: [],
    features: {}, other_config: {}, driver_filename: '', required_cluster_stack: [], supported_image_formats: [], host_pending_features: {},
  }),
};

/** Computed set fields: `<class>.<field>` = the refs of `<other class>` whose `<via>` field points here. */
export const REVERSE: Partial<Record<ClassName, Record<string, readonly [ClassName, string]>>> = {
  host: { PIFs: ['PIF', 'host'], PBDs: ['PBD', 'host'], resident_VMs: ['VM', 'resident_on'] },
  network: { PIFs: ['PIF', 'network'] },
  SR: { VDIs: ['VDI', 'SR'], PBDs: ['PBD', 'SR'] },
  VDI: { VBDs: ['VBD', 'VDI'], snapshots: ['VDI', 'snapshot_of'] },
  VM: { VBDs: ['VBD', 'VM'] },
  task: { subtasks: ['task', 'subtask_of'] },
};

/** Fields any session may set (`set_<f>`; `add_to_`/`remove_from_` for maps). */
export const WRITABLE: Partial<Record<ClassName, readonly string[]>> = {
  pool: ['name_label', 'name_description', 'other_config', 'default_SR', 'suspend_image_SR', 'crash_dump_SR', 'tags'],
  host: ['name_label', 'name_description', 'other_config', 'tags', 'hostname'],
  network: ['name_label', 'name_description', 'other_config', 'tags', 'MTU'],
  PIF: ['other_config'],
  SR: ['name_label', 'name_description', 'other_config', 'sm_config', 'tags', 'shared'],
  PBD: ['other_config'],
  VDI: ['name_label', 'name_description', 'other_config', 'sm_config', 'xenstore_data', 'tags', 'on_boot', 'allow_caching'],
  VBD: ['other_config', 'userdevice', 'mode', 'bootable'],
  VM: ['name_label', 'name_description', 'other_config', 'affinity', 'tags'],
  task: ['other_config', 'progress', 'status', 'result', 'error_info'],
  SM: ['other_config'],
};

/** Fields only the `__sm__backend` session of the object's SR may set (PERMISSION_DENIED otherwise). */
export const SM_ONLY: Partial<Record<ClassName, readonly string[]>> = {
  VDI: [
    'virtual_size', 'physical_utilisation', 'read_only', 'sharable', 'managed', 'missing', 'is_a_snapshot', 'snapshot_of', 'snapshot_time',
    'metadata_of_pool', 'cbt_enabled',
  ],
  SR: ['virtual_allocation', 'physical_size', 'physical_utilisation'],
  PBD: ['device_config'],
};

/** Fields holding int64 values (decimal strings on the wire). */
export const INT_FIELDS = new Set(['virtual_size', 'physical_utilisation', 'physical_size', 'virtual_allocation', 'MTU', 'VLAN']);
