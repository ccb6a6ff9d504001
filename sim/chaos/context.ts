/**
 * What the soak's workers, fault injector and checker share: the pool and its SR, a XenAPI session, the
 * model, the tallies, the op log, the VMs the disks run in, and the host leases that keep a host from
 * being powered off under a VM (the simulator does not reset VMs of a dead host as xapi would, so a
 * power cycle only ever hits a host where nothing of the soak runs).
 */
import type { Xapi } from '../../lib/xapi/index.js';
import type { SimPool } from '../pool/pool.js';
import type { DiskLocks } from './disk-locks.js';
import type { ChaosModel } from './model.js';
import type { OpKind } from './op-mix.js';
import type { OpLog } from './op-log.js';
import type { FaultKind, Tally } from './summary.js';

export type ChaosOptions = {
  readonly seed: number;
  readonly ops: number;
  readonly concurrency: number;
  /** Recover and check after every this many ops (0: only at the end). */
  readonly checkEvery: number;
  /** Probability that an op carries a fault. */
  readonly faultRate: number;
  /** Halted disks read through a tapdisk (a VM started read-only on a rotating host) at each check. */
  readonly tapdiskReads: number;
  readonly timeScale: number;
  /** A targeted soak: only these fault kinds, only fault points containing one of `points` (none: all). */
  readonly faultKinds?: readonly FaultKind[];
  readonly points?: readonly string[];
  /** The op mix, when not OP_WEIGHTS (a long run that must fire many collector faults weighs `gc` up). */
  readonly opWeights?: Readonly<Record<OpKind, number>>;
  /** Stop starting ops once every fault kind of the soak has fired this many times (`ops` stays the cap). */
  readonly untilFired?: number;
};

export const DEFAULT_OPTIONS: Omit<ChaosOptions, 'seed'> = { ops: 60, concurrency: 3, checkEvery: 0, faultRate: 0.35, tapdiskReads: 2, timeScale: 0.1 };

/** How an op ended: ok, or failed with the XenAPI code; `note` says what the model concluded. */
export type OpResult = { readonly ok: boolean; readonly code?: string; readonly error?: string; readonly note?: string };

/** An op: the worker that runs it and its index in that worker's sequence. */
export type OpId = { readonly worker: number; readonly index: number };

/** `w<worker>#<index>`, as the op log and the findings name an op. */
export const opName = (id: OpId): string => `w${id.worker}#${id.index}`;

/** The VM a disk runs in (one per disk, made at its first plug). */
export type DiskVm = { readonly vm: string; host: string | undefined; readonly owner: number };

/**
 * Hosts a VM of the soak runs on (or is being started on) hold a lease; a power cycle reserves a host,
 * after which no VM starts there, and powers it off once its VMs are shut down (no lease left).
 */
export class HostLeases {
  readonly #leases = new Map<string, number>();
  readonly #reserved = new Set<string>();

  /** Takes a lease on `host` unless it is reserved. */
  take(host: string): boolean {
    if (this.#reserved.has(host)) return false;
    this.#leases.set(host, (this.#leases.get(host) ?? 0) + 1);
    return true;
  }

  release(host: string): void {
    const n = (this.#leases.get(host) ?? 0) - 1;
    if (n > 0) this.#leases.set(host, n);
    else this.#leases.delete(host);
  }

  /** Reserves the one of `hosts` not reserved yet that holds the fewest leases (the first of those). */
  reserve(hosts: readonly string[]): string | undefined {
    const free = hosts.filter((h) => !this.#reserved.has(h)).sort((a, b) => this.held(a) - this.held(b));
    const host = free[0];
    if (host !== undefined) this.#reserved.add(host);
    return host;
  }

  /** Leases held on `host`. */
  held(host: string): number {
    return this.#leases.get(host) ?? 0;
  }

  unreserve(host: string): void {
    this.#reserved.delete(host);
  }

  reserved(host: string): boolean {
    return this.#reserved.has(host);
  }
}

export type ChaosContext = {
  readonly options: ChaosOptions;
  readonly pool: SimPool;
  readonly xapi: Xapi;
  readonly srRef: string;
  readonly srUuid: string;
  readonly groupName: string;
  /** `<pool dir>/chaos`: op log, SMlog, findings, scratch files. */
  readonly logDir: string;
  readonly model: ChaosModel;
  readonly tally: Tally;
  readonly log: OpLog;
  /** VDI uuid → XAPI ref. */
  readonly refs: Map<string, string>;
  /** Disk uuid → its VM. */
  readonly vms: Map<string, DiskVm>;
  readonly leases: HostLeases;
  /** Held by a worker's op on its VDIs, and by a power cycle shutting a VM down. */
  readonly diskLocks: DiskLocks;
  /** `host\0verb` of XAPI faults armed and not yet known to be consumed. */
  readonly armed: Set<string>;
  /** Where the snapshot of each snapshot VDI was taken from. */
  readonly snapshotOf: Map<string, string>;
};
