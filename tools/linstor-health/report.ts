/**
 * The health report as `linstor-health` reads it: the plugin's `healthCheck` JSON (spec/sm-linstor.md §6)
 * plus the VDI ↔ resource map, and the severity of each problem from the bits of its code
 * (level bits 24–26: 0x1000000 warning, 0x2000000 error; subject bits 16–23).
 */
export type Replica = {
  volumes: { 'disk-state': string; 'usable-size': number; 'allocated-size': number; 'storage-pool-name': string }[];
  diskful: boolean;
  'tie-breaker': boolean;
  'in-use': boolean;
};
export type HealthReport = {
  'controller-uri': string;
  nodes: Record<string, string>;
  'storage-pools': Record<string, { name: string; 'free-size': number; capacity: number }[]>;
  resources: Record<string, { uuid: string; nodes: Record<string, Replica> }>;
  errors: ({ code: number } & Record<string, unknown>)[];
};

export type Severity = 'ok' | 'warning' | 'error';

const NAMES: Readonly<Record<number, string>> = {
  0x2010000: 'GENERIC_UNEXPECTED',
  0x2010001: 'GENERIC_LINSTOR_UNREACHABLE',
  0x1020000: 'NODE_NOT_ONLINE',
  0x2030000: 'STORAGE_POOL_UNKNOWN_FREE_SIZE',
  0x2030001: 'STORAGE_POOL_UNKNOWN_CAPACITY',
  0x1030002: 'STORAGE_POOL_LOW_FREE_SIZE',
  0x1040000: 'VOLUME_UNKNOWN_STATE',
  0x2040001: 'VOLUME_INVALID_STATE',
  0x1040002: 'VOLUME_WRONG_DISKLESS_STATE',
  0x1040003: 'VOLUME_INTERNAL_UNVERIFIED_STATE',
};

export function codeName(code: number): string {
  return NAMES[code] ?? `0x${code.toString(16)}`;
}

export function severityOf(code: number): Severity {
  // Unknown levels count as errors: a code we cannot read is not a reason to say "healthy".
  return (code & 0x7000000) === 0x1000000 ? 'warning' : 'error';
}

export function worstSeverity(report: HealthReport): Severity {
  let worst: Severity = 'ok';
  for (const e of report.errors) {
    const s = severityOf(e.code);
    if (s === 'error') return 'error';
    worst = 'warning';
  }
  return worst;
}

/** Exit status: 0 healthy, 1 warnings, 2 errors (3 when the check itself could not run). */
export const EXIT = { ok: 0, warning: 1, error: 2, failed: 3 } as const;

export type VdiReplicas = {
  vdi: string;
  name: string;
  resource: string;
  replicas: { node: string; diskful: boolean; 'tie-breaker': boolean; 'in-use': boolean; 'disk-state': string }[];
};

/** Each resource with its VDI (uuid and XAPI name, '' for the database) and its replicas, sorted by VDI name. */
export function vdiMap(report: HealthReport, names: ReadonlyMap<string, string>): VdiReplicas[] {
  return Object.entries(report.resources)
    .map(([resource, r]) => ({
      vdi: r.uuid,
      name: names.get(r.uuid) ?? '',
      resource,
      replicas: Object.entries(r.nodes)
        .map(([node, rep]) => ({
          node,
          diskful: rep.diskful,
          'tie-breaker': rep['tie-breaker'],
          'in-use': rep['in-use'],
          'disk-state': rep.volumes.map((v) => v['disk-state']).join(',') || (rep.diskful ? 'DUnknown' : 'Diskless'),
        }))
        .sort((a, b) => a.node.localeCompare(b.node)),
    }))
    .sort((a, b) => a.name.localeCompare(b.name) || a.resource.localeCompare(b.resource));
}
