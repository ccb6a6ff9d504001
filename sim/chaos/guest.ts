/**
 * The soak's data path: guest writes and reads through the tapdisk stand-in of the host where a VDI is
 * active (sim/pool/guest-io.ts, what `xostor-sim io` does), and reads of a VDI's VHD chain straight from
 * its device on a host that has one (the checker's view of what is stored, no VM needed).
 */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { hostPath } from '../../lib/host/env.js';
import { openChain, readChain } from '../../lib/vhd/index.js';
import { guestIo } from '../pool/guest-io.js';
import type { ChaosContext } from './context.js';
import type { WriteOutcome } from './model.js';
import { decodeRange, SECTOR, writePayload, type SectorValue } from './pattern.js';

/** How long guest I/O waits for a paused tapdisk before giving up (the write then never started). */
const PAUSED_WAIT_MS = 10_000;
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** guest-io.ts refuses these before touching the disk: the write did not start. */
const NOT_STARTED = /is not active on|stayed paused|past the end of the disk|attached read-only|not a VDI uuid|bad offset/;

function scratch(ctx: ChaosContext, uuid: string): string {
  return path.join(ctx.logDir, 'io', `${uuid}-${randomBytes(4).toString('hex')}`);
}

/** Writes write `writeId` over `count` sectors from `first` of `uuid`, active on `host`. */
export async function guestWrite(ctx: ChaosContext, host: string, uuid: string, first: number, count: number, writeId: number): Promise<{ outcome: WriteOutcome; error?: string }> {
  const file = scratch(ctx, uuid);
  await writeFile(file, writePayload(writeId, first, count));
  try {
    await guestIo(ctx.pool.runtime.host(host), { vdi: uuid, op: 'write', offset: first * SECTOR, file }, sleep, PAUSED_WAIT_MS);
    return { outcome: 'acked' };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return { outcome: NOT_STARTED.test(message) ? 'not-started' : 'failed', error: message };
  } finally {
    await rm(file, { force: true });
  }
}

/** Reads `count` sectors from `first` of `uuid` through its tapdisk on `host`. */
export async function guestRead(ctx: ChaosContext, host: string, uuid: string, first: number, count: number): Promise<Map<number, SectorValue>> {
  const file = scratch(ctx, uuid);
  try {
    await guestIo(ctx.pool.runtime.host(host), { vdi: uuid, op: 'read', offset: first * SECTOR, length: count * SECTOR, file }, sleep, PAUSED_WAIT_MS);
    const values = decodeRange(await readFile(file), first);
    return new Map(values.map((v, i) => [first + i, v]));
  } finally {
    await rm(file, { force: true });
  }
}

/** Sector ranges covering `sectors` (sorted or not): gaps up to `maxGap` are read too, runs split at `maxLen`. */
export function rangesOf(sectors: Iterable<number>, maxGap = 32, maxLen = 8192): { first: number; count: number }[] {
  const sorted = [...new Set(sectors)].sort((a, b) => a - b);
  const out: { first: number; count: number }[] = [];
  for (const s of sorted) {
    const last = out.at(-1);
    if (last && s - (last.first + last.count) <= maxGap && s - last.first < maxLen) last.count = s - last.first + 1;
    else out.push({ first: s, count: 1 });
  }
  return out;
}

/** The first host whose root has the device of resource `rd`. */
export function hostWithDevice(ctx: ChaosContext, rd: string): string | undefined {
  return ctx.pool.spec.hosts.find((h) => existsSync(hostPath(h.root, `/dev/drbd/by-res/${rd}/0`)))?.name;
}

/** Reads `ranges` of the VHD chain (or RAW volume) of resource `rd` from its device on `host`. */
export async function deviceRead(ctx: ChaosContext, host: string, rd: string, ranges: readonly { first: number; count: number }[]): Promise<Map<number, SectorValue>> {
  const root = ctx.pool.runtime.host(host).spec.root;
  const chain = await openChain({ root }, `/dev/drbd/by-res/${rd}/0`, { maxDepth: 64 });
  const out = new Map<number, SectorValue>();
  try {
    for (const r of ranges) {
      const count = Math.max(0, Math.min(r.count, Math.floor(chain.leaf.virtualSize / SECTOR) - r.first));
      if (count === 0) continue;
      const values = decodeRange(await readChain(chain, r.first * SECTOR, count * SECTOR), r.first);
      values.forEach((v, i) => out.set(r.first + i, v));
    }
  } finally {
    await chain.close();
  }
  return out;
}
