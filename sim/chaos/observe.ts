/**
 * Gathers a check's observation (observation.ts) from the recovered pool: XAPI's VDIs of the SR, the
 * SR's KV (volumes, journal), LINSTOR's resource definitions, paused tapdisks on every host, and the data
 * of every VDI of the model — through its tapdisk where its VM runs, else straight from its device; and
 * a few halted ones also through a tapdisk of a read-only VM on a rotating host (diskless ones too).
 */
import { createLinstorClient } from '../../lib/linstor/index.js';
import { srNames } from '../../lib/volume/index.js';
import { TAP_PAUSED } from '../pool/runtime.js';
import type { ChaosContext } from './context.js';
import { deviceRead, guestRead, hostWithDevice, rangesOf } from './guest.js';
import type { ModelVdi } from './model.js';
import type { KvVolume, Observation, VdiRead, XapiVdi } from './observation.js';
import { SECTOR, type SectorValue } from './pattern.js';
import { createRng } from './prng.js';
import { startReader, stopReader } from './vm-actions.js';

const ZERO_SAMPLES = 8;

async function xapiVdis(ctx: ChaosContext): Promise<Map<string, XapiVdi>> {
  const out = new Map<string, XapiVdi>();
  for (const [ref, r] of Object.entries(await ctx.xapi.vdi.getAllRecordsWhere(`field "SR" = "${ctx.srRef}"`))) {
    ctx.refs.set(r.uuid, ref);
    out.set(r.uuid, {
      ref, managed: r.managed, label: r.name_label, sizeBytes: Number(r.virtual_size), isSnapshot: r.is_a_snapshot,
      parent: r.sm_config['vhd-parent'], paused: r.sm_config['paused'] !== undefined,
    });
  }
  return out;
}

