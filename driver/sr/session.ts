/**
 * What an SR or VDI verb works with: the SR context (lib/sr-context: built lazily so a verb pays only
 * for what it touches) on the XAPI session xapi gave it (never logged out), with repair on the master for
 * exclusive commands, plus what is the driver's own: the validated device-config, sm's SR lock and the
 * version guard.
 *
 *   1. device-config validated (5004, 5005, InvalidArg)
 *   2. master-only commands refused on a slave (LinstorMaster)
 *   3. exclusive commands, vdi_resize and vdi_compose take /var/lock/sm/<sr>/sr for their whole run
 *   4. LINSTOR: discovery (DRBD database, plugin poll, xhad.conf) → client with failover; unreachable →
 *      SRUnavailable after the bounded retries of discovery
 *   5. as sm's volume manager does on every connection (but for sr_create and sr_detach), one
 *      `GET /v1/nodes`: a node in VERSION_MISMATCH makes the verb answer SRUnavailable naming it
 */
import { connectController } from '../../lib/discovery/connect.js';
import { SmLocks, type SmLockHandle } from '../../lib/host/sm-lock.js';
import type { Journal } from '../../lib/journal/index.js';
import { versionMismatchMessage, type LinstorApi } from '../../lib/linstor/index.js';
import type { SmapiRequest } from '../../lib/smapi/request.js';
import { SrError } from '../../lib/smapi/sr-error.js';
import type { Verb } from '../../lib/smapi/verbs.js';
import { openSrContext } from '../../lib/sr-context/sr-context.js';
import type { VolumeManager } from '../../lib/volume/index.js';
import { createLocalXapi, type Xapi } from '../../lib/xapi/index.js';
import type { DriverContext } from '../context.js';
import { MASTER_ONLY, OPS_EXCLUSIVE, OPS_SR_LOCKED, parseSrConfig, type SrConfig } from './config.js';

export type SrSession = {
  readonly srUuid: string;
  readonly config: SrConfig;
  readonly isMaster: boolean;
  /** The XAPI session xapi passed (per-call `__sm__backend` session). */
  readonly xapi: Xapi;
  readonly locks: SmLocks;
  /** True while this command holds the SR lock (journal recovery needs it). */
  readonly holdsSrLock: boolean;
  /** This host's XAPI ref. */
  hostRef(): string;
  linstor(): Promise<LinstorApi>;
  volumes(): Promise<VolumeManager>;
  /** A volume manager read afresh from LINSTOR (after a failed step whose effect is unknown). */
  freshVolumes(): Promise<VolumeManager>;
  journal(): Promise<Journal>;
  /** The next volumes() and journal() read LINSTOR afresh (another process changed the volume set). */
  forgetVolumes(): void;
  /** Releases the SR lock and the helper processes; never throws. */
  close(): Promise<void>;
};

/** Verbs that only open or close the devices of one existing VDI. */
const VDI_DEVICE_VERBS: ReadonlySet<Verb> = new Set<Verb>(['vdi_attach', 'vdi_activate', 'vdi_deactivate', 'vdi_detach']);

/** sm skips its version check for these: sr_create makes the nodes, sr_detach must always work. */
const VERSION_UNCHECKED: ReadonlySet<Verb> = new Set<Verb>(['sr_create', 'sr_detach']);

/** Opens the session of an SR-scoped request (the request must carry sr_uuid and a session). */
export async function openSrSession<V extends Verb>(ctx: DriverContext, request: SmapiRequest<V>, srSmConfig: Readonly<Record<string, string>> = {}): Promise<SrSession> {
  const srUuid = request.srUuid;
  if (!srUuid || !request.sessionRef) throw new SrError('BadRequest', 'an SR command needs sr_uuid and session_ref');
  const config = parseSrConfig(request.deviceConfig, srSmConfig);
  const isMaster = request.srMaster === true;
  if (!isMaster && MASTER_ONLY.has(request.verb)) throw new SrError('LinstorMaster');
  const xapi = createLocalXapi({ socketPath: ctx.env.xapiSocket, sessionRef: request.sessionRef, subtaskOf: request.subtaskOf });
  const locks = new SmLocks({ root: ctx.env.root });
  let srLock: SmLockHandle | undefined;
  if (OPS_SR_LOCKED.has(request.verb)) srLock = await locks.acquire(srUuid, 'sr');

  const sr = openSrContext({
    env: ctx.env,
    log: ctx.log,
    exec: ctx.exec,
    xapi,
    groupName: config.groupName,
    repair: isMaster && OPS_EXCLUSIVE.has(request.verb),
    // Opening one existing VDI's devices needs no resource group (its redundancy, or proof the SR exists).
    groupAtOpen: !VDI_DEVICE_VERBS.has(request.verb),
    connect: async () => {
      let client: LinstorApi;
      let mismatch: string | undefined;
      try {
        client = await connectController({ exec: ctx.exec, env: ctx.env, log: ctx.log, xapi });
        if (!VERSION_UNCHECKED.has(request.verb)) mismatch = versionMismatchMessage(await client.nodes.list());
      } catch (error) {
        throw new SrError('SRUnavailable', `LINSTOR controller unreachable: ${(error as Error).message}`, { cause: error });
      }
      if (mismatch !== undefined) {
        await client.close().catch(() => undefined);
        throw new SrError('SRUnavailable', mismatch);
      }
      return client;
    },
  });
  return {
    srUuid,
    config,
    isMaster,
    xapi,
    locks,
    holdsSrLock: srLock !== undefined,
    hostRef: () => request.hostRef ?? '',
    linstor: sr.linstor,
    volumes: sr.volumes,
    freshVolumes: sr.freshVolumes,
    journal: sr.journal,
    forgetVolumes: sr.forgetVolumes,
    async close() {
      await sr.close();
      try {
        await srLock?.release();
        await locks.close();
      } catch (error) {
        ctx.log.warn('releasing the SR lock failed', { error });
      }
    },
  };
}
