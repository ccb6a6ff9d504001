/**
 * A pool in agent mode: xapi runs the Python launchers, every host's linstor-sr-agent runs the calls.
 * The VDI verbs and the plugin calls they make behave as in direct mode; a call killed by a fault dies
 * as a killed driver, the next scan repairs what it left, and the agent goes on serving.
 */
import test from 'ava';
import { mkdtemp, readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createXapi } from '../../lib/xapi/index.js';
import { createSr, THIN } from '../../sim/fixtures/sr-create.js';
import { startPool } from '../../sim/pool/pool.js';
import { runProcess } from '../../sim/xapi/spawn.js';

const MiB = 1024 * 1024;

async function agentPool(t: { teardown(fn: () => Promise<void>): void }) {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'agent-e2e-'));
  const log = path.join(dir, 'SMlog');
  const pool = await startPool({ dir, hosts: 2, diskSizeGiB: 10, agent: true, env: { LINSTOR_SR_TIME_SCALE: '0.01', LINSTOR_SR_GC: 'off', LINSTOR_SR_LOG_FILE: log } });
  const xapi = createXapi({ endpoint: { url: pool.xapiUrl! } });
  await xapi.client.loginWithPassword('root', '');
  t.teardown(async () => {
    await xapi.client.logout().catch(() => undefined);
    await pool.close();
  });
  const srRef = await createSr({ pool, xapi, master: pool.xapi.host('host1').ref }, THIN);
  return { pool, xapi, srRef, log };
}

/** The callers (launcher pids) whose calls an agent worker ran, from SMlog's call-end lines. */
async function servedByAgent(log: string): Promise<Set<number>> {
  const lines = (await readFile(log, 'utf8')).split('\n').filter((l) => / done in \d+ ms: .*\(agent worker \d+\)$/.test(l));
  return new Set(lines.map((l) => Number(/\[(\d+)\]/.exec(l)?.[1])));
}

test('in agent mode the verbs and the plugin calls they make run in the agents, with their usual results', async (t) => {
  const { pool, xapi, srRef, log } = await agentPool(t);
  t.is(pool.agents?.pids.size, 2);
  const vdi = await xapi.vdi.create({ SR: srRef, virtual_size: 64 * MiB, name_label: 'a' });
  const snapshot = await xapi.vdi.snapshot(vdi);
  const clone = await xapi.vdi.clone(snapshot);
  await xapi.sr.scan(srRef);
  await xapi.vdi.destroy(clone);
  t.deepEqual(Object.values(await xapi.vdi.recordsOfSr(srRef)).map((r) => r.name_label).sort(), ['a', 'a', 'base copy']);
  const runs = pool.xapi.executions.filter((e) => e.name !== 'sr_get_driver_info');
  t.true(runs.some((e) => e.kind === 'plugin'), 'the verbs called the plugin');
  t.true(runs.every((e) => e.outcome.kind === 'ok'), runs.filter((e) => e.outcome.kind !== 'ok').map((e) => e.name).join(' '));
  t.true(runs.every((e) => e.argv[0]!.endsWith('.py')), 'xapi ran the launchers');
  const served = await servedByAgent(log);
  const direct = runs.filter((e) => !served.has(e.pid!));
  // Only a call meeting every worker busy runs in its launcher; here calls are few and mostly sequential.
  t.true(direct.length <= runs.length / 4, `run by their launchers: ${direct.map((e) => `${e.name}@${e.host}`).join(' ')}`);
});

test('in agent mode a call killed at a fault point dies as a killed driver, and the agent serves the next', async (t) => {
  const { pool, xapi, srRef } = await agentPool(t);
  const agents = new Map(pool.agents!.pids);
  pool.xapi.armFault('host1', 'vdi_create', 'vdi_create:after-volume:kill');
  await t.throwsAsync(xapi.vdi.create({ SR: srRef, virtual_size: 64 * MiB, name_label: 'killed' }));
  const killed = pool.xapi.executions.findLast((e) => e.name === 'vdi_create')!;
  t.is(killed.signal, 'SIGKILL');
  t.is(killed.stdout, '');
  // The agents still run, and the next calls succeed there: a scan (which repairs the half-made volume) and a create.
  for (const [host, pid] of agents) t.notThrows(() => process.kill(pid, 0), `the agent of ${host} still runs`);
  await xapi.sr.scan(srRef);
  const vdi = await xapi.vdi.create({ SR: srRef, virtual_size: 64 * MiB, name_label: 'after' });
  t.is((await xapi.vdi.getRecord(vdi)).name_label, 'after');
  t.deepEqual(Object.values(await xapi.vdi.recordsOfSr(srRef)).map((r) => r.name_label), ['after']);
});

test('a driver call replayed by hand answers the same through the agent and through the Node entry', async (t) => {
  const { pool, xapi, srRef } = await agentPool(t);
  await xapi.vdi.create({ SR: srRef, virtual_size: 64 * MiB, name_label: 'a' });
  // A plugin call of the verb, replayed with its argv and environment: read-only, its session still valid.
  const recorded = pool.xapi.executions.filter((e) => e.kind === 'plugin' && e.outcome.kind === 'ok');
  t.true(recorded.length > 0);
  for (const run of recorded.slice(0, 3)) {
    const viaAgent = await runProcess(run.argv, { ...run.env }, 60_000);
    const direct = await runProcess(run.argv, { ...run.env, LINSTOR_SR_AGENT: 'off' }, 60_000);
    t.is(viaAgent.stdout, direct.stdout, run.name);
    t.is(viaAgent.exitCode, 0);
  }
});
