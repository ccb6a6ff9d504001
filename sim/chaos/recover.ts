/**
 * Recovery before a check, as an operator (or xapi and the driver's own kicks) would bring an SR back
 * after the faults: every fault disarmed, every host up, the controller serving, then SR.scan until it
 * succeeds (it runs the driver's recovery: interrupted snapshots undone, journals replayed; SRUnavailable
 * while the controller settles is expected and retried), the collector run until it is idle, and a last
 * scan. A recovery step that never succeeds is a finding: the SR did not come back.
 */
import type { ChaosContext } from './context.js';
import type { Finding } from './findings.js';
import type { LingeringFault } from './injector.js';
import { gcOutcome, moveController, runGc, setPower } from './pool-actions.js';
import { attempt } from './xen-call.js';

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
const SCAN_ATTEMPTS = 8;
const GC_ATTEMPTS = 6;

async function faultsAway(ctx: ChaosContext, lingering: LingeringFault[]): Promise<void> {
  for (const key of ctx.armed) {
    const [host = '', verb = ''] = key.split('\u0000');
    ctx.pool.xapi.takeFault(host, verb);
  }
  ctx.armed.clear();
  for (const l of lingering.splice(0)) ctx.tally.fault(l.kind, l.fired());
  ctx.pool.runtime.controller.sim?.controls.clearFaults();
  for (const h of ctx.pool.spec.hosts) {
    if (!ctx.pool.runtime.host(h.name).up) await setPower(ctx, h.name, true);
  }
  if (ctx.pool.runtime.controller.runningOn === undefined) await ctx.pool.runtime.reactorStep();
  if (ctx.pool.runtime.controller.runningOn === undefined) await moveController(ctx);
  if (ctx.pool.runtime.controller.runningOn !== undefined) await ctx.pool.runtime.controller.sim?.acceptConnections();
}

async function scanUntilOk(ctx: ChaosContext, check: number, what: string): Promise<Finding | undefined> {
  let last = '';
  for (let i = 1; i <= SCAN_ATTEMPTS; i += 1) {
    const r = await attempt(() => ctx.xapi.sr.scan(ctx.srRef));
    ctx.log.entry({ check, step: what, attempt: i, ok: r.ok, error: r.ok ? undefined : r.error });
    if (r.ok) return undefined;
    last = r.error;
    await sleep(250 * i);
  }
  return { kind: 'recovery-failed', subject: 'SR.scan', check, detail: `${what}: failed ${SCAN_ATTEMPTS} times with faults off, last: ${last}` };
}

async function gcUntilIdle(ctx: ChaosContext, check: number): Promise<Finding | undefined> {
  let last = '';
  for (let i = 1; i <= GC_ATTEMPTS; i += 1) {
    const run = await runGc(ctx);
    const out = gcOutcome(run);
    ctx.log.entry({ check, step: 'gc', attempt: i, ok: out.ok, code: out.code, out: out.text });
    if (run.exitCode === 0) return undefined;
    last = `${out.code}: ${out.text}`;
    await sleep(500 * i);
  }
  return { kind: 'recovery-failed', subject: 'linstor-gc', check, detail: `the collector did not run to idle in ${GC_ATTEMPTS} runs with faults off, last: ${last}` };
}

/** Brings the SR back for check `check`; answers the recovery steps that failed. */
export async function recover(ctx: ChaosContext, lingering: LingeringFault[], check: number): Promise<Finding[]> {
  await faultsAway(ctx, lingering);
  const problems: Finding[] = [];
  for (const step of [() => scanUntilOk(ctx, check, 'scan'), () => gcUntilIdle(ctx, check), () => scanUntilOk(ctx, check, 'scan after gc')]) {
    const problem = await step();
    if (problem) problems.push(problem);
  }
  return problems;
}
