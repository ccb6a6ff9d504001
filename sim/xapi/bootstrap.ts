/**
 * The records a fresh pool has before anyone calls: the pool, each host with its control domain, two
 * networks (management on eth0, a storage network on eth1 that DRBD traffic can be moved to) and a PIF
 * per host on each, and the SM records built from each driver's `sr_get_driver_info` (spec §3.1–§3.3:
 * unknown capability names are dropped, `NAME/<n>` gives feature version n).
 */
import { isStruct, type XmlRpcValue } from '../../lib/smapi/xmlrpc.js';
import type { SimHostSpec } from './context.js';
import type { Db } from './db.js';

/** Capability names xapi keeps (smint.ml); others are dropped from the SM record. */
const KNOWN_CAPABILITIES = new Set([
  'SR_CREATE', 'SR_DELETE', 'SR_ATTACH', 'SR_DETACH', 'SR_SCAN', 'SR_PROBE', 'SR_UPDATE', 'SR_SUPPORTS_LOCAL_CACHING', 'SR_STATS', 'SR_METADATA',
  'SR_TRIM', 'SR_MULTIPATH', 'SR_CACHING', 'VDI_CREATE', 'VDI_DELETE', 'VDI_ATTACH', 'VDI_DETACH', 'VDI_ACTIVATE', 'VDI_DEACTIVATE',
  'VDI_ACTIVATE_READONLY', 'VDI_CLONE', 'VDI_SNAPSHOT', 'VDI_RESIZE', 'VDI_RESIZE_ONLINE', 'VDI_UPDATE', 'VDI_INTRODUCE', 'VDI_GENERATE_CONFIG',
  'VDI_ATTACH_OFFLINE', 'VDI_RESET_ON_BOOT', 'VDI_CONFIG_CBT', 'VDI_MIRROR', 'VDI_MIRROR_IN', 'VDI_COMPOSE', 'VDI_REVERT', 'VDI_READ_CACHING',
  'LARGE_VDI', 'THIN_PROVISIONING',
]);

/** A second-network address for a host that was given none: same last octet, third octet + 128. */
export function defaultStorageAddress(address: string): string {
  const parts = address.split('.');
  if (parts.length !== 4) return '';
  return [parts[0], parts[1], String((Number(parts[2]) + 128) % 256), parts[3]].join('.');
}

/** Creates pool, networks, hosts, PIFs and control domains. Returns the pool ref and host refs by name. */
export function bootstrapPool(db: Db, hosts: readonly SimHostSpec[], poolName: string): { pool: string; hostRefs: Map<string, string> } {
  const management = db.create('network', { name_label: 'Pool-wide network associated with eth0', bridge: 'xenbr0' });
  const storage = db.create('network', { name_label: 'Pool-wide network associated with eth1', bridge: 'xenbr1' });
  const hostRefs = new Map<string, string>();
  hosts.forEach((h, index) => {
    const ref = db.create('host', { name_label: h.name, hostname: h.name, address: h.address }, h.uuid);
    hostRefs.set(h.name, ref);
    const mac = (nic: number): string => `02:00:00:00:${(index + 1).toString(16).padStart(2, '0')}:${nic.toString(16).padStart(2, '0')}`;
    db.create('PIF', { device: 'eth0', network: management, host: ref, MAC: mac(0), IP: h.address, management: true });
    db.create('PIF', { device: 'eth1', network: storage, host: ref, MAC: mac(1), IP: h.storageAddress ?? defaultStorageAddress(h.address) });
    const dom0 = db.create('VM', {
      name_label: `Control domain on host: ${h.name}`, is_control_domain: true, power_state: 'Running', resident_on: ref,
    });
    db.set('host', ref, { control_domain: dom0 });
  });
  const master = hostRefs.get(hosts[0]?.name ?? '') ?? 'OpaqueRef:NULL';
  const pool = db.create('pool', { name_label: poolName, master });
  return { pool, hostRefs };
}

/** The SM record fields for a driver's `sr_get_driver_info` answer. */
export function smRecordFields(type: string, info: XmlRpcValue): Record<string, string | string[] | Record<string, string>> {
  const s = isStruct(info) ? info : {};
  const text = (k: string): string => (typeof s[k] === 'string' ? s[k] : '');
  const capabilities: string[] = [];
  const features: Record<string, string> = {};
  for (const entry of Array.isArray(s['capabilities']) ? s['capabilities'] : []) {
    if (typeof entry !== 'string') continue;
    const [name = '', version = '1'] = entry.split('/');
    if (!KNOWN_CAPABILITIES.has(name)) continue;
    capabilities.push(name);
    features[name] = /^\d+$/.test(version) ? version : '1';
  }
  const configuration: Record<string, string> = {};
  for (const entry of Array.isArray(s['configuration']) ? s['configuration'] : []) {
    if (isStruct(entry) && typeof entry['key'] === 'string') configuration[entry['key']] = typeof entry['description'] === 'string' ? entry['description'] : '';
  }
  return {
    type, name_label: text('name'), name_description: text('description'), vendor: text('vendor'), copyright: text('copyright'),
    version: text('driver_version'), required_api_version: text('required_api_version'), capabilities, features, configuration,
    driver_filename: driverFilename(type),
  };
}

/** Where xapi finds an SR type's driver on a host (the SM record's driver_filename). */
export function driverFilename(type: string): string {
  return `/opt/xensource/sm/${type.charAt(0).toUpperCase()}${type.slice(1)}SR`;
}
