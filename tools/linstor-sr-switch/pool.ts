/**
 * `--pool`: the same command on every host of the pool, through the `linstor-sr-switch` XAPI plugin
 * that the package installs on each host (plugins/linstor-sr-switch.ts runs this tool there). A host
 * without the package has no such plugin: it shows as "not installed" (it runs sm's driver). Mixed
 * pools are supported: both drivers read each other's state, so hosts may be switched one by one.
 */
import { isXapiError, type Xapi } from '../../lib/xapi/index.js';
import { implementationOf, type StatusReport } from './report.js';

export const PLUGIN = 'linstor-sr-switch';

/** One host's answer. */
export type HostOutcome =
  | { readonly host: string; readonly ok: true; readonly report: StatusReport }
  | { readonly host: string; readonly ok: false; readonly error: string };

export type PoolCommand = 'status' | 'enable' | 'disable';

function explain(error: unknown): string {
  if (isXapiError(error)) {
    if (error.code === 'XENAPI_MISSING_PLUGIN') return 'linstor-sr is not installed (no linstor-sr-switch plugin): this host runs sm\'s driver';
    // A refusal travels as XENAPI_PLUGIN_FAILURE [fn, class, message].
    if (error.code === 'XENAPI_PLUGIN_FAILURE' && error.params.length >= 3) return error.params.slice(2).join(' ');
    return `${error.code} ${error.params.join(' ')}`.trim();
  }
  return error instanceof Error ? error.message : String(error);
}

/** Runs `command` on every host, one after the other (a rolling switch), by name order. */
export async function onEveryHost(xapi: Xapi, command: PoolCommand, force: boolean): Promise<HostOutcome[]> {
  const hosts = Object.entries(await xapi.host.getAllRecords()).sort(([, a], [, b]) => a.name_label.localeCompare(b.name_label));
  const out: HostOutcome[] = [];
  for (const [ref, record] of hosts) {
    try {
      const text = await xapi.host.callPlugin(ref, PLUGIN, command, command === 'status' ? {} : { force: force ? 'true' : 'false' });
      out.push({ host: record.name_label, ok: true, report: JSON.parse(text) as StatusReport });
    } catch (error) {
      out.push({ host: record.name_label, ok: false, error: explain(error) });
    }
  }
  return out;
}

/** The pool table: one line per host. */
export function renderPool(outcomes: readonly HostOutcome[]): string {
  const rows = [['HOST', 'STATE', 'IMPLEMENTATION', 'SM', 'LINSTOR-SR', 'PROBLEMS']];
  for (const o of outcomes) {
    if (o.ok) {
      const r = o.report;
      rows.push([o.host, r.state, implementationOf(r.paths), r.sm ?? '-', r.linstorSr ?? '-', r.problems.length ? r.problems.join('; ') : 'none']);
    } else rows.push([o.host, '-', '-', '-', '-', o.error.replace(/\n+/g, '; ')]);
  }
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join('  ')).join('\n') + '\n';
}

/** Whether every host answered and has nothing to fix. */
export function poolHealthy(outcomes: readonly HostOutcome[]): boolean {
  return outcomes.every((o) => o.ok && o.report.problems.length === 0);
}
