/**
 * Controller failover and host loss in the simulated pool (`xostor-sim controller` and `xostor-sim host`).
 * - {@link moveController}: what drbd-reactor does when the controller's host loses the database (its
 *   promoter stops the controller, unmounts and demotes) and another host's promoter wins: promote the
 *   database there, mount it, start the controller. Clients must find it again through discovery.
 * - {@link setHostPower}: a non-master host powered off — its satellite goes offline (LINSTOR reports
 *   its replicas without state), its tools fail, xapi answers HOST_OFFLINE for it, what it held Primary
 *   is released, and if it ran the controller another host's drbd-reactor takes over. Powered on again,
 *   it boots with its enabled units running, its satellite back online.
 */
import type { XapiSimulator } from '../xapi/index.js';
import { DB_RESOURCE, type HostRuntime, type PoolRuntime } from './runtime.js';

export class PoolControlError extends Error {
  override name = 'PoolControlError';
}

function hostOf(runtime: PoolRuntime, name: string): HostRuntime {
  const h = runtime.hosts.get(name);
  if (!h) throw new PoolControlError(`unknown host ${name} (hosts: ${[...runtime.hosts.keys()].join(', ')})`);
  return h;
}

/** Moves the controller to `to`; answers where it ran before (undefined if it did not run). */
export async function moveController(runtime: PoolRuntime, to: string): Promise<{ from: string | undefined; to: string }> {
  const target = hostOf(runtime, to);
  if (!target.up) throw new PoolControlError(`host ${to} is down`);
  const db = runtime.controller.state()?.resourceDefinitions[DB_RESOURCE.toUpperCase()];
  if (!db) throw new PoolControlError(`no ${DB_RESOURCE} resource: create the SR first`);
  if (!db.resources[to.toUpperCase()]) throw new PoolControlError(`host ${to} has no replica of ${DB_RESOURCE}`);
  const from = runtime.controller.runningOn;
  if (from === to) return { from, to };
  const holder = from ?? runtime.primaryOf(DB_RESOURCE);
  const holderHost = [...runtime.hosts.values()].find((h) => h.spec.name.toUpperCase() === holder?.toUpperCase());
  if (holderHost) await runtime.demoteDatabase(holderHost);
  await runtime.promoteDatabase(target);
  runtime.logger?.info(`controller moved from ${from ?? 'nowhere'} to ${to}`);
  return { from, to };
}

/** Powers a non-master host off or on. */
export async function setHostPower(runtime: PoolRuntime, xapi: XapiSimulator, name: string, up: boolean): Promise<{ host: string; up: boolean; controller: string | undefined }> {
  const h = hostOf(runtime, name);
  if (name === runtime.spec.master.name) throw new PoolControlError(`host ${name} is the pool master: only other hosts can be powered off`);
  const hostRef = xapi.hosts.find((x) => x.name === name)?.ref;
  if (up && !h.up) {
    h.up = true;
    // A boot: enabled units start, nothing else runs (no controller, no mount, no tapdisk).
    for (const [unit, state] of h.units) state.active = state.enabled && unit !== 'linstor-controller' && unit !== 'var-lib-linstor';
    xapi.downHosts.delete(name);
    if (hostRef) xapi.db.set('host', hostRef, { enabled: true });
    if (h.unit('linstor-satellite').active) await runtime.controller.sim?.setNodeOnline(name, true);
    await runtime.reactorStep();
  } else if (!up && h.up) {
    if (runtime.controller.runningOn === name || runtime.primaryOf(DB_RESOURCE)?.toUpperCase() === name.toUpperCase()) await runtime.demoteDatabase(h);
    h.up = false;
    for (const state of h.units.values()) state.active = false;
    h.tapdisks.clear();
    h.mounts.clear();
    xapi.downHosts.add(name);
    if (hostRef) xapi.db.set('host', hostRef, { enabled: false });
    const sim = runtime.controller.sim;
    if (sim) {
      await sim.setNodeOnline(name, false);
      // What it held Primary is released: DRBD on the peers sees the peer gone.
      for (const rd of Object.values(sim.state().resourceDefinitions)) {
        const r = rd.resources[name.toUpperCase()];
        if (r?.inUse) await sim.setResourceState(rd.name, name, { inUse: false });
      }
    }
    await runtime.reactorStep();
  }
  return { host: name, up: h.up, controller: runtime.controller.runningOn };
}
