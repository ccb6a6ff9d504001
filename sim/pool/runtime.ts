/**
 * The live state of the simulated hosts that no other simulator owns: systemd units, mounts, firewall
 * rules, tapdisks, whether a host is up. The host-tool stand-ins read and change it; the controller
 * placement follows drbd-reactor's rules (see reactorStep).
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { Logger } from '../../lib/log/logger.js';
import { ControllerManager } from './controller.js';
import type { PoolSpec, SimHostSpec } from './layout.js';

/** The controller database resource drbd-reactor promotes. */
export const DB_RESOURCE = 'xcp-persistent-database';
/** drbd-reactor's promoter configuration, written by the plugin's updateDrbdReactor. */
export const REACTOR_CONFIG = '/etc/drbd-reactor.d/sm-linstor.toml';

/** tapdisk state bits (blktap2.md §1.7). */
export const TAP_PAUSE_REQUESTED = 0x10;
export const TAP_PAUSED = 0x20;

export type Tapdisk = {
  readonly pid: number;
  minor: number | undefined;
  state: number;
  /** `<type>:<dom0 path>` once opened. */
  args: string | undefined;
  readOnly: boolean;
  /** Resources this tapdisk holds open (leaf first), for the openers files. */
  opened: string[];
  openedAtMs: number;
  /** Guest I/O requests in progress (a pause waits for them to drain, as tapdisk does). */
  inflight: number;
};

export type UnitState = { active: boolean; enabled: boolean };

export class HostRuntime {
  readonly spec: SimHostSpec;
  readonly units = new Map<string, UnitState>();
  readonly mounts = new Map<string, string>();
  readonly iptables: string[] = [];
  readonly firewallPorts = new Set<string>();
  readonly tapdisks = new Map<number, Tapdisk>();
  readonly minors = new Set<number>();
  /** Every host tool run on this host, in order (what tests read to see that a call ran no command). */
  readonly toolCalls: { readonly tool: string; readonly argv: readonly string[] }[] = [];
  up = true;
  #nextPid: number;

  constructor(spec: SimHostSpec) {
    this.spec = spec;
    this.#nextPid = 20000 + spec.index * 1000;
    // What a freshly installed XOSTOR host runs: the satellite, nothing else of LINSTOR's.
    this.units.set('linstor-satellite', { active: true, enabled: true });
  }

  unit(name: string): UnitState {
    let u = this.units.get(name);
    if (!u) {
      u = { active: false, enabled: false };
      this.units.set(name, u);
    }
    return u;
  }

  newPid(): number {
    this.#nextPid += 1;
    return this.#nextPid;
  }

  /** A dom0 path of this host as a path on this machine. */
  local(dom0Path: string): string {
    return path.join(this.spec.root, dom0Path);
  }
}

export class PoolRuntime {
  readonly spec: PoolSpec;
  readonly hosts: ReadonlyMap<string, HostRuntime>;
  readonly controller: ControllerManager;
  readonly logger: Logger | undefined;

  constructor(spec: PoolSpec, logger?: Logger) {
    this.spec = spec;
    this.logger = logger;
    this.hosts = new Map(spec.hosts.map((h) => [h.name, new HostRuntime(h)]));
    this.controller = new ControllerManager(spec, logger);
  }

  host(name: string): HostRuntime {
    const h = this.hosts.get(name);
    if (!h) throw new Error(`unknown host ${name}`);
    return h;
  }

  /** Marks a resource Primary (in use) or Secondary on a node, as DRBD would. */
  async setPrimary(rd: string, node: string, primary: boolean): Promise<boolean> {
    const sim = this.controller.sim;
    return sim ? sim.setResourceState(rd, node, { inUse: primary }) : false;
  }

  /** Which node holds a resource Primary, if any. */
  primaryOf(rd: string): string | undefined {
    const def = this.controller.state()?.resourceDefinitions[rd.toUpperCase()];
    return def ? Object.values(def.resources).find((r) => r.inUse)?.node : undefined;
  }

  /**
   * drbd-reactor's promoter, evaluated after every unit change: when no controller runs, the first host
   * (by index) that is up, runs drbd-reactor with the sm-linstor promoter configuration, and has the
   * database resource promotes it, mounts /var/lib/linstor and starts the controller.
   */
  async reactorStep(): Promise<void> {
    if (this.controller.runningOn !== undefined) return;
    const state = this.controller.state();
    const db = state?.resourceDefinitions[DB_RESOURCE.toUpperCase()];
    if (!db) return;
    for (const h of this.hosts.values()) {
      if (!h.up || !h.unit('drbd-reactor').active || !existsSync(h.local(REACTOR_CONFIG))) continue;
      if (!db.resources[h.spec.name.toUpperCase()]) continue;
      const holder = this.primaryOf(DB_RESOURCE);
      if (holder !== undefined && holder.toUpperCase() !== h.spec.name.toUpperCase()) continue;
      await this.promoteDatabase(h);
      return;
    }
  }

  /** What the promoter's start units do on the winning host. */
  async promoteDatabase(h: HostRuntime): Promise<void> {
    await this.setPrimary(DB_RESOURCE, h.spec.name, true);
    h.mounts.set('/var/lib/linstor', `/dev/drbd/by-res/${DB_RESOURCE}/0`);
    h.unit('var-lib-linstor').active = true;
    h.unit(`drbd-promote@${DB_RESOURCE}`).active = true;
    await this.controller.startOn(h.spec.name);
    h.unit('linstor-controller').active = true;
    this.logger?.info(`drbd-reactor promoted ${DB_RESOURCE} on ${h.spec.name}`);
  }

  /** What stopping the promoter's units does: controller down, unmount, demote. */
  async demoteDatabase(h: HostRuntime): Promise<void> {
    this.controller.stopOn(h.spec.name);
    h.unit('linstor-controller').active = false;
    h.unit('var-lib-linstor').active = false;
    h.unit(`drbd-promote@${DB_RESOURCE}`).active = false;
    h.mounts.delete('/var/lib/linstor');
    await this.setPrimary(DB_RESOURCE, h.spec.name, false);
  }
}