async function storage(ctx: ChaosContext): Promise<{ kv: Map<string, KvVolume>; journal: string[]; resources: Set<string> }> {
  const url = ctx.pool.runtime.controller.url();
  if (url === undefined) throw new Error('no LINSTOR controller runs after recovery');
  const linstor = createLinstorClient({ controllers: [url] });
  try {
    const props = await linstor.keyValueStore.props(srNames(ctx.groupName).kv);
    const fields = new Map<string, Record<string, string>>();
    const journal: string[] = [];
    for (const [rawKey, value] of Object.entries(props)) {
      const key = rawKey.replace(/^\//, '');
      if (key.startsWith('xcp/sr/journal/')) journal.push(`${key}=${value}`);
      const m = /^xcp\/volume\/([^/]+)\/(.+)$/.exec(key);
      if (m) (fields.get(m[1]!) ?? fields.set(m[1]!, {}).get(m[1]!)!)[m[2]!] = value;
    }
    const kv = new Map<string, KvVolume>();
    for (const [uuid, f] of fields) kv.set(uuid, { rd: f['volume-name'], notExists: f['not-exists'], renaming: f['updating-uuid-src'] !== undefined });
    const resources = new Set((await linstor.resourceDefinitions.list()).map((d) => d.name).filter((n) => n.startsWith('xcp-volume-')));
    return { kv, journal, resources };
  } finally {
    await linstor.close();
  }
}

function pausedTapdisks(ctx: ChaosContext): string[] {
  const out: string[] = [];
  for (const [name, host] of ctx.pool.runtime.hosts) {
    for (const t of host.tapdisks.values()) if (t.state & TAP_PAUSED) out.push(`${name}: tapdisk ${t.pid} (${t.args ?? 'nothing open'})`);
  }
  return out;
}

/** Sectors to read of `vdi`: every sector the model has a cell for, and a few it has none for (zeroes). */
function sectorsOf(ctx: ChaosContext, vdi: ModelVdi, check: number): number[] {
  const total = Math.floor(Math.min(...vdi.sizes) / SECTOR);
  const rng = createRng(ctx.options.seed, `check-${check}/${vdi.uuid}`);
  const zeroes = Array.from({ length: ZERO_SAMPLES }, () => rng.int(Math.max(1, total)));
  return [...vdi.content.keys(), ...zeroes].filter((s) => s < total);
}

async function readThroughTapdisk(ctx: ChaosContext, host: string, vdi: ModelVdi, sectors: number[]): Promise<Map<number, SectorValue>> {
  const out = new Map<number, SectorValue>();
  for (const r of rangesOf(sectors)) for (const [s, v] of await guestRead(ctx, host, vdi.uuid, r.first, r.count)) out.set(s, v);
  return out;
}

/** Reads `vdi` where its VM runs, else from a device; answers the reads, or why it could not. */
async function readVdi(ctx: ChaosContext, vdi: ModelVdi, rd: string | undefined, sectors: number[]): Promise<VdiRead[] | string> {
  const running = ctx.vms.get(vdi.uuid)?.host;
  if (running !== undefined) {
    try {
      return [{ where: `${running} (tapdisk of its VM)`, sectors: await readThroughTapdisk(ctx, running, vdi, sectors) }];
    } catch (error) {
      // A VM left "running" by a failed shutdown may have no tapdisk any more: read the device instead.
      ctx.log.entry({ step: 'check-read', vdi: vdi.uuid, host: running, error: (error as Error).message });
    }
  }
  if (rd === undefined) return 'the KV names no resource for it';
  const host = hostWithDevice(ctx, rd);
  if (host === undefined) return `no host has a device of ${rd}`;
  try {
    return [{ where: `${host} (device)`, sectors: await deviceRead(ctx, host, rd, rangesOf(sectors)) }];
  } catch (error) {
    return `reading ${rd} on ${host}: ${(error as Error).message}`;
  }
}

/** Reads `vdi` through a tapdisk of a read-only VM started on `host` (the VDI must be halted). */
async function readElsewhere(ctx: ChaosContext, vdi: ModelVdi, host: string, sectors: number[]): Promise<VdiRead | string> {
  const vm = await startReader(ctx, vdi.uuid, host);
  if (!vm.ok) return `a read-only VM of it could not start on ${host}: ${vm.error}`;
  try {
    return { where: `${host} (tapdisk of a read-only VM)`, sectors: await readThroughTapdisk(ctx, host, vdi, sectors) };
  } catch (error) {
    return `reading it through its tapdisk on ${host}: ${(error as Error).message}`;
  } finally {
    const stopped = await stopReader(ctx, vm.value);
    if (!stopped.ok) ctx.log.entry({ step: 'check-reader-stop', vdi: vdi.uuid, host, error: stopped.error });
  }
}

/** Everything check `check` judges. `tapdiskReads`: halted VDIs also read through a VM elsewhere. */
export async function observe(ctx: ChaosContext, check: number, tapdiskReads: number): Promise<Observation> {
  const xapi = await xapiVdis(ctx);
  const { kv, journal, resources } = await storage(ctx);
  const reads = new Map<string, VdiRead[]>();
  const readErrors = new Map<string, string>();
  const present = [...ctx.model.vdis.values()].filter((v) => xapi.get(v.uuid)?.managed === true);
  for (const vdi of present) {
    const r = await readVdi(ctx, vdi, kv.get(vdi.uuid)?.rd, sectorsOf(ctx, vdi, check));
    if (typeof r === 'string') readErrors.set(vdi.uuid, r);
    else reads.set(vdi.uuid, r);
  }
  const halted = present.filter((v) => ctx.vms.get(v.uuid)?.host === undefined && !readErrors.has(v.uuid));
  const hosts = ctx.pool.spec.hosts.map((h) => h.name);
  for (let i = 0; i < Math.min(tapdiskReads, halted.length); i += 1) {
    const vdi = halted[(check * tapdiskReads + i) % halted.length]!;
    const host = hosts[(check + i) % hosts.length]!;
    const r = await readElsewhere(ctx, vdi, host, sectorsOf(ctx, vdi, check));
    if (typeof r === 'string') readErrors.set(vdi.uuid, r);
    else reads.get(vdi.uuid)?.push(r);
  }
  return { xapi, kv, journal, resources, pausedTapdisks: pausedTapdisks(ctx), reads, readErrors };
}
