/**
 * The report as tables for people: nodes, storage pools, the VDI ↔ resource map with every replica,
 * and the problems with their severity. Colours (ANSI) only when asked — the caller decides (a TTY).
 */
import { codeName, severityOf, type HealthReport, type Severity } from '../../lib/health/report.js';
import type { VdiReplicas } from './report.js';

const ANSI = { red: '\u001b[31m', yellow: '\u001b[33m', green: '\u001b[32m', bold: '\u001b[1m', reset: '\u001b[0m' };
type Colour = keyof typeof ANSI;

export function gib(bytes: number): string {
  return bytes < 0 ? 'unknown' : `${(bytes / 2 ** 30).toFixed(1)} GiB`;
}

/** Columns padded to their widest cell (colour codes excluded from the width). */
function columns(rows: readonly (readonly string[])[]): string[] {
  const visible = (s: string) => s.replace(/\u001b\[\d+m/g, '').length;
  const widths = rows[0]!.map((_c, i) => Math.max(...rows.map((r) => visible(r[i] ?? ''))));
  return rows.map((r) => `  ${r.map((c, i) => (i === r.length - 1 ? c : c + ' '.repeat(widths[i]! - visible(c)))).join('  ')}`.trimEnd());
}

export function renderTable(report: HealthReport, vdis: readonly VdiReplicas[], worst: Severity, colour: boolean, backup?: string): string {
  const paint = (c: Colour, s: string) => (colour ? `${ANSI[c]}${s}${ANSI.reset}` : s);
  const bySeverity = (s: Severity, text: string) => paint(s === 'error' ? 'red' : s === 'warning' ? 'yellow' : 'green', text);
  const out: string[] = [];
  out.push(`${paint('bold', 'Controller')}: ${report['controller-uri'] || 'not found'}`);
  if (backup !== undefined) out.push(`${paint('bold', 'Database backup')}: ${backup}`);
  out.push('');

  out.push(paint('bold', 'Nodes'));
  const nodes = Object.entries(report.nodes).sort(([a], [b]) => a.localeCompare(b));
  out.push(...columns([['NODE', 'STATUS'], ...nodes.map(([n, s]) => [n, s === 'ONLINE' ? paint('green', s) : paint('yellow', s)])]), '');

  out.push(paint('bold', 'Storage pools'));
  const pools = Object.entries(report['storage-pools']).flatMap(([node, list]) => list.map((p) => ({ node, ...p }))).sort((a, b) => a.node.localeCompare(b.node));
  out.push(
    ...columns([
      ['NODE', 'POOL', 'FREE', 'TOTAL', 'FREE %'],
      ...pools.map((p) => [p.node, p.name, gib(p['free-size']), gib(p.capacity), p.capacity > 0 && p['free-size'] >= 0 ? `${Math.floor((p['free-size'] / p.capacity) * 100)}%` : '-']),
    ]),
    '',
  );

  out.push(paint('bold', 'Volumes (VDI ↔ LINSTOR resource, replicas)'));
  const rows: string[][] = [['VDI', 'NAME', 'RESOURCE', 'NODE', 'DISK', 'STATE', 'IN USE']];
  for (const v of vdis) {
    v.replicas.forEach((r, i) => {
      const ok = r['disk-state'] === 'UpToDate' || r['disk-state'] === 'Diskless' || r['disk-state'] === 'TieBreaker';
      rows.push([
        i === 0 ? v.vdi || '-' : '',
        i === 0 ? v.name || (v.vdi ? '' : '(controller database)') : '',
        i === 0 ? v.resource : '',
        r.node,
        r.diskful ? 'diskful' : r['tie-breaker'] ? 'tie-breaker' : 'diskless',
        ok ? r['disk-state'] : paint('yellow', r['disk-state']),
        r['in-use'] ? 'yes' : '',
      ]);
    });
  }
  out.push(...columns(rows), '');

  out.push(paint('bold', 'Problems'));
  if (report.errors.length === 0) out.push(`  ${paint('green', 'none')}`);
  else {
    out.push(
      ...columns([
        ['SEVERITY', 'CODE', 'DETAILS'],
        ...report.errors.map((e) => {
          const { code, ...rest } = e;
          const s = severityOf(code);
          return [bySeverity(s, s), codeName(code), Object.entries(rest).map(([k, v]) => `${k}=${String(v)}`).join(' ')];
        }),
      ]),
    );
  }
  out.push('', `Overall: ${bySeverity(worst, worst === 'ok' ? 'healthy' : worst === 'warning' ? 'warnings' : 'errors')}`);
  return `${out.join('\n')}\n`;
}
