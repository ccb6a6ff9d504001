/**
 * What one collector run works with (sm's `cleanup.LinstorSR` + `_reloadLinstor`): a XAPI session on
 * this host's socket (the collector is started by the driver, not by xapi, so it logs in as sm's GC
 * does), the SR and this host's PBD (group-name), the master check, the LINSTOR controller found by
 * discovery, and plugin calls. The volume manager comes from the SR context (lib/sr-context), afresh
 * for each pass and only under the SR lock, with repair (built outside the lock, a repair raced a
 * snapshot rollback).
 */
import { discoverController } from '../lib/discovery/controller.js';
import { xapiDiscovery } from '../lib/discovery/xapi-pool.js';
import { decodeOpenersAnswer } from '../lib/drbd/index.js';
import type { Exec } from '../lib/exec/run.js';
import { scaled, type HostEnv } from '../lib/host/env.js';
import { thisHostUuid } from '../lib/host/inventory.js';
import { createLinstorClient, type LinstorApi } from '../lib/linstor/index.js';
import type { Logger } from '../lib/log/logger.js';
import { openSrContext } from '../lib/sr-context/sr-context.js';
import { srProvisioning, type Provisioning, type ResourceName, type VolumeManager } from '../lib/volume/index.js';
import { createLocalXapi, isXapiError, type HostRecord, type Xapi } from '../lib/xapi/index.js';
import type { XapiVdi } from './inventory.js';

/** The run cannot start (not the master, SR not plugged here, unknown SR). */
export class GcSetupError extends Error {
  override name = 'GcSetupError';
}

export type GcContext = {
  readonly env: HostEnv;
  readonly log: Logger;
  readonly exec: Exec;
  readonly srUuid: string;
  readonly srRef: string;
  readonly groupName: string;
  readonly provisioning: Provisioning;
  readonly xapi: Xapi;
  readonly hostRef: string;
  /** This host's LINSTOR node name (XAPI hostname). */
  readonly node: string;
  /** host ref → hostname. */
  readonly hostnames: ReadonlyMap<string, string>;
  readonly linstor: LinstorApi;
  /** A fresh volume manager with repair; call it under the SR lock only. */
  openVolumes(): Promise<VolumeManager>;
  /** A fresh volume manager without repair, for a look that changes nothing (status, dry run). */
  readOnlyVolumes(): Promise<VolumeManager>;
  /** False once this host's PBD of the SR is unplugged (sm checks it every iteration). */
  plugged(): Promise<boolean>;
  /** SR other-config switches sm honours: `gc=false` (no run), `coalesce=false` (deletes only). */
  srSwitches(): Promise<{ gc: boolean; coalesce: boolean }>;
  /** XAPI records of the SR's VDIs, by uuid. */
  xapiVdis(): Promise<Map<string, XapiVdi>>;
  /** `linstor-manager` function `fn` on `hostRef`. */
  callPlugin(hostRef: string, fn: string, args: Record<string, string>): Promise<string>;
  close(): Promise<void>;
};

/** What the run needs of XAPI, read once at the start (sm's `_reloadLinstor` reads the same). */
type PoolView = {
  readonly srRef: string;
  readonly hostRef: string;
  readonly hosts: Readonly<Record<string, HostRecord>>;
  readonly pbdRef: string;
  readonly groupName: string;
  readonly provisioning: Provisioning;
};

async function readPool(xapi: Xapi, o: { env: HostEnv; srUuid: string; calledByDriver?: boolean }): Promise<PoolView> {
  // Independent lookups in parallel; this host's ref comes from the host records (no host.get_by_uuid).
  const [srRef, installation, master, hosts, pbds] = await Promise.all([
    xapi.sr.getByUuid(o.srUuid).catch((e: unknown) => {
      throw new GcSetupError(`no SR ${o.srUuid}`, { cause: e });
    }),
    thisHostUuid(o.env.root).catch((e: unknown) => {
      throw new GcSetupError('this host has no INSTALLATION_UUID', { cause: e });
    }),
    xapi.pool.getMaster(),
    xapi.host.getAllRecords(),
    xapi.pbd.getAllRecords(),
  ]);
  const hostRef = Object.entries(hosts).find(([, h]) => h.uuid === installation)?.[0] ?? (await xapi.host.getByUuid(installation));
  if (master !== hostRef) throw new GcSetupError('the collector runs on the pool master only');
  const pbd = Object.entries(pbds).find(([, p]) => p.SR === srRef && p.host === hostRef);
  // sr_delete runs us inside xapi's temporary attach, where the PBD is not marked plugged (sm's gc_force
  // skips the check too).
  if (pbd === undefined || (!pbd[1].currently_attached && !o.calledByDriver)) throw new GcSetupError(`SR ${o.srUuid} is not plugged on this host`);
  const groupName = pbd[1].device_config['group-name'];
  if (!groupName) throw new GcSetupError(`the PBD of SR ${o.srUuid} has no group-name`);
  // The driver's rule (lib/volume/provisioning.ts), from the same two maps it is given.
  const provisioning = srProvisioning(pbd[1].device_config, await xapi.sr.getSmConfig(srRef));
  if (provisioning === undefined) throw new GcSetupError(`the PBD of SR ${o.srUuid} names an invalid provisioning`);
  return { srRef, hostRef, hosts, pbdRef: pbd[0], groupName, provisioning };
}

