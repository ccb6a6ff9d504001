/**
 * Judges an observation of the pool against the model (no I/O):
 *   1. VDIs: every VDI of the model is in XAPI (a failed destroy may have removed it; a failed create may
 *      have left one, empty); nothing else is, managed or not (base copies only under a VDI's chain);
 *      nothing destroyed came back; sizes are ones the model allows.
 *   2. Storage: XAPI's VDIs = the KV's volumes = LINSTOR's `xcp-volume-…` resource definitions; no
 *      journal entry, `DELETED_` volume, half-done rename or volume state left; nothing paused.
 *   3. Data: every sector read holds a value its cell allows: acknowledged writes read back, snapshots
 *      read their moment's data, sectors never written read zeroes.
 * Then the model learns what it could not know (which of a failed write's values landed, which size a
 * failed resize left, whether a failed destroy or create took effect). Each structural problem is
 * reported once, at the first check that sees it.
 */
import type { Finding, FindingKind } from './findings.js';
import { ANY, type ChaosModel, type Cell, type ModelVdi } from './model.js';
import type { Observation, VdiRead } from './observation.js';
import { describeWrite, SECTOR, type SectorValue } from './pattern.js';

export type CheckResult = {
  readonly findings: Finding[];
  /** `<vdi>:<write id>` of every acknowledged write read, and of those that did not read back. */
  readonly checkedWrites: Set<string>;
  readonly lostWrites: Set<string>;
};

const show = (v: SectorValue): string => (typeof v === 'number' ? describeWrite(v) : `garbage (${v.garbage})`);
const showCell = (c: Cell): string => (c.length === 1 ? describeWrite(c[0]!) : `one of ${c.map(describeWrite).join(', ')}`);

/** Mismatching sectors of one read, grouped in runs of the same expectation and observation. */
function mismatches(vdi: ModelVdi, read: VdiRead): { first: number; count: number; cell: Cell; seen: SectorValue }[] {
  const runs: { first: number; count: number; cell: Cell; seen: SectorValue }[] = [];
  const sectors = [...read.sectors.keys()].sort((a, b) => a - b);
  for (const s of sectors) {
    const seen = read.sectors.get(s)!;
    const cell = vdi.content.get(s) ?? [0];
    if (cell.includes(ANY) || (typeof seen === 'number' && cell.includes(seen))) continue;
    const last = runs.at(-1);
    if (last && last.first + last.count === s && show(last.seen) === show(seen) && showCell(last.cell) === showCell(cell)) last.count += 1;
    else runs.push({ first: s, count: 1, cell, seen });
  }
  return runs;
}

function mismatchKind(vdi: ModelVdi, cell: Cell, seen: SectorValue): FindingKind {
  if (vdi.role === 'snapshot') return 'corrupted-snapshot';
  if (typeof seen !== 'number') return 'corrupted-data';
  return cell.length === 1 && cell[0] !== 0 ? 'lost-write' : 'corrupted-data';
}

/**
 * Checks reads of one VDI against its cells (also used for an op's own reads): findings, the acknowledged
 * writes read and lost. Does not change the model.
 */
export function verifyReads(vdi: ModelVdi, reads: readonly VdiRead[], check: number): CheckResult {
  const findings: Finding[] = [];
  const checkedWrites = new Set<string>();
  const lostWrites = new Set<string>();
  for (const read of reads) {
    for (const s of read.sectors.keys()) {
      const cell = vdi.content.get(s);
      if (cell?.length === 1 && cell[0] !== 0) checkedWrites.add(`${vdi.uuid}:${cell[0]}`);
    }
    for (const m of mismatches(vdi, read)) {
      const kind = mismatchKind(vdi, m.cell, m.seen);
      if (m.cell.length === 1 && m.cell[0] !== 0) lostWrites.add(`${vdi.uuid}:${m.cell[0]}`);
      const where = `bytes ${m.first * SECTOR}+${m.count * SECTOR} read on ${read.where}`;
      findings.push({ kind, subject: vdi.uuid, check, detail: `${vdi.role} ${vdi.label} (${vdi.origin}): ${where} hold ${show(m.seen)}, expected ${showCell(m.cell)}` });
    }
  }
  return { findings, checkedWrites, lostWrites };
}

