/**
 * Pool-level actions of the soak: the collector run on the master as the driver starts it
 * (`dist/linstor-gc`, with fault points through LINSTOR_SR_FAULTS), and the pool's control endpoint
 * (`xostor-sim controller` / `xostor-sim host`: controller moves and host power, serialised there with
 * the host tools as on a real pool).
 */
import path from 'node:path';
import { distDir } from '../pool/pool.js';
import { runProcess, type SpawnResult } from '../xapi/spawn.js';
import type { ChaosContext } from './context.js';

/** A collector run never takes longer than this (it is killed, as a hung one would be). */
const GC_TIMEOUT_MS = 180_000;

/** Runs `linstor-gc --sr <sr> [args]` on the master; `faults`: its LINSTOR_SR_FAULTS. */
export async function runGc(ctx: ChaosContext, args: readonly string[] = [], faults?: string): Promise<SpawnResult> {
  const master = ctx.pool.spec.master.name;
  const env: Record<string, string> = {
    PATH: ctx.pool.pathFor(master),
    LINSTOR_SR_ROOT: ctx.pool.runtime.host(master).spec.root,
    LINSTOR_SR_XAPI_SOCKET: ctx.pool.xapiSockets[master] ?? '',
    LINSTOR_SR_TIME_SCALE: String(ctx.options.timeScale),
    LINSTOR_SR_LOG_FILE: path.join(ctx.logDir, 'SMlog'),
  };
  if (faults !== undefined) env['LINSTOR_SR_FAULTS'] = faults;
  return runProcess([process.execPath, path.join(distDir(), 'linstor-gc'), '--sr', ctx.srUuid, ...args], env, GC_TIMEOUT_MS, ctx.pool.xapi.processes);
}

/** One line about how a collector run ended. */
export function gcOutcome(run: SpawnResult): { ok: boolean; code: string; text: string } {
  const text = `${run.stdout}\n${run.stderr}`.trim().split('\n').slice(-3).join(' | ').slice(0, 600);
  if (run.timedOut) return { ok: false, code: 'GC_TIMEOUT', text };
  if (run.signal !== null) return { ok: false, code: `GC_${run.signal}`, text };
  // 3: another collector runs (a concurrent gc op): nothing wrong.
  if (run.exitCode === 0 || run.exitCode === 3) return { ok: true, code: `GC_EXIT_${run.exitCode}`, text };
  return { ok: false, code: `GC_EXIT_${String(run.exitCode)}`, text };
}

/** POSTs to the pool's control endpoint; throws with the pool's error message. */
export async function poolControl(ctx: ChaosContext, route: '/controller' | '/host', body: Record<string, string>): Promise<unknown> {
  const res = await fetch(`${ctx.pool.controlUrl}${route}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(60_000),
  });
  const answer = (await res.json()) as Record<string, unknown>;
  if (!res.ok) throw new Error(String(answer['error'] ?? `HTTP ${res.status}`));
  return answer;
}

/** Moves the controller to the first host (in pool order) that is up and can take it; answers where. */
export async function moveController(ctx: ChaosContext): Promise<string | undefined> {
  const from = ctx.pool.runtime.controller.runningOn;
  for (const h of ctx.pool.spec.hosts) {
    if (h.name === from || !ctx.pool.runtime.host(h.name).up) continue;
    try {
      await poolControl(ctx, '/controller', { to: h.name });
      return h.name;
    } catch (error) {
      ctx.log.entry({ step: 'controller-move', to: h.name, refused: (error as Error).message });
    }
  }
  return undefined;
}

/** Powers `host` off (`up` false) or on. */
export async function setPower(ctx: ChaosContext, host: string, up: boolean): Promise<void> {
  await poolControl(ctx, '/host', { host, state: up ? 'up' : 'down' });
}
