/**
 * What every handler of the controller simulator receives: the state, the configuration of the
 * simulated disks, the satellites that make device files, and injected uuid/clock sources.
 */
import type { SimReply } from './replies.js';
import type { Satellites } from './satellites.js';
import type { SimStore } from './store.js';

/** Fixed at start: how big each node's disk is, and which nodes have none. */
export type SimDiskConfig = {
  readonly diskSizeKib: number;
  /** Upper-cased names of the nodes created without a disk. */
  readonly disklessNodes: ReadonlySet<string>;
};

/** Handed to every handler; the only way handlers reach state, files, time and ids. */
export type SimContext = {
  readonly store: SimStore;
  readonly disks: SimDiskConfig;
  readonly satellites: Satellites;
  readonly uuid: () => string;
  readonly nowMs: () => number;
  /** The simulated root of the host the controller runs on (its `/var/lib/linstor`), if known. */
  readonly controllerRoot: () => string | undefined;
};

/** A parsed request as a handler sees it. */
export type SimRequest = {
  readonly method: string;
  readonly path: string;
  /** The route template, e.g. `/v1/nodes/{node}` (the OpenAPI path, so counters and contracts agree). */
  readonly template: string;
  readonly params: Readonly<Record<string, string>>;
  readonly query: URLSearchParams;
  readonly body: unknown;
};

/** A route handler. */
export type SimHandler = (ctx: SimContext, req: SimRequest) => SimReply | Promise<SimReply>;

/** One route of the simulator. */
export type SimRoute = {
  readonly method: string;
  readonly template: string;
  readonly handler: SimHandler;
  /**
   * Reactive (Flux) endpoints answer a JSON parse error with 500 instead of 400
   * (linstor-rest.md §2.4).
   */
  readonly reactive?: boolean;
};
