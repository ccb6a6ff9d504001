/**
 * What `linstor-health` makes of the plugin's `healthCheck` report (lib/health/report.ts): the pool's
 * overall severity, the exit status, and the VDI ↔ resource map.
 */
import { severityOf, type HealthReport, type Severity } from '../../lib/health/report.js';

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
