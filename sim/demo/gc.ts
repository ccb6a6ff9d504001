/**
 * The demo's garbage collector step: `linstor-gc` run on the master as an operator would (the demo's pool
 * keeps the driver's automatic kicks off so every step is deterministic), and the depth of each VDI's
 * VHD chain read from `linstor-gc --status` (the tree it prints: one level per layer).
 */
import { execa } from 'execa';
import path from 'node:path';
import { distDir, type SimPool } from '../pool/pool.js';

/** Runs dist/linstor-gc on host1 (the master) with the environment the simulator gives processes there. */
export async function runGc(pool: SimPool, srUuid: string, args: readonly string[] = []): Promise<string> {
  const r = await execa(process.execPath, [path.join(distDir(), 'linstor-gc'), '--sr', srUuid, ...args], {
    reject: false,
    extendEnv: false,
    env: {
      PATH: pool.pathFor('host1'),
      LINSTOR_SR_ROOT: pool.runtime.host('host1').spec.root,
      LINSTOR_SR_XAPI_SOCKET: pool.xapiSockets['host1'] ?? '',
      LINSTOR_SR_TIME_SCALE: '0.05',
    },
  });
  if (r.exitCode !== 0) throw new Error(`linstor-gc ${args.join(' ')} exited ${String(r.exitCode)}: ${String(r.stderr).trim()}`);
  return String(r.stdout);
}

/**
 * The number of VHD layers under each VDI named in `uuids`, from the `--status` tree: a root is at column
 * 0 and every level below indents by three characters (`├─ `, `│  `).
 */
export async function chainDepths(pool: SimPool, srUuid: string, uuids: readonly string[]): Promise<Record<string, number>> {
  const status = await runGc(pool, srUuid, ['--status']);
  const out: Record<string, number> = {};
  for (const uuid of uuids) {
    const line = status.split('\n').find((l) => l.includes(`${uuid}  `));
    if (line === undefined) throw new Error(`VDI ${uuid} is missing from linstor-gc --status:\n${status}`);
    out[uuid] = line.indexOf(uuid) / 3 + 1;
  }
  return out;
}
