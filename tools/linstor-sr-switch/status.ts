/** Builds this host's StatusReport from the RPM database, the state file and the managed paths. */
import type { Exec } from '../../lib/exec/run.js';
import { inspectAll } from './inspect.js';
import { problemsOf, type StatusReport } from './report.js';
import { queryOwnVersion, type SmPackage } from './sm-package.js';
import { readState } from './state.js';

export async function hostStatus(exec: Exec, root: string, sm: SmPackage | undefined): Promise<StatusReport> {
  const [state, linstorSr, paths] = await Promise.all([readState(root), queryOwnVersion(exec, root), inspectAll(root, sm)]);
  return { state, sm: sm?.version ?? null, linstorSr: linstorSr ?? null, paths, problems: problemsOf(state, sm !== undefined, paths) };
}
