/**
 * The op mix of a worker (pure): from the worker's seeded stream and what it owns, the next op to run.
 * Every op draws the same count of numbers whatever it resolves to, so a worker's stream — and, for
 * as long as outcomes agree, its op sequence — is the same for the same seed. An op that does not
 * apply (a write with no disk running, a 4th disk) falls back to one that does, by fixed rules.
 */
import type { Rng } from './prng.js';
import { SECTOR } from './pattern.js';

export const MIB = 1024 * 1024;

/** A disk the worker owns (a VDI a VM may run on). */
export type DiskView = {
  readonly uuid: string;
  /** The host its VM runs on, if it runs. */
  readonly runningOn: string | undefined;
  /** The smallest size it may have (writes stay below). */
  readonly sizeBytes: number;
  /** Some sectors it holds written data in (read targets). */
  readonly written: readonly number[];
};

export type WorkerView = {
  readonly disks: readonly DiskView[];
  /** Its snapshots, with the disk each was taken of (if that disk still exists). */
  readonly snapshots: readonly { readonly uuid: string; readonly of: string | undefined }[];
  readonly hosts: readonly string[];
};

export type PlannedOp =
  | { readonly kind: 'create'; readonly sizeBytes: number }
  | { readonly kind: 'destroy'; readonly target: string }
  | { readonly kind: 'resize'; readonly target: string; readonly sizeBytes: number }
  | { readonly kind: 'snapshot'; readonly target: string }
  | { readonly kind: 'clone'; readonly target: string }
  /**
   * VM.revert: `inPlace`, VDI.revert of `replaces` (the disk the snapshot was taken of) to `snapshot`;
   * otherwise clone `snapshot` and use the clone as the disk in place of `replaces` (destroyed), as xapi
   * does without VDI_REVERT.
   */
  | { readonly kind: 'revert'; readonly snapshot: string; readonly replaces: string | undefined; readonly inPlace: boolean }
  /** Start the disk's VM on `host` (shut down first if it runs elsewhere). */
  | { readonly kind: 'plug'; readonly target: string; readonly host: string }
  | { readonly kind: 'unplug'; readonly target: string }
  | { readonly kind: 'write'; readonly target: string; readonly first: number; readonly count: number }
  | { readonly kind: 'read'; readonly target: string; readonly first: number; readonly count: number }
  | { readonly kind: 'gc' }
  | { readonly kind: 'scan' };

export type OpKind = PlannedOp['kind'];

export const OP_WEIGHTS: Readonly<Record<OpKind, number>> = {
  create: 6,
  destroy: 5,
  resize: 4,
  snapshot: 11,
  clone: 4,
  revert: 4,
  plug: 7,
  unplug: 4,
  write: 31,
  read: 14,
  gc: 7,
  scan: 3,
};

export const LIMITS = { disks: 3, snapshots: 4, maxSizeBytes: 96 * MIB } as const;

type Draws = { a: number; b: number; c: number; d: number };

/** The fallback of an op that does not apply; `create` always ends the chain. */
const FALLBACK: Readonly<Record<OpKind, OpKind>> = {
  create: 'write',
  destroy: 'snapshot',
  resize: 'plug',
  snapshot: 'create',
  clone: 'snapshot',
  revert: 'snapshot',
  plug: 'create',
  unplug: 'plug',
  write: 'plug',
  read: 'write',
  gc: 'scan',
  scan: 'create',
};

const at = <T>(items: readonly T[], x: number): T => items[Math.min(items.length - 1, Math.floor(x * items.length))]!;