/**
 * What the model learns from reads: a sector whose reads agree on one value now holds that value (one of
 * a failed write's, or — once reported — a wrong one, so the same loss is not reported at every check);
 * a sector read as garbage or differently in two places accepts anything from now on (reported already).
 */
function learnSectors(vdi: ModelVdi, reads: readonly VdiRead[]): void {
  const seen = new Map<number, Set<string>>();
  for (const r of reads) for (const [s, v] of r.sectors) (seen.get(s) ?? seen.set(s, new Set()).get(s)!).add(String(v === 0 || typeof v === 'number' ? v : 'garbage'));
  for (const [s, values] of seen) {
    const cell = vdi.content.get(s) ?? [0];
    if (cell.includes(ANY)) continue;
    const [only] = values;
    const known = values.size === 1 && only !== 'garbage' ? Number(only) : ANY;
    if (cell.length === 1 && cell[0] === known) continue;
    if (known === 0) vdi.content.delete(s);
    else vdi.content.set(s, [known]);
  }
}

function once(model: ChaosModel, findings: Finding[], finding: Finding): void {
  const key = `${finding.kind}:${finding.subject}`;
  if (model.reported.has(key)) return;
  model.reported.add(key);
  findings.push(finding);
}

function checkVdis(model: ChaosModel, obs: Observation, check: number, findings: Finding[]): void {
  for (const vdi of [...model.vdis.values()]) {
    const seen = obs.xapi.get(vdi.uuid);
    if (!seen || !seen.managed) {
      if (vdi.maybeDeleted) model.destroyed(vdi.uuid, 'a failed VDI.destroy that took effect', true);
      else {
        once(model, findings, { kind: 'lost-vdi', subject: vdi.uuid, check, detail: `${vdi.role} ${vdi.label} (${vdi.origin}) is ${seen ? 'no longer managed' : 'gone from XAPI'}` });
        model.vdis.delete(vdi.uuid);
      }
      continue;
    }
    vdi.maybeDeleted = false;
    if (vdi.ref !== undefined && vdi.ref !== seen.ref) {
      once(model, findings, {
        kind: 'forgotten-vdi', subject: `${vdi.uuid} ${vdi.ref}`, check,
        detail: `${vdi.role} ${vdi.label} (${vdi.origin}): XAPI forgot it and introduced it again as ${seen.ref} (what the old record held — VBDs of running VMs, snapshot links, other-config — is gone)`,
      });
    }
    vdi.ref = seen.ref;
    if (!vdi.sizes.includes(seen.sizeBytes)) {
      once(model, findings, { kind: 'wrong-size', subject: vdi.uuid, check, detail: `${vdi.label} is ${seen.sizeBytes} bytes, expected ${vdi.sizes.join(' or ')}` });
    } else vdi.sizes = [seen.sizeBytes];
  }
  for (const [uuid, seen] of obs.xapi) {
    if (!seen.managed || model.vdis.has(uuid)) continue;
    const deletedBy = model.deleted.get(uuid);
    if (deletedBy !== undefined) {
      once(model, findings, { kind: 'resurrected-vdi', subject: uuid, check, detail: `${seen.label} was destroyed by ${deletedBy} and is back` });
      continue;
    }
    const pending = model.pendingCreates.get(seen.label);
    if (pending && seen.sizeBytes === pending.sizeBytes && !seen.isSnapshot) {
      model.pendingCreates.delete(seen.label);
      model.add({ uuid, label: seen.label, role: 'disk', owner: pending.owner, sizes: [seen.sizeBytes], origin: `failed ${pending.op} that took effect`, ref: seen.ref });
      continue;
    }
    const copies = model.failedCopies.filter((c) => model.vdis.get(c.source)?.label === seen.label || c.source === seen.parent).map((c) => `${c.verb} ${c.op}`);
    const hint = copies.length > 0 ? ` (a failed ${copies.join(', ')}?)` : '';
    once(model, findings, { kind: 'leaked-vdi', subject: uuid, check, detail: `${seen.isSnapshot ? 'snapshot' : 'VDI'} "${seen.label}" that no acknowledged verb made${hint}` });
  }
}

