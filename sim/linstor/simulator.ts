/**
 * Starts the LINSTOR controller simulator in-process: tests, the pool simulator and the standalone
 * `xostor-sim linstor` all go through {@link startLinstorSim}.
 *
 * ```ts
 * const sim = await startLinstorSim({ dir, hostRoot: (node) => `${dir}/hosts/${node}` });
 * const client = createLinstorClient({ controllers: [sim.url] });
 * sim.controls.addFault({ method: 'POST', path: '/v1/nodes', status: 500 });
 * await sim.close();
 * ```
 */
import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { Logger } from '../../lib/log/logger.js';
import type { SimContext } from './context.js';
import type { ContractValidator, ContractViolation } from './contract.js';
import type { ControlTarget } from './control-routes.js';
import { SimControls } from './controls.js';
import { undeployAll } from './deploy.js';
import type { NodeConnectionStatus, SimState } from './model.js';
import { LINSTOR_ROUTES } from './routes.js';
import { Router } from './router.js';
import { Satellites } from './satellites.js';
import { SimHttpServer } from './server.js';
import { SimStore } from './store.js';

/** How to run the simulator; everything is optional. */
export type LinstorSimOptions = {
  /** Listen address (default 127.0.0.1) and port (default 0: any free port). */
  readonly host?: string;
  readonly port?: number;
  /** Pool directory: state and backing files go to `<dir>/linstor/`. Without it, nothing touches the disk. */
  readonly dir?: string;
  /** Size of each node's `linstor_group` disk in GiB (default 100). */
  readonly diskSizeGiB?: number;
  /** Nodes created without a disk (their storage pools fail with "Volume group … not found"). */
  readonly disklessNodes?: readonly string[];
  /** A node's host root, where its `dev/drbd*` files go (default `<dir>/hosts/<node>` when `dir` is set). */
  readonly hostRoot?: ((node: string) => string | undefined) | Readonly<Record<string, string>>;
  /**
   * The root of the host the controller runs on, where `POST /v1/controller/backup/db` writes
   * (`<root>/var/lib/linstor`); default `<dir>/controller` when `dir` is set.
   */
  readonly controllerRoot?: string;
  /** Contract validation of every request and response (tests only; off by default). */
  readonly validator?: ContractValidator;
  readonly logger?: Logger;
  readonly uuid?: () => string;
  readonly nowMs?: () => number;
};

/** A running simulator. */
export type LinstorSim = {
  /** `http://<host>:<port>`, what a client is given. */
  readonly url: string;
  readonly port: number;
  /** Live state (read it; mutate only through the API or the controls). */
  state(): SimState;
  readonly controls: SimControls;
  /** Contract violations seen so far (with a validator). */
  readonly violations: ContractViolation[];
  /** Marks a resource in use (Primary) on a node, or changes its disk state. */
  setResourceState(rd: string, node: string, state: { inUse?: boolean; diskState?: string }): Promise<boolean>;
  /** Starts a resync of `rd` that lasts `forMs` from now (sim/linstor/sync.ts); 0 ends a running one. */
  setSyncing(rd: string, forMs: number): Promise<boolean>;
  /** Takes a node offline (no `state` in views, never placed on) or back online. */
  setNodeOnline(node: string, online: boolean): Promise<boolean>;
  /** Sets the `connection_status` a node reports (`VERSION_MISMATCH`: a satellite of another version). */
  setNodeConnectionStatus(node: string, status: NodeConnectionStatus): Promise<boolean>;
  /** Controller down: refuse every connection until {@link acceptConnections}. */
  refuseConnections(): void;
  acceptConnections(): Promise<void>;
  /** Empties the controller (and its device files), the controls and the counters. */
  reset(): Promise<void>;
  close(): Promise<void>;
};