function resolve(kind: OpKind, v: WorkerView, r: Draws): PlannedOp | undefined {
  const halted = v.disks.filter((d) => d.runningOn === undefined);
  const running = v.disks.filter((d) => d.runningOn !== undefined);
  switch (kind) {
    case 'create':
      return v.disks.length < LIMITS.disks ? { kind, sizeBytes: (4 + Math.floor(r.a * 21)) * 2 * MIB } : undefined;
    case 'destroy': {
      const candidates = [...v.snapshots.map((s) => s.uuid), ...(v.disks.length > 1 ? halted.map((d) => d.uuid) : [])];
      return candidates.length > 0 ? { kind, target: at(candidates, r.a) } : undefined;
    }
    case 'resize': {
      const d = halted.length > 0 ? at(halted, r.a) : undefined;
      if (!d || d.sizeBytes >= LIMITS.maxSizeBytes) return undefined;
      return { kind, target: d.uuid, sizeBytes: Math.min(LIMITS.maxSizeBytes, d.sizeBytes + (1 + Math.floor(r.b * 8)) * 2 * MIB) };
    }
    case 'snapshot':
      return v.disks.length > 0 && v.snapshots.length < LIMITS.snapshots ? { kind, target: at(v.disks, r.a).uuid } : undefined;
    case 'clone': {
      const sources = [...v.disks.map((d) => d.uuid), ...v.snapshots.map((s) => s.uuid)];
      return sources.length > 0 && v.disks.length < LIMITS.disks ? { kind, target: at(sources, r.a) } : undefined;
    }
    case 'revert': {
      if (v.snapshots.length === 0) return undefined;
      const s = at(v.snapshots, r.a);
      const replaces = v.disks.some((d) => d.uuid === s.of) ? s.of : undefined;
      return { kind, snapshot: s.uuid, replaces, inPlace: replaces !== undefined && r.d < 0.5 };
    }
    case 'plug': {
      if (v.disks.length === 0) return undefined;
      const d = at(v.disks, r.a);
      let host = at(v.hosts, r.b);
      if (host === d.runningOn) host = v.hosts[(v.hosts.indexOf(host) + 1) % v.hosts.length]!;
      return { kind, target: d.uuid, host };
    }
    case 'unplug':
      return running.length > 0 ? { kind, target: at(running, r.a).uuid } : undefined;
    case 'write': {
      if (running.length === 0) return undefined;
      const d = at(running, r.a);
      const sectors = Math.floor(d.sizeBytes / SECTOR);
      // Mostly small writes, some of a few MiB (across VHD blocks); some 4 KiB-aligned, most not.
      const count = Math.min(sectors, r.d < 0.1 ? 1 + Math.floor(r.c * 4096) : 1 + Math.floor(r.c * r.c * 256));
      let first = Math.floor(r.b * (sectors - count + 1));
      if (r.d > 0.6) first -= first % 8;
      return { kind, target: d.uuid, first, count };
    }
    case 'read': {
      const d = running.length > 0 ? at(running, r.a) : undefined;
      if (!d) return undefined;
      const sectors = Math.floor(d.sizeBytes / SECTOR);
      const around = d.written.length > 0 ? at(d.written, r.b) : Math.floor(r.b * sectors);
      const count = Math.min(sectors, 1 + Math.floor(r.d * 512));
      const first = Math.max(0, Math.min(sectors - count, around - Math.floor(r.c * 64)));
      return { kind, target: d.uuid, first, count };
    }
    case 'gc':
    case 'scan':
      return { kind };
  }
}

/** The next op of a worker, drawn with `weights` (default OP_WEIGHTS). Always draws 5 numbers from `rng`. */
export function planOp(rng: Rng, view: WorkerView, weights: Readonly<Record<OpKind, number>> = OP_WEIGHTS): PlannedOp {
  const kind = rng.weighted(weights);
  const draws: Draws = { a: rng.next(), b: rng.next(), c: rng.next(), d: rng.next() };
  let k: OpKind = kind;
  for (let hops = 0; hops < 12; hops += 1) {
    const op = resolve(k, view, draws);
    if (op) return op;
    k = FALLBACK[k];
  }
  // Every chain reaches `create` (needs fewer than 3 disks) or `write`/`plug` (needs a disk): one applies.
  throw new Error('no op applies');
}
