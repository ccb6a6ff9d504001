/**
 * What every volume operation shares: the REST client, the SR's names, the cached views and KV, the
 * injected clock and time scale, and the volume set (`_volumes` of the Python driver). One context per
 * {@link VolumeManager}; nothing here is module-level.
 */
import type { LinstorApi } from '../linstor/index.js';
import type { Logger } from '../log/logger.js';
import { ViewCache } from './cache.js';
import { SrKvStore } from './kv-store.js';
import type { ResourceName, SrNames, VdiUuid } from './naming.js';

/**
 * Host-side DRBD operations a force-destroy needs (plugin `getDrbdOpeners` and `demoteDrbdResource` on the
 * hosts); the driver injects them through the plugin, `lib/volume` cannot call XAPI itself.
 */
export type DrbdHostOps = {
  /** `<host>: <pid> <process>` for every process holding the device open on any live host; empty when none. */
  openers(resource: ResourceName): Promise<readonly string[]>;
  /** Demotes a stuck Primary (`drbdsetup secondary`) on `node`. */
  demote(resource: ResourceName, node: string): Promise<void>;
};

/** Collaborators and knobs of a manager; the composition root (driver, plugin, GC) fills them. */
export type VolumeManagerOptions = {
  readonly linstor: LinstorApi;
  /** `device_config:group-name` (`linstor_group` or `linstor_group/thin_device`). */
  readonly groupName: string;
  readonly logger: Logger;
  /**
   * Repair stale volumes and half-done renames at load. Only master-exclusive commands and the GC
   * (under the SR lock) may: elsewhere a volume being created or renamed would be destroyed.
   */
  readonly repair?: boolean;
  /** Multiplies every wait, retry period and the lock expiry (`LINSTOR_SR_TIME_SCALE`). Default 1. */
  readonly timeScale?: number;
  /** Wall clock in ms (lock timestamps). Default `Date.now`. */
  readonly nowMs?: () => number;
  /** Sleeps `ms` (already scaled). Default a timer. */
  readonly sleep?: (ms: number) => Promise<void>;
  /** uuid4 of new resource names. Default `crypto.randomUUID`. */
  readonly uuid4?: () => string;
  /** Attempts of the LINSTOR part of a create (Python: 5, 3 s apart). */
  readonly createAttempts?: number;
  /** Lets a force-destroy (failed create, repair) demote a stuck Primary; without it an in-use RD stays. */
  readonly drbd?: DrbdHostOps;
  /**
   * Read the SR resource group at open (default): a missing group is then `VolumeGroupNotFoundError`
   * at once. False: read it when first needed (a create, the SR size) — the VDI verbs that open an
   * existing volume save a request, and an SR gone from LINSTOR shows as its volumes missing.
   */
  readonly groupAtOpen?: boolean;
};

/** The shared state of one manager. */
export type VolumeContext = {
  readonly linstor: LinstorApi;
  readonly names: SrNames;
  readonly cache: ViewCache;
  readonly kv: SrKvStore;
  readonly log: Logger;
  readonly timeScale: number;
  readonly nowMs: () => number;
  readonly sleep: (ms: number) => Promise<void>;
  readonly uuid4: () => string;
  readonly createAttempts: number;
  readonly drbd: DrbdHostOps | undefined;
  /** place_count of the SR resource group, once read (0 before). */
  redundancy: number;
  /** Resources whose entries in the cached resource view are out of date ({@link markResourceStale}). */
  readonly staleResources: Set<string>;
  /** The usable volumes: VDI uuid → resource name. */
  readonly volumes: Map<VdiUuid, ResourceName>;
};

/** Builds a context (no request is sent). */
export function createContext(options: VolumeManagerOptions, names: SrNames): VolumeContext {
  const cache = new ViewCache();
  const log = options.logger.child('volume');
  return {
    linstor: options.linstor,
    names,
    cache,
    kv: new SrKvStore(options.linstor, cache, names.kv, log),
    log,
    timeScale: options.timeScale ?? 1,
    nowMs: options.nowMs ?? Date.now,
    sleep: options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms))),
    uuid4: options.uuid4 ?? (() => crypto.randomUUID()),
    createAttempts: options.createAttempts ?? 5,
    drbd: options.drbd,
    redundancy: 0,
    staleResources: new Set(),
    volumes: new Map(),
  };
}

/** `ms` scaled by the context's time scale. */
export function scaled(ctx: VolumeContext, ms: number): number {
  return ms * ctx.timeScale;
}
