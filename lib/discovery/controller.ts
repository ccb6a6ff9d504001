/**
 * Finding the LINSTOR controller (spec/sm-linstor.md §3.3). It runs where drbd-reactor promoted the
 * controller database, so:
 *   1. `drbdadm status xcp-persistent-database`: Primary here → this host's own address (never
 *      `localhost`, DESIGN.md "The local controller"); a peer Primary → its address from
 *      `drbdsetup show --json`;
 *   2. otherwise (no database device here: 4+ hosts, a diskless-only view, a move in progress) ask every
 *      enabled host through the plugin's `hasControllerRunning`;
 *   3. without XAPI (HA volumes at boot), every address of xhad.conf, for the client to fail over between.
 * Steps 1–2 are retried (10 tries, 1 s apart by default) while the controller moves.
 */
import type { Exec } from '../exec/run.js';
import type { Logger } from '../log/logger.js';
import { parseDrbdadmStatus, peerAddress } from './drbd-status.js';
import { readXhaConfig } from './xha-config.js';

export const DATABASE_RESOURCE = 'xcp-persistent-database';

/** A pool member as XAPI describes it. */
export type PoolHost = { readonly ref: string; readonly hostname: string; readonly address: string; readonly enabled: boolean };

export type DiscoveryDeps = {
  readonly exec: Exec;
  /** LINSTOR_SR_ROOT, for xhad.conf. */
  readonly root: string;
  readonly log: Logger;
  /** This host's management address (from XAPI), used when the database is Primary here. */
  readonly localAddress?: () => Promise<string | undefined>;
  /** The pool through XAPI, when a session exists. */
  readonly pool?: {
    hosts(): Promise<readonly PoolHost[]>;
    hasControllerRunning(host: PoolHost): Promise<boolean>;
  };
  readonly attempts?: number;
  /** Already scaled by LINSTOR_SR_TIME_SCALE. */
  readonly retryDelayMs?: number;
  readonly sleep?: (ms: number) => Promise<void>;
};

export type ControllerLocation = {
  /** `linstor://<ip>` URIs in preference order; several only from xhad.conf. */
  readonly uris: readonly string[];
  readonly via: 'local-database' | 'peer-database' | 'plugin' | 'xha-config';
  /** The LINSTOR node (= XAPI hostname) of the controller, when known; `undefined` when it is this host. */
  readonly nodeName: string | undefined;
};

/** No step found a controller. */
export class ControllerNotFoundError extends Error {
  override name = 'ControllerNotFoundError';
}

const uri = (address: string): string => `linstor://${address.includes(':') ? `[${address}]` : address}`;

async function fromDrbd(deps: DiscoveryDeps): Promise<ControllerLocation | undefined> {
  let status;
  try {
    status = await deps.exec('drbdadm', ['status', DATABASE_RESOURCE], { allowFailure: true, timeoutMs: 10_000 });
  } catch (error) {
    deps.log.warn('drbdadm could not run; asking the hosts instead', { error });
    return undefined;
  }
  if (status.exitCode !== 0) return undefined;
  const roles = parseDrbdadmStatus(status.stdout, DATABASE_RESOURCE);
  if (roles.localRole === 'Primary') {
    const own = (await deps.localAddress?.()) ?? (await localAddressFromXha(deps.root));
    return { uris: [uri(own ?? 'localhost')], via: 'local-database', nodeName: undefined };
  }
  if (!roles.primaryPeer) return undefined;
  const show = await deps.exec('drbdsetup', ['show', DATABASE_RESOURCE, '--json'], { allowFailure: true, timeoutMs: 10_000 });
  const address = show.exitCode === 0 ? peerAddress(show.stdout, roles.primaryPeer) : undefined;
  return address ? { uris: [uri(address)], via: 'peer-database', nodeName: roles.primaryPeer } : undefined;
}

async function fromPlugin(deps: DiscoveryDeps): Promise<ControllerLocation | undefined> {
  if (!deps.pool) return undefined;
  for (const host of await deps.pool.hosts()) {
    if (!host.enabled) continue;
    try {
      if (await deps.pool.hasControllerRunning(host)) return { uris: [uri(host.address)], via: 'plugin', nodeName: host.hostname };
    } catch (error) {
      // An offline host cannot answer; the controller is elsewhere or nowhere yet.
      deps.log.warn(`hasControllerRunning failed on ${host.hostname}`, { error });
    }
  }
  return undefined;
}

async function localAddressFromXha(root: string): Promise<string | undefined> {
  const xha = await readXhaConfig(root).catch(() => undefined);
  return xha?.hosts.find((h) => h.hostId === xha.localHostId)?.address;
}

/** Finds where the controller runs; throws ControllerNotFoundError after the last attempt. */
export async function discoverController(deps: DiscoveryDeps): Promise<ControllerLocation> {
  const attempts = deps.attempts ?? 10;
  const sleep = deps.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  for (let attempt = 1; attempt <= attempts; attempt += 1) {
    const found = (await fromDrbd(deps)) ?? (await fromPlugin(deps));
    if (found) {
      deps.log.debug(`controller found via ${found.via}: ${found.uris.join(', ')}`);
      return found;
    }
    if (attempt < attempts) await sleep(deps.retryDelayMs ?? 1000);
  }
  const xha = await readXhaConfig(deps.root);
  if (xha && xha.hosts.length > 0) {
    const local = xha.hosts.find((h) => h.hostId === xha.localHostId);
    const ordered = local ? [local, ...xha.hosts.filter((h) => h !== local)] : xha.hosts;
    return { uris: ordered.map((h) => uri(h.address)), via: 'xha-config', nodeName: undefined };
  }
  throw new ControllerNotFoundError(`no LINSTOR controller found after ${attempts} attempt(s) (DRBD database, ${deps.pool ? 'hosts' : 'no XAPI'}, no xhad.conf)`);
}
