/**
 * The guest's side of the soak: writes and reads on a running disk through the tapdisk of its host (a
 * read is checked against the model at once), and the pool ops any host may trigger: a collector run
 * (killed or made to throw at a fault point when the op carries a gc fault, also after a destroy, a
 * revert or a scan) and an SR scan.
 */
import { learnFromReads, verifyReads } from './checker.js';
import type { ChaosContext, OpId, OpResult } from './context.js';
import { guestRead, guestWrite } from './guest.js';
import type { ArmedFault } from './injector.js';
import { writeIdOf } from './pattern.js';
import { gcOutcome, runGc } from './pool-actions.js';
import { attempt } from './xen-call.js';

export async function writeOp(ctx: ChaosContext, id: OpId, uuid: string, first: number, count: number): Promise<OpResult> {
  const host = ctx.vms.get(uuid)?.host;
  if (host === undefined) return { ok: true, note: 'not running' };
  const writeId = writeIdOf(id.worker, id.index);
  const r = await guestWrite(ctx, host, uuid, first, count, writeId);
  ctx.model.write(uuid, first, count, writeId, r.outcome);
  const note = `${count} sectors at ${first} on ${host}: ${r.outcome}`;
  return r.outcome === 'acked' ? { ok: true, note } : { ok: false, code: `WRITE_${r.outcome.toUpperCase()}`, error: r.error ?? '', note };
}

export async function readOp(ctx: ChaosContext, uuid: string, first: number, count: number): Promise<OpResult> {
  const host = ctx.vms.get(uuid)?.host;
  if (host === undefined) return { ok: true, note: 'not running' };
  let sectors;
  try {
    sectors = await guestRead(ctx, host, uuid, first, count);
  } catch (error) {
    return { ok: false, code: 'READ_FAILED', error: (error as Error).message };
  }
  const vdi = ctx.model.get(uuid);
  const reads = [{ where: `${host} (tapdisk, during the soak)`, sectors }];
  const r = verifyReads(vdi, reads, 0);
  ctx.tally.findings.push(...r.findings);
  for (const w of r.checkedWrites) ctx.tally.checkedWrites.add(w);
  for (const w of r.lostWrites) ctx.tally.lostWrites.add(w);
  for (const f of r.findings) ctx.log.entry({ finding: f });
  learnFromReads(vdi, reads);
  return { ok: true, note: `${count} sectors at ${first} on ${host}: ${r.findings.length === 0 ? 'as expected' : `${r.findings.length} mismatching run(s)`}` };
}

/** How often, and how far apart, a collector run carrying a fault is retried while another one runs. */
const BUSY_RETRIES = 10;
const BUSY_PAUSE_MS = 1_000;

/**
 * A collector run on the master, carrying the op's gc fault if it has one. Such a run is retried while
 * another collector holds the SR (exit 3, a concurrent gc op): it would otherwise stop at once and its
 * fault never fire.
 */
export async function gcOp(ctx: ChaosContext, armed: ArmedFault | undefined): Promise<OpResult> {
  let run = await runGc(ctx, [], armed?.gcFaults);
  for (let retry = 0; armed?.gcFaults !== undefined && run.exitCode === 3 && retry < BUSY_RETRIES; retry += 1) {
    await new Promise((resolve) => setTimeout(resolve, BUSY_PAUSE_MS * Math.min(1, ctx.options.timeScale * 10)));
    run = await runGc(ctx, [], armed.gcFaults);
  }
  const out = gcOutcome(run);
  if (armed?.gcFaults !== undefined) {
    const output = `${run.stdout}\n${run.stderr}`;
    const at = /injected (?:fault|kill) at (\S+)/.exec(output)?.[1];
    armed.gcStoppedAt = at ?? (run.signal === 'SIGKILL' ? 'an unnamed point' : undefined);
  }
  return out.ok ? { ok: true, note: out.code } : { ok: false, code: out.code, error: out.text };
}

/**
 * After an op that carries a gc fault (a destroy, a revert, a scan), the collector runs as sm's kick
 * would start it, with the fault. The op's own outcome is what the op reports.
 */
export async function thenCollect(ctx: ChaosContext, armed: ArmedFault | undefined, result: OpResult): Promise<OpResult> {
  if (armed?.gcFaults === undefined) return result;
  const gc = await gcOp(ctx, armed);
  const after = `then the collector: ${gc.ok ? gc.note : `${gc.code ?? ''} ${gc.error ?? ''}`.trim()}`;
  return { ...result, note: result.note === undefined ? after : `${result.note}; ${after}` };
}

export async function scanOp(ctx: ChaosContext): Promise<OpResult> {
  return attempt(() => ctx.xapi.sr.scan(ctx.srRef));
}
