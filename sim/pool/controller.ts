/**
 * Where the LINSTOR controller runs in the simulated pool. As on a real pool it serves only while
 * `linstor-controller` is started on some host, at that host's address, port 3370, so the driver's real
 * discovery (`linstor://<ip>`) finds it; its state lives in `<dir>/linstor/` wherever it runs. The
 * simulator instance is kept when the controller stops (connections are refused), because the
 * satellites' DRBD devices — what drbdsetup reports — outlive the controller.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { Logger } from '../../lib/log/logger.js';
import { startLinstorSim, type LinstorSim } from '../linstor/simulator.js';
import type { SimState } from '../linstor/model.js';
import type { PoolSpec } from './layout.js';

export const LINSTOR_PORT = 3370;

export class ControllerManager {
  readonly #spec: PoolSpec;
  readonly #logger: Logger | undefined;
  #sim: LinstorSim | undefined;
  #simHost: string | undefined;
  #runningOn: string | undefined;

  constructor(spec: PoolSpec, logger?: Logger) {
    this.#spec = spec;
    this.#logger = logger;
  }

  /** The host the controller serves on, if it runs. */
  get runningOn(): string | undefined {
    return this.#runningOn;
  }

  /** The live simulator (running or not), for state reads and controls. */
  get sim(): LinstorSim | undefined {
    return this.#sim;
  }

  /** `http://<address>:3370` of the running controller. */
  url(): string | undefined {
    const host = this.#spec.hosts.find((h) => h.name === this.#runningOn);
    return host ? `http://${host.address}:${LINSTOR_PORT}` : undefined;
  }

  /** The controller's state, also while it is stopped (undefined before it ever ran). */
  state(): SimState | undefined {
    return this.#sim?.state();
  }

  /** Opens the persisted state of a previous run without serving it (the satellites keep their devices). */
  async restore(): Promise<void> {
    if (existsSync(path.join(this.#spec.dir, 'linstor', 'state.json'))) {
      await this.#open(this.#spec.master.name);
      this.#sim?.refuseConnections();
    }
  }

  /** Starts the controller on `hostName` (no-op if it already runs there). */
  async startOn(hostName: string): Promise<void> {
    if (this.#runningOn === hostName) return;
    if (this.#runningOn !== undefined) {
      throw new Error(`the LINSTOR controller already runs on ${this.#runningOn}`);
    }
    if (this.#sim && this.#simHost === hostName) await this.#sim.acceptConnections();
    else await this.#open(hostName);
    this.#runningOn = hostName;
    this.#logger?.info(`linstor-controller started on ${hostName}`);
  }

  /** Stops the controller (connections refused); no-op if it does not run on `hostName`. */
  stopOn(hostName: string): void {
    if (this.#runningOn !== hostName) return;
    this.#sim?.refuseConnections();
    this.#runningOn = undefined;
    this.#logger?.info(`linstor-controller stopped on ${hostName}`);
  }

  async close(): Promise<void> {
    await this.#sim?.close();
    this.#sim = undefined;
    this.#runningOn = undefined;
  }

  async #open(hostName: string): Promise<void> {
    const host = this.#spec.hosts.find((h) => h.name === hostName);
    if (!host) throw new Error(`unknown host ${hostName}`);
    await this.#sim?.close();
    this.#sim = await startLinstorSim({
      host: host.address,
      port: LINSTOR_PORT,
      dir: this.#spec.dir,
      diskSizeGiB: this.#spec.diskSizeGiB,
      disklessNodes: this.#spec.hosts.filter((h) => h.diskless).map((h) => h.name),
      controllerRoot: host.root,
      hostRoot: (node) => this.#spec.hosts.find((h) => h.name.toUpperCase() === node.toUpperCase())?.root,
      ...(this.#logger ? { logger: this.#logger } : {}),
    });
    this.#simHost = hostName;
  }
}
