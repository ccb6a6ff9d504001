/**
 * What the pool shows at a check, gathered by observe.ts and judged by checker.ts: XAPI's VDIs of the
 * SR, the SR's key-value store, LINSTOR's resource definitions, paused tapdisks, and what was read of
 * each VDI. Plain data, so the checker can be tested with hand-made observations.
 */
import type { SectorValue } from './pattern.js';

export type XapiVdi = {
  /** The record's ref. */
  readonly ref: string;
  readonly managed: boolean;
  readonly label: string;
  readonly sizeBytes: number;
  readonly isSnapshot: boolean;
  /** sm-config `vhd-parent`. */
  readonly parent: string | undefined;
  /** sm-config `paused` is set. */
  readonly paused: boolean;
};

export type KvVolume = {
  /** `volume-name` (the resource definition). */
  readonly rd: string | undefined;
  /** `not-exists` ('0' when usable). */
  readonly notExists: string | undefined;
  /** `updating-uuid-src` is set (a rename left half done). */
  readonly renaming: boolean;
};

/** What one VDI read back: sector → value, over the sectors asked for. */
export type VdiRead = {
  /** Where it was read: `host2 (tapdisk)`, `host1 (device)`. */
  readonly where: string;
  readonly sectors: ReadonlyMap<number, SectorValue>;
};

export type Observation = {
  /** XAPI's VDIs of the SR, by uuid. */
  readonly xapi: ReadonlyMap<string, XapiVdi>;
  /** The KV's volumes by uuid (the raw uuid, `DELETED_…` ones included). */
  readonly kv: ReadonlyMap<string, KvVolume>;
  /** KV keys under `xcp/sr/journal/`. */
  readonly journal: readonly string[];
  /** LINSTOR resource definitions named `xcp-volume-…`. */
  readonly resources: ReadonlySet<string>;
  /** Tapdisks left paused, described. */
  readonly pausedTapdisks: readonly string[];
  /** Reads by VDI uuid; a VDI may be read in several places. */
  readonly reads: ReadonlyMap<string, readonly VdiRead[]>;
  /** VDIs that could not be read, with the reason. */
  readonly readErrors: ReadonlyMap<string, string>;
};
