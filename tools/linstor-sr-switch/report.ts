/**
 * `status`: which implementation each managed path is, what its backup holds, and what needs the
 * operator (a path that is neither ours nor sm's, sm's files changed since the backup, a switch an sm
 * update undid). The same object is printed as a table, as JSON (`--json`, what the XAPI plugin returns
 * for `status --pool`), and decides the exit status (0: nothing to do, 1: a problem is listed).
 */
import type { PathReport } from './inspect.js';
import type { SwitchState } from './state.js';

export type StatusReport = {
  readonly state: SwitchState;
  /** The installed sm's version-release, or null when sm is not installed. */
  readonly sm: string | null;
  /** The installed linstor-sr package's version-release, or null (not installed from the package). */
  readonly linstorSr: string | null;
  readonly paths: readonly PathReport[];
  readonly problems: readonly string[];
};

/** What needs attention, one sentence each. */
export function problemsOf(state: SwitchState, smInstalled: boolean, paths: readonly PathReport[]): string[] {
  const out: string[] = [];
  for (const p of paths) {
    if (p.now === 'changed') out.push(`${p.path} is neither sm's file nor linstor-sr's link: ${p.detail ?? ''}`);
    if (p.now === 'missing' && smInstalled) out.push(`${p.path} is missing although sm is installed`);
    if (p.backup === 'changed') out.push(`${p.path}: sm's file changed since the backup (${p.detail ?? ''})`);
    if (state === 'enabled' && p.now === 'sm') out.push(`${p.path} is sm's again although the switch is enabled (an sm update without the package trigger?): run linstor-sr-switch enable`);
    if (state === 'enabled' && p.now === 'linstor-sr' && p.backup === 'none') out.push(`${p.path}: no backup of sm's file, disable cannot restore it`);
    if (state === 'disabled' && p.now === 'linstor-sr') out.push(`${p.path} is still linstor-sr's although the switch is disabled: run linstor-sr-switch disable`);
  }
  return out;
}

/** Which implementation the paths are, in one word. */
export function implementationOf(paths: readonly PathReport[]): 'linstor-sr' | 'sm' | 'mixed' | 'none' {
  if (paths.every((p) => p.now === 'linstor-sr')) return 'linstor-sr';
  if (paths.every((p) => p.now === 'sm')) return 'sm';
  if (paths.every((p) => p.now === 'missing')) return 'none';
  return 'mixed';
}

function table(rows: readonly (readonly string[])[]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join('  ')).join('\n') + '\n';
}

/** The status table of one host. */
export function renderStatus(report: StatusReport): string {
  const head = `state: ${report.state}, implementation: ${implementationOf(report.paths)} (sm ${report.sm ?? 'not installed'}, linstor-sr ${report.linstorSr ?? 'not installed as a package'})\n`;
  const rows = [['PATH', 'NOW', 'BACKUP', 'ROLE'], ...report.paths.map((p) => [p.path, p.now, p.backup, p.role])];
  const problems = report.problems.length ? `problems:\n${report.problems.map((p) => `  - ${p}\n`).join('')}` : '';
  return head + table(rows) + problems;
}