/** Starts a simulator and resolves once it listens. */
export async function startLinstorSim(options: LinstorSimOptions = {}): Promise<LinstorSim> {
  const uuid = options.uuid ?? randomUUID;
  const linstorDir = options.dir === undefined ? undefined : path.join(options.dir, 'linstor');
  const store = await SimStore.open(linstorDir, uuid);
  const roots = options.hostRoot;
  const hostRoot =
    typeof roots === 'function'
      ? roots
      : roots !== undefined
        ? (node: string) => roots[node]
        : (node: string) => (options.dir === undefined ? undefined : path.join(options.dir, 'hosts', node));
  const ctx: SimContext = {
    store,
    disks: {
      diskSizeKib: Math.round((options.diskSizeGiB ?? 100) * 1024 * 1024),
      disklessNodes: new Set((options.disklessNodes ?? []).map((n) => n.toUpperCase())),
    },
    satellites: new Satellites({ volumesDir: linstorDir === undefined ? undefined : path.join(linstorDir, 'volumes'), hostRoot }),
    uuid,
    nowMs: options.nowMs ?? Date.now,
    controllerRoot: () => options.controllerRoot ?? (options.dir === undefined ? undefined : path.join(options.dir, 'controller')),
  };
  const controls = new SimControls();
  const violations: ContractViolation[] = [];
  const host = options.host ?? '127.0.0.1';
  let port = options.port ?? 0;

  const control: ControlTarget = {
    controls,
    async setResourceState(rd, node, state) {
      const r = store.state.resourceDefinitions[rd.toUpperCase()]?.resources[node.toUpperCase()];
      if (!r) return false;
      if (state.inUse !== undefined) r.inUse = state.inUse;
      if (state.diskState !== undefined) r.diskState = state.diskState;
      await store.persist();
      return true;
    },
    async setSyncing(name, forMs) {
      const rd = store.state.resourceDefinitions[name.toUpperCase()];
      if (!rd) return false;
      if (forMs > 0) rd.syncingUntilMs = ctx.nowMs() + forMs;
      else delete rd.syncingUntilMs;
      await store.persist();
      return true;
    },
    async setNodeOnline(node, online) {
      const n = store.state.nodes[node.toUpperCase()];
      if (!n) return false;
      n.online = online;
      await store.persist();
      return true;
    },
    async setNodeConnectionStatus(node, status) {
      const n = store.state.nodes[node.toUpperCase()];
      if (!n) return false;
      n.online = status !== 'OFFLINE';
      n.versionMismatch = status === 'VERSION_MISMATCH';
      await store.persist();
      return true;
    },
    refuseConnections: () => http.refuse(),
    acceptConnections: () => accept(),
    async reset() {
      for (const rd of Object.values(store.state.resourceDefinitions)) await undeployAll(ctx, rd);
      store.reset();
      controls.reset();
      violations.length = 0;
      await store.persist();
    },
  };
  const router = new Router(LINSTOR_ROUTES);
  const http = new SimHttpServer({ ctx, router, controls, control, validator: options.validator, violations, logger: options.logger });
  const listen = () =>
    new Promise<void>((resolve, reject) => {
      http.server.once('error', reject);
      http.server.listen(port, host, () => {
        http.server.off('error', reject);
        port = (http.server.address() as AddressInfo).port;
        resolve();
      });
    });
  const accept = async (): Promise<void> => {
    controls.refuseFrom = undefined;
    if (!http.server.listening) await listen();
  };
  await listen();
  const urlHost = host.includes(':') ? `[${host}]` : host;
  return {
    url: `http://${urlHost}:${port}`,
    port,
    state: () => store.state,
    controls,
    violations,
    setResourceState: control.setResourceState,
    setSyncing: control.setSyncing,
    setNodeOnline: control.setNodeOnline,
    setNodeConnectionStatus: control.setNodeConnectionStatus,
    refuseConnections: () => http.refuse(),
    acceptConnections: accept,
    reset: control.reset,
    async close() {
      http.refuse();
      await store.persist();
    },
  };
}
