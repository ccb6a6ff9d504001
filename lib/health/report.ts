/**
 * The health report of the linstor-manager plugin's `healthCheck` (spec/sm-linstor.md §6): the plugin
 * writes it, Xen Orchestra's XOSTOR tab and `linstor-health` read it, so its field names and codes are
 * the Python plugin's. A problem's code is level | subject | value: the level in bits 24–26 (0x1000000
 * warning, 0x2000000 error), the subject in bits 16–23.
 */

const WARN = 0x1000000;
const ERR = 0x2000000;
const LEVEL = 0x7000000;
const GENERIC = 0x10000;
const NODE = 0x20000;
const STORAGE_POOL = 0x30000;
const VOLUME = 0x40000;

/** Error codes: level | subject | value (spec §6 "healthCheck"). */
export const HEALTH_CODES = {
  GENERIC_UNEXPECTED: ERR | GENERIC | 0,
  GENERIC_LINSTOR_UNREACHABLE: ERR | GENERIC | 1,
  NODE_NOT_ONLINE: WARN | NODE | 0,
  STORAGE_POOL_UNKNOWN_FREE_SIZE: ERR | STORAGE_POOL | 0,
  STORAGE_POOL_UNKNOWN_CAPACITY: ERR | STORAGE_POOL | 1,
  STORAGE_POOL_LOW_FREE_SIZE: WARN | STORAGE_POOL | 2,
  VOLUME_UNKNOWN_STATE: WARN | VOLUME | 0,
  VOLUME_INVALID_STATE: ERR | VOLUME | 1,
  VOLUME_WRONG_DISKLESS_STATE: WARN | VOLUME | 2,
  VOLUME_INTERNAL_UNVERIFIED_STATE: WARN | VOLUME | 3,
} as const;

/** A problem: its code and the fields naming what it is about (node, resource, pool, message…). */
export type HealthError = { code: number } & Record<string, unknown>;
export type HealthVolume = {
  'storage-pool-name': string;
  'linstor-uuid': string;
  number: number;
  'device-path': string;
  'usable-size': number;
  'allocated-size': number;
  'disk-state': string;
};
export type HealthReplica = { volumes: HealthVolume[]; diskful: boolean; 'tie-breaker': boolean; 'in-use': boolean };
/** Sizes in bytes, -1 when unknown. */
export type HealthPool = { name: string; 'linstor-uuid': string; 'free-size': number; capacity: number };

export type HealthReport = {
  'controller-uri': string;
  nodes: Record<string, string>;
  'storage-pools': Record<string, HealthPool[]>;
  resources: Record<string, { uuid: string; nodes: Record<string, HealthReplica> }>;
  errors: HealthError[];
};

export type Severity = 'ok' | 'warning' | 'error';

const NAMES: Readonly<Record<number, string>> = Object.fromEntries(Object.entries(HEALTH_CODES).map(([name, code]) => [code, name]));

/** The code's name, or the code in hex when it is not one of HEALTH_CODES. */
export function codeName(code: number): string {
  return NAMES[code] ?? `0x${code.toString(16)}`;
}

export function severityOf(code: number): Severity {
  // Unknown levels count as errors: a code we cannot read is not a reason to say "healthy".
  return (code & LEVEL) === WARN ? 'warning' : 'error';
}
