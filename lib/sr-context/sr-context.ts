/**
 * The one way a process opens an SR: given its environment, a XAPI session and the SR's group name, it
 * builds on first use and memoizes the LINSTOR client (controller discovery included), the volume
 * manager (repair on or off), the journal over the volume manager's KV read, and this host's ref, and
 * closes what it opened. The driver's SR session, the plugin functions and the collector are views of it,
 * each adding only what is its own (the SR lock and the version guard, the plugin's failure shape, the
 * collector's pool checks). Where LINSTOR is not reached by discovery through XAPI, the caller lends a
 * client (kept open) or says how to make one (closed with the context): an attach at boot has no XAPI.
 */
import { connectController } from '../discovery/connect.js';
import type { Exec } from '../exec/run.js';
import type { HostEnv } from '../host/env.js';
import { thisHostRef } from '../host/inventory.js';
import { Journal } from '../journal/index.js';
import type { LinstorApi } from '../linstor/index.js';
import type { Logger } from '../log/logger.js';
import { VolumeManager, type VolumeManagerOptions } from '../volume/index.js';
import type { Xapi } from '../xapi/index.js';

export type SrContextOptions = {
  readonly env: Pick<HostEnv, 'root' | 'timeScale'>;
  readonly log: Logger;
  readonly exec: Exec;
  /**
   * The caller's XAPI session: xapi's for a verb or a plugin call, the collector's own login; none for
   * an attach at boot (then `connect` or `client` says how LINSTOR is reached).
   */
  readonly xapi?: Xapi;
  /** `device_config:group-name`. */
  readonly groupName: string;
  /** Repair stale volumes and half-done renames when the volume manager loads (under the SR lock only). */
  readonly repair?: boolean;
  /** False: the volume manager reads the SR resource group only when it needs it (`VolumeManagerOptions`). */
  readonly groupAtOpen?: boolean;
  /**
   * How the LINSTOR client is made, when not by discovery through `xapi` (the collector starts its
   * discovery before it logs in; a verb adds its version guard).
   */
  readonly connect?: () => Promise<LinstorApi>;
  /** A client the caller already holds (a pool function's): used as it is, and never closed here. */
  readonly client?: LinstorApi;
  /** The volume manager's host operations (force-destroy demotes a stuck Primary through them). */
  readonly drbd?: VolumeManagerOptions['drbd'];
};

export type SrContext<X extends Xapi | undefined = Xapi> = {
  readonly xapi: X;
  readonly groupName: string;
  linstor(): Promise<LinstorApi>;
  volumes(): Promise<VolumeManager>;
  /**
   * A volume manager read afresh from LINSTOR, not memoized (after a step whose effect is unknown, or
   * the collector's per-pass load); `repair` overrides the context's (a read-only look never repairs).
   */
  freshVolumes(options?: { readonly repair?: boolean }): Promise<VolumeManager>;
  /** The journal over the memoized volume manager's KV read. */
  journal(): Promise<Journal>;
  /** The next volumes() and journal() read LINSTOR afresh (another process changed the volume set). */
  forgetVolumes(): void;
  /** This host's XAPI ref (INSTALLATION_UUID); needs the XAPI session. */
  thisHost(): Promise<string>;
  /** Closes the LINSTOR client if one was made; never throws. */
  close(): Promise<void>;
};

type Memo<T> = { (): Promise<T>; forget(): void };

function memo<T>(fn: () => Promise<T>): Memo<T> {
  let p: Promise<T> | undefined;
  return Object.assign(() => (p ??= fn()), { forget: () => (p = undefined) });
}

export function openSrContext(o: SrContextOptions & { readonly xapi: Xapi }): SrContext;
export function openSrContext(o: SrContextOptions & { readonly xapi?: undefined }): SrContext<undefined>;
export function openSrContext(o: SrContextOptions): SrContext<Xapi | undefined> {
  const { xapi } = o;
  // Closed with the context: its keep-alive sockets would otherwise outlive the process's work.
  let connected: LinstorApi | undefined;
  const linstor = memo(async () => {
    if (o.client) return o.client;
    const connect = o.connect ?? (xapi && (() => connectController({ exec: o.exec, env: o.env, log: o.log, xapi })));
    if (!connect) throw new Error('an SR context without a XAPI session needs a way to reach LINSTOR');
    connected = await connect();
    return connected;
  });
  const openVolumes = async (options: { readonly repair?: boolean } = {}) =>
    VolumeManager.open({
      linstor: await linstor(),
      groupName: o.groupName,
      logger: o.log.child('volume'),
      repair: options.repair ?? o.repair ?? false,
      ...(o.groupAtOpen === false ? { groupAtOpen: false } : {}),
      timeScale: o.env.timeScale,
      ...(o.drbd ? { drbd: o.drbd } : {}),
    });
  const volumes = memo(() => openVolumes());
  const journal = memo(async () => new Journal((await volumes()).journalStore(), o.log.child('journal')));
  const thisHost = memo(async () => {
    if (!xapi) throw new Error("this host's XAPI ref needs a XAPI session");
    return thisHostRef(xapi, o.env.root);
  });
  return {
    xapi,
    groupName: o.groupName,
    linstor,
    volumes,
    freshVolumes: openVolumes,
    journal,
    forgetVolumes() {
      volumes.forget();
      journal.forget();
    },
    thisHost,
    async close() {
      await connected?.close().catch((error: unknown) => o.log.warn('closing the LINSTOR client failed', { error }));
    },
  };
}