/**
 * Connects to XAPI and LINSTOR for SR `srUuid`. Controller discovery starts with the login: its first
 * step (`drbdadm status`) needs no XAPI, and what it needs of XAPI (this host's address, the pool's
 * hosts) comes from the records the setup reads anyway. A setup failure wins over a discovery failure,
 * and stops discovery's retries.
 */
export async function openGcContext(o: { env: HostEnv; log: Logger; exec: Exec; srUuid: string; calledByDriver?: boolean }): Promise<GcContext> {
  const xapi = createLocalXapi({ socketPath: o.env.xapiSocket });
  const pool = xapi.client.loginWithPassword('root', '').then(() => readPool(xapi, o));
  let setupFailed = false;
  const discovery = discoverController({
    exec: o.exec,
    root: o.env.root,
    log: o.log,
    retryDelayMs: scaled(o.env, 1000),
    sleep: async (ms) => {
      if (setupFailed) throw new GcSetupError('setup failed');
      await new Promise((r) => setTimeout(r, ms));
    },
    ...xapiDiscovery(xapi, o.env.root, () => pool),
  });
  // Awaited below once the setup succeeded; abandoned (and its rejection ignored) when it failed.
  discovery.catch(() => undefined);
  try {
    const { srRef, hostRef, hosts, pbdRef, groupName, provisioning } = await pool.catch((error: unknown) => {
      setupFailed = true;
      throw error;
    });
    const hostnames = new Map(Object.entries(hosts).map(([ref, h]) => [ref, h.hostname]));
    const found = await discovery;
    const linstor = createLinstorClient({ controllers: found.uris, logger: o.log.child('linstor') });
    const node = hostnames.get(hostRef) ?? '';
    const sr = openSrContext({
      env: o.env,
      log: o.log,
      exec: o.exec,
      xapi,
      groupName,
      repair: true,
      connect: async () => linstor,
      drbd: {
        openers: async (resource: ResourceName) => openersOn(xapi, [...hostnames.keys()], resource, hostnames),
        demote: async (resource: ResourceName, n: string) => {
          const ref = [...hostnames].find(([, h]) => h === n)?.[0];
          if (ref) await xapi.host.callPlugin(ref, 'linstor-manager', 'demoteDrbdResource', { resource_name: resource });
        },
      },
    });
    return {
      env: o.env,
      log: o.log,
      exec: o.exec,
      srUuid: o.srUuid,
      srRef,
      groupName,
      provisioning,
      xapi,
      hostRef,
      node,
      hostnames,
      linstor,
      openVolumes: () => sr.freshVolumes(),
      readOnlyVolumes: () => sr.freshVolumes({ repair: false }),
      async plugged() {
        if (o.calledByDriver) return true;
        try {
          return await xapi.pbd.get(pbdRef, 'currently_attached');
        } catch (error) {
          // The PBD was destroyed (SR forgotten, host removed): not plugged any more.
          if (isXapiError(error, 'HANDLE_INVALID')) return false;
          throw error;
        }
      },
      async srSwitches() {
        const other = (await xapi.sr.get(srRef, 'other_config')) ?? {};
        return { gc: other['gc'] !== 'false', coalesce: other['coalesce'] !== 'false' };
      },
      async xapiVdis() {
        const out = new Map<string, XapiVdi>();
        for (const [ref, r] of Object.entries(await xapi.vdi.recordsOfSr(srRef))) {
          const attachedOn = Object.keys(r.sm_config)
            .filter((k) => k.startsWith('host_'))
            .map((k) => hostnames.get(k.slice(5)) ?? k.slice(5));
          out.set(r.uuid, { ref, attachedOn, smConfig: r.sm_config, otherConfig: r.other_config ?? {}, onBoot: r.on_boot });
        }
        return out;
      },
      callPlugin: (host, fn, args) => xapi.host.callPlugin(host, 'linstor-manager', fn, args),
      async close() {
        await linstor.close().catch(() => undefined);
        await xapi.client.logout().catch(() => undefined);
      },
    };
  } catch (error) {
    setupFailed = true;
    await xapi.client.logout().catch(() => undefined);
    throw error;
  }
}

/** A process holding a DRBD device open on some host. */
export type Opener = { readonly hostRef: string; readonly hostname: string; readonly pid: string; readonly process: string };

/**
 * Every opener of `resource` on the given hosts (plugin getDrbdOpeners; unreachable hosts skipped). The
 * hosts are asked in parallel (each call is a plugin process there); the result keeps their order.
 */
export async function openersOf(xapi: Xapi, hostRefs: readonly string[], resource: string, hostnames: ReadonlyMap<string, string>): Promise<Opener[]> {
  const answers = await Promise.all(
    hostRefs.map((ref) => xapi.host.callPlugin(ref, 'linstor-manager', 'getDrbdOpeners', { resourceName: resource, volume: '0' }).catch(() => undefined)),
  );
  const out: Opener[] = [];
  hostRefs.forEach((ref, i) => {
    const answer = answers[i];
    if (answer === undefined) return;
    for (const { pid, process } of decodeOpenersAnswer(answer)) out.push({ hostRef: ref, hostname: hostnames.get(ref) ?? ref, pid, process });
  });
  return out;
}

/** `<host>: <pid> <process>` of every opener of `resource` (what lib/volume's force-destroy reports). */
export async function openersOn(xapi: Xapi, hostRefs: readonly string[], resource: string, hostnames: ReadonlyMap<string, string>): Promise<string[]> {
  return (await openersOf(xapi, hostRefs, resource, hostnames)).map((o) => `${o.hostname}: ${o.pid} ${o.process}`);
}
