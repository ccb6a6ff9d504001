/**
 * How SR verbs start and stop our collector, `linstor-gc` (never `SMGC@` for LINSTOR SRs; spec/blktap2.md
 * §3.4–§3.7, DESIGN.md `LINSTOR_SR_GC`):
 *   kick     after sr_scan and vdi_delete: `auto` starts it detached (it waits for our SR lock, then
 *            works; a kick while one runs is a no-op, as `systemctl start` of a running unit),
 *            `foreground` runs it to the end under our SR lock, `off` does nothing
 *   abort    sr_detach: sm's abort protocol, run by `linstor-gc --abort --sr-locked` (we hold the SR
 *            lock, so a protocol that takes it would deadlock), waiting until the collector stopped
 *   force    sr_delete: abort, then one complete run under our SR lock (sm's gc_force)
 * The collector bundle sits next to the driver's (dist/ and /opt/xensource/sm/linstor-sr/).
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import type { DriverContext } from '../context.js';

/** The collector bundle next to the running driver bundle. */
export function collectorPath(driverPath = process.argv[1] ?? ''): string {
  return path.join(path.dirname(driverPath), 'linstor-gc');
}

/** The environment a collector inherits: ours, minus the fault armed for this verb. */
function collectorEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && k !== 'LINSTOR_SR_FAULTS') env[k] = v;
  return env;
}

async function runToEnd(ctx: DriverContext, srUuid: string, flags: readonly string[]): Promise<number> {
  const r = await ctx.exec(process.execPath, [collectorPath(), '--sr', srUuid, ...flags], { allowFailure: true, env: collectorEnv() });
  ctx.log.info(`linstor-gc ${flags.join(' ')} exited ${r.exitCode}`, { stdout: r.stdout.slice(-2000), stderr: r.stderr.slice(-2000) });
  return r.exitCode;
}

/** Starts the collector of `srUuid` after a change that may have left garbage. Never throws. */
export async function kickCollector(ctx: DriverContext, srUuid: string): Promise<void> {
  try {
    if (ctx.env.gc === 'off') {
      ctx.log.debug(`GC kick for SR ${srUuid}: LINSTOR_SR_GC=off`);
    } else if (ctx.env.gc === 'foreground') {
      await runToEnd(ctx, srUuid, ['--sr-locked']);
    } else {
      const child = spawn(process.execPath, [collectorPath(), '--sr', srUuid], { detached: true, stdio: 'ignore', env: collectorEnv() });
      child.on('error', (error) => ctx.log.warn('cannot start linstor-gc', { error: String(error) }));
      child.unref();
      ctx.log.info(`GC started for SR ${srUuid} (pid ${child.pid ?? '?'})`);
    }
  } catch (error) {
    // A collector that does not start only delays the cleanup: the verb itself succeeded.
    ctx.log.warn(`GC kick for SR ${srUuid} failed`, { error: String(error) });
  }
}

/** Stops a running collector of `srUuid` and waits for it (the caller holds the SR lock). */
export async function abortCollector(ctx: DriverContext, srUuid: string): Promise<void> {
  const code = await runToEnd(ctx, srUuid, ['--abort', '--sr-locked']);
  if (code !== 0) ctx.log.warn(`the collector of SR ${srUuid} did not stop (linstor-gc --abort exited ${code})`);
}

/** sm's `gc_force`: abort a running collector, then collect to the end (the caller holds the SR lock). */
export async function forceCollect(ctx: DriverContext, srUuid: string): Promise<void> {
  if (ctx.env.gc === 'off') {
    await abortCollector(ctx, srUuid);
    return;
  }
  const code = await runToEnd(ctx, srUuid, ['--force', '--sr-locked']);
  if (code !== 0) ctx.log.warn(`the forced collection of SR ${srUuid} did not finish (exit ${code})`);
}
