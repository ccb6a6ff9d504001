// linstor-health: the pool's LINSTOR health for people (a table, coloured on a terminal) or scripts
// (`--json`): the linstor-manager `healthCheck` report of this host, through XAPI as Xen Orchestra asks
// it, with each VDI's resource and replicas. Exit status: 0 healthy, 1 warnings, 2 errors, 3 no report.
import { parseArgs } from 'node:util';
import type { HealthReport } from '../../lib/health/report.js';
import { readHostEnv } from '../../lib/host/env.js';
import { thisHostRef } from '../../lib/host/inventory.js';
import { groupNameProblem } from '../../lib/volume/group-name.js';
import { createLocalXapi, type Xapi } from '../../lib/xapi/index.js';
import { describeBackup, newestBackup } from './database-backup.js';
import { EXIT, vdiMap, worstSeverity } from './report.js';
import { renderTable } from './table.js';

const USAGE = 'usage: linstor-health [-g GROUP_NAME] [--json] [--no-color]';

/** The group-name of this pool's LINSTOR SR (one per pool), and the SR. */
async function linstorSr(xapi: Xapi, wanted: string | undefined): Promise<{ group: string; sr: string }> {
  const found = new Map<string, string>();
  for (const [, pbd] of Object.entries(await xapi.pbd.getAllRecords())) {
    const group = pbd.device_config['group-name'];
    if (group && (!wanted || wanted === group) && (await xapi.sr.get(pbd.SR, 'type')) === 'linstor') found.set(group, pbd.SR);
  }
  if (found.size === 0) throw new Error(wanted ? `no LINSTOR SR with group-name ${wanted}` : 'no LINSTOR SR in this pool');
  if (found.size > 1) throw new Error(`several LINSTOR SRs (${[...found.keys()].join(', ')}): choose one with -g`);
  const [[group, sr]] = [...found] as [[string, string]];
  return { group, sr };
}

async function main(argv: readonly string[]): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({ args: [...argv], options: { 'group-name': { type: 'string', short: 'g' }, json: { type: 'boolean' }, 'no-color': { type: 'boolean' }, help: { type: 'boolean', short: 'h' } } }));
  } catch (error) {
    process.stderr.write(`linstor-health: ${(error as Error).message}\n${USAGE}\n`);
    return EXIT.failed;
  }
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return EXIT.ok;
  }
  const wanted = values['group-name'];
  const problem = wanted === undefined ? undefined : groupNameProblem(wanted);
  if (problem) {
    process.stderr.write(`linstor-health: invalid group name ${JSON.stringify(wanted)}: ${problem}\n${USAGE}\n`);
    return EXIT.failed;
  }
  const env = readHostEnv();
  const xapi = createLocalXapi({ socketPath: env.xapiSocket, originator: 'linstor-health' });
  let report: HealthReport;
  let names: Map<string, string>;
  try {
    await xapi.client.loginWithPassword('root', '');
    try {
      const { group, sr } = await linstorSr(xapi, values['group-name']);
      const self = await thisHostRef(xapi, env.root);
      report = JSON.parse(await xapi.host.callPlugin(self, 'linstor-manager', 'healthCheck', { groupName: group })) as HealthReport;
      names = new Map(Object.values(await xapi.vdi.recordsOfSr(sr)).map((v) => [v.uuid, v.name_label]));
    } finally {
      await xapi.client.logout().catch(() => undefined);
    }
  } catch (error) {
    process.stderr.write(`linstor-health: ${error instanceof Error ? error.message : String(error)}\n`);
    return EXIT.failed;
  }
  const worst = worstSeverity(report);
  const vdis = vdiMap(report, names);
  const backup = await newestBackup(env.root, Date.now());
  if (values.json) process.stdout.write(`${JSON.stringify({ ...report, vdis, 'database-backup': backup, status: worst }, null, 2)}\n`);
  else process.stdout.write(renderTable(report, vdis, worst, process.stdout.isTTY === true && !values['no-color'] && !process.env['NO_COLOR'], describeBackup(backup)));
  return EXIT[worst];
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`linstor-health: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = EXIT.failed;
  },
);
