// vdi_snapshot (double, as xapi asks for VM snapshots) and vdi_clone on the simulated pool —
// the median wall time of the driver process and the LINSTOR requests that process sent (the simulator
// counts per pid: the pause fan-out's plugin calls and vdi_update are not credited to the verb). Data is
// written between calls so that every base copy is kept (the chain grows).
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createXapi } from '../lib/xapi/index.js';
import { startPool, type SimPool } from '../sim/pool/pool.js';
import { createLinstorClient } from '../lib/linstor/index.js';
import { writeLeaf } from '../sim/fixtures/write.js';
import type { SrOnPool } from '../sim/fixtures/sr.js';
import { median, round } from './process-time.js';
import type { Bench } from './run.js';

const MIB = 1024 * 1024;
const THIN = { 'group-name': 'linstor_group/thin_device', redundancy: '2', provisioning: 'thin' };
const ROUNDS = 5;

/** The LINSTOR requests of the last `verb` run, by its process. */
function requestsOfLast(pool: SimPool, verb: string): number {
  const run = pool.xapi.executions.findLast((e) => e.kind === 'driver' && e.name === verb);
  if (run?.pid === undefined) throw new Error(`no ${verb} run recorded`);
  return pool.runtime.controller.sim?.controls.countersOf(run.pid).total ?? NaN;
}

const bench: Bench = {
  name: 'snapshot',
  async run() {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'bench-snap-'));
    const pool = await startPool({ dir, hosts: 3, diskSizeGiB: 40, env: { LINSTOR_SR_TIME_SCALE: '0.05', LINSTOR_SR_GC: 'off' } });
    const xapi = createXapi({ endpoint: { url: pool.xapiUrl! } });
    try {
      await xapi.client.loginWithPassword('root', '');
      const sr = await xapi.sr.create({ host: pool.xapi.host('host1').ref, deviceConfig: THIN, nameLabel: 'bench', nameDescription: '', type: 'linstor', shared: true });
      const linstor = createLinstorClient({ controllers: [pool.runtime.controller.url()!] });
      const f: SrOnPool = { pool, xapi, linstor, srRef: sr, srUuid: await xapi.sr.getUuid(sr), groupName: THIN['group-name'] };
      const vdi = await xapi.vdi.create({ SR: sr, virtual_size: 64 * MIB, name_label: 'bench' });
      const uuid = await xapi.vdi.getUuid(vdi);
      const figures: Record<string, unknown> = {};
      for (const verb of ['vdi_snapshot', 'vdi_clone'] as const) {
        const counts: number[] = [];
        for (let i = 0; i < ROUNDS; i += 1) {
          await writeLeaf(f, uuid, i * MIB, randomBytes(64 * 1024));
          const made = verb === 'vdi_snapshot' ? await xapi.vdi.snapshot(vdi) : await xapi.vdi.clone(vdi);
          counts.push(requestsOfLast(pool, verb));
          await xapi.vdi.destroy(made);
        }
        const ms = pool.xapi.executions.filter((e) => e.kind === 'driver' && e.name === verb && e.outcome.kind === 'ok').map((e) => e.durationMs);
        figures[verb] = { median_ms: round(median(ms)), linstor_requests: median(counts), runs: ms.length };
      }
      await linstor.close();
      return figures;
    } finally {
      await xapi.client.logout().catch(() => undefined);
      await pool.close();
      await rm(dir, { recursive: true, force: true });
    }
  },
};
export default bench;