function checkStorage(model: ChaosModel, obs: Observation, check: number, findings: Finding[]): void {
  const needed = new Set<string>();
  for (const [uuid, v] of obs.xapi) {
    if (!v.managed) continue;
    for (let at: string | undefined = uuid, hops = 0; at !== undefined && hops < 64; at = obs.xapi.get(at)?.parent, hops += 1) needed.add(at);
  }
  for (const [uuid, v] of obs.xapi) {
    if (v.paused) once(model, findings, { kind: 'paused-left', subject: uuid, check, detail: `${v.label} has sm-config paused` });
    if (!v.managed && !needed.has(uuid)) once(model, findings, { kind: 'garbage-left', subject: uuid, check, detail: `base copy "${v.label}" under no VDI, after the collector ran to idle` });
    if (!obs.kv.has(uuid)) once(model, findings, { kind: 'ghost-vdi', subject: uuid, check, detail: `XAPI knows "${v.label}" but the KV has no volume for it` });
  }
  const named = new Set<string>();
  for (const [uuid, kv] of obs.kv) {
    if (kv.rd !== undefined) named.add(kv.rd);
    if (uuid.startsWith('DELETED_')) once(model, findings, { kind: 'deleted-left', subject: uuid, check, detail: `volume ${kv.rd ?? '(no resource)'} left after the collector ran to idle` });
    else if (kv.notExists !== '0' || kv.renaming) {
      once(model, findings, { kind: 'volume-state-left', subject: uuid, check, detail: `not-exists=${kv.notExists ?? 'unset'}${kv.renaming ? ', updating-uuid-src set' : ''}` });
    } else if (kv.rd !== undefined && !obs.xapi.has(uuid)) {
      once(model, findings, { kind: 'forgotten-volume', subject: uuid, check, detail: `the KV has volume ${kv.rd} that XAPI does not know after a scan` });
    }
    if (kv.rd !== undefined && !obs.resources.has(kv.rd)) once(model, findings, { kind: 'missing-resource', subject: kv.rd, check, detail: `volume ${uuid} names a resource LINSTOR does not have` });
  }
  for (const rd of obs.resources) if (!named.has(rd)) once(model, findings, { kind: 'leaked-resource', subject: rd, check, detail: 'a resource definition no volume names' });
  for (const key of obs.journal) once(model, findings, { kind: 'journal-left', subject: key, check, detail: 'journal entry left after recovery' });
  for (const t of obs.pausedTapdisks) once(model, findings, { kind: 'paused-left', subject: t, check, detail: 'tapdisk left paused' });
}

/** Checks `obs` against `model` (check number `check`), then teaches the model what the pool showed. */
export function checkState(model: ChaosModel, obs: Observation, check: number): CheckResult {
  const findings: Finding[] = [];
  checkVdis(model, obs, check, findings);
  checkStorage(model, obs, check, findings);
  const checkedWrites = new Set<string>();
  const lostWrites = new Set<string>();
  for (const vdi of model.vdis.values()) {
    const error = obs.readErrors.get(vdi.uuid);
    if (error !== undefined) once(model, findings, { kind: 'unreadable-vdi', subject: vdi.uuid, check, detail: `${vdi.role} ${vdi.label} (${vdi.origin}): ${error}` });
    const reads = obs.reads.get(vdi.uuid) ?? [];
    const r = verifyReads(vdi, reads, check);
    findings.push(...r.findings);
    for (const w of r.checkedWrites) checkedWrites.add(w);
    for (const w of r.lostWrites) lostWrites.add(w);
    learnSectors(vdi, reads);
  }
  return { findings, checkedWrites, lostWrites };
}

/** Teaches the model what reads of `vdi` showed (after an op's own read, or a check). */
export function learnFromReads(vdi: ModelVdi, reads: readonly VdiRead[]): void {
  learnSectors(vdi, reads);
}
