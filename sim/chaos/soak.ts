/**
 * The chaos soak (`xostor-sim chaos`): proves that no acknowledged write is lost and no snapshot is
 * corrupted under faults and concurrency.
 *   1. a 3-host simulated pool (host3 without disks) and a thin SR of redundancy 2, made through XenAPI
 *   2. C workers run M ops in all (worker.ts), each with a seeded op stream and fault stream
 *   3. every K ops (and at the end) the workers stop; recovery (recover.ts); observation (observe.ts);
 *      the checker (checker.ts) compares it with the model; findings are tallied and logged
 *   4. one summary line; `<dir>/chaos/` keeps the op log, the SMlog and the findings
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createXapi } from '../../lib/xapi/index.js';
import { startPool, type SimPool } from '../pool/pool.js';
import { checkState } from './checker.js';
import { HostLeases, type ChaosContext, type ChaosOptions } from './context.js';
import { formatFinding, type Finding } from './findings.js';
import { DiskLocks } from './disk-locks.js';
import { CheckGate } from './gate.js';
import type { LingeringFault } from './injector.js';
import { ChaosModel } from './model.js';
import { observe } from './observe.js';
import { OpLog } from './op-log.js';
import { recover } from './recover.js';
import { Tally } from './summary.js';
import { runWorker } from './worker.js';

export const THIN_SR = { 'group-name': 'linstor_group/thin_device', redundancy: '2', provisioning: 'thin' };

export type SoakSettings = ChaosOptions & {
  /** Pool folder; a temporary one otherwise. */
  readonly dir?: string;
  /** Keep the pool folder (default: when given by `dir`, or when the run found something or stopped). */
  readonly keep?: boolean;
  /** Progress lines (checks, findings) as they happen. */
  readonly progress?: (line: string) => void;
};

export type SoakResult = {
  readonly tally: Tally;
  readonly seconds: number;
  /** Of which the workers' ops (periodic checks included; pool start and the final check not). */
  readonly opsSeconds: number;
  readonly dir: string;
  /** Whether `dir` is still there. */
  readonly kept: boolean;
  /** Set when the soak could not go on (a hung op, an SR that could not be made): a harness failure. */
  readonly aborted: string | undefined;
};

/** Ops of each worker: `ops` split as evenly as possible, the first workers taking the remainder. */
export function opsPerWorker(ops: number, concurrency: number): number[] {
  return Array.from({ length: concurrency }, (_, w) => Math.floor(ops / concurrency) + (w < ops % concurrency ? 1 : 0));
}

async function startContext(settings: SoakSettings, dir: string, logDir: string): Promise<{ ctx: ChaosContext; pool: SimPool }> {
  const pool = await startPool({
    dir, hosts: 3, diskless: ['host3'], diskSizeGiB: 40, processTimeoutMs: 90_000,
    env: { LINSTOR_SR_TIME_SCALE: String(settings.timeScale), LINSTOR_SR_GC: 'off', LINSTOR_SR_LOG_FILE: path.join(logDir, 'SMlog') },
  });
  try {
    const xapi = createXapi({ endpoint: { url: pool.xapiUrl! }, timeoutMs: 200_000 });
    await xapi.client.loginWithPassword('root', '');
    const srRef = await xapi.sr.create({ host: pool.xapi.host('host1').ref, deviceConfig: THIN_SR, nameLabel: 'chaos', nameDescription: 'chaos soak', type: 'linstor', shared: true });
    const ctx: ChaosContext = {
      options: settings, pool, xapi, srRef, srUuid: await xapi.sr.getUuid(srRef), groupName: THIN_SR['group-name'], logDir,
      model: new ChaosModel(), tally: new Tally(), log: new OpLog(path.join(logDir, 'ops.jsonl')),
      refs: new Map(), vms: new Map(), leases: new HostLeases(), diskLocks: new DiskLocks(), armed: new Set(), snapshotOf: new Map(),
    };
    return { ctx, pool };
  } catch (error) {
    await pool.close();
    throw error;
  }
}

function checker(ctx: ChaosContext, lingering: LingeringFault[], say: (line: string) => void): () => Promise<void> {
  let number = 0;
  return async () => {
    number += 1;
    ctx.tally.checks += 1;
    const started = performance.now();
    const found: Finding[] = [];
    try {
      found.push(...(await recover(ctx, lingering, number)));
      const r = checkState(ctx.model, await observe(ctx, number, ctx.options.tapdiskReads), number);
      found.push(...r.findings);
      for (const w of r.checkedWrites) ctx.tally.checkedWrites.add(w);
      for (const w of r.lostWrites) ctx.tally.lostWrites.add(w);
    } catch (error) {
      found.push({ kind: 'recovery-failed', subject: 'check', check: number, detail: `the check could not run: ${(error as Error).message}` });
    }
    ctx.tally.findings.push(...found);
    for (const f of found) ctx.log.entry({ finding: f });
    // Every op is settled: the runs it looked at are no longer needed (bounded memory on long soaks).
    ctx.pool.xapi.executions.splice(0);
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    ctx.log.entry({ check: number, ops: ctx.tally.ops, vdis: ctx.model.vdis.size, findings: found.length, seconds });
    say(`check ${number} after ${ctx.tally.ops} ops: ${ctx.model.vdis.size} VDIs, ${found.length} finding(s) (${seconds} s)`);
    for (const f of found) say(`  ${formatFinding(f)}`);
  };
}

/** Runs a soak. Never throws for what the driver does; throws only if the pool cannot start. */
export async function runSoak(settings: SoakSettings): Promise<SoakResult> {
  const started = performance.now();
  const dir = settings.dir ?? (await mkdtemp(path.join(os.tmpdir(), 'xostor-chaos-')));
  const logDir = path.join(dir, 'chaos');
  await mkdir(path.join(logDir, 'io'), { recursive: true });
  const say = settings.progress ?? (() => undefined);
  const { ctx, pool } = await startContext(settings, dir, logDir);
  ctx.log.entry({ start: { ...settings, progress: undefined, dir } });
  const lingering: LingeringFault[] = [];
  const check = checker(ctx, lingering, say);
  const gate = new CheckGate(settings.checkEvery, settings.ops, check);
  let aborted: string | undefined;
  let opsSeconds = 0;
  try {
    const opsStarted = performance.now();
    const outcomes = await Promise.allSettled(opsPerWorker(settings.ops, settings.concurrency).map((n, w) => runWorker(ctx, w, n, gate, lingering)));
    const failures = outcomes.filter((o): o is PromiseRejectedResult => o.status === 'rejected').map((o) => (o.reason instanceof Error ? o.reason.message : String(o.reason)));
    if (failures.length > 0) aborted = failures.join('; ');
    await gate.idle();
    opsSeconds = (performance.now() - opsStarted) / 1000;
    await check();
  } finally {
    await writeFile(path.join(logDir, 'findings.json'), JSON.stringify(ctx.tally.findings, null, 2) + '\n');
    await ctx.xapi.client.logout().catch(() => undefined);
    await pool.close();
    await ctx.log.close();
  }
  const keep = settings.keep ?? (settings.dir !== undefined || ctx.tally.failed() || aborted !== undefined);
  if (!keep) await rm(dir, { recursive: true, force: true });
  return { tally: ctx.tally, seconds: (performance.now() - started) / 1000, opsSeconds, dir, kept: keep, aborted };
}
