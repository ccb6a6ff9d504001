/**
 * What the snapshot chain construction and its undo work with: the SR's volumes and journal, the XAPI
 * session (the VDI records), this host's node and root, the fault points, and the pause fan-out.
 */
import type { HostCall } from '../../lib/blktap/pause.js';
import { Journal } from '../../lib/journal/index.js';
import type { Logger } from '../../lib/log/logger.js';
import type { VolumeManager } from '../../lib/volume/index.js';
import { isXapiError, type Ref, type Xapi } from '../../lib/xapi/index.js';
import type { DriverContext } from '../context.js';
import type { SrSession } from '../sr/session.js';

export type CloneDeps = {
  readonly volumes: VolumeManager;
  readonly journal: Journal;
  readonly xapi: Xapi;
  readonly srUuid: string;
  /** This host's LINSTOR node (the master). */
  readonly node: string;
  /** LINSTOR_SR_ROOT. */
  readonly root: string;
  readonly faults: string | undefined;
  readonly log: Logger;
  /** linstor-manager pause/unpause/refresh on a host. */
  readonly hostCall: HostCall;
};

/** {@link CloneDeps} projected from a verb's SR session: only the volume manager and the journal vary. */
export type CloneDepsOf = {
  /** Over the session's volume manager and journal. */
  current(): Promise<CloneDeps>;
  /** Over a volume manager and a journal read afresh: a failed step's effect is unknown. */
  fresh(): Promise<CloneDeps>;
};

export function cloneDepsOf(ctx: Pick<DriverContext, 'env'>, session: SrSession, node: string, log: Logger): CloneDepsOf {
  const hostCall = linstorManagerCall(session.xapi);
  const over = (volumes: VolumeManager, journal: Journal): CloneDeps => ({
    volumes, journal, xapi: session.xapi, srUuid: session.srUuid, node, root: ctx.env.root, faults: ctx.env.faults, log, hostCall,
  });
  return {
    current: async () => over(await session.volumes(), await session.journal()),
    fresh: async () => {
      const volumes = await session.freshVolumes();
      return over(volumes, new Journal(volumes.journalStore(), log.child('journal')));
    },
  };
}

/**
 * The XAPI ref of the VDI `uuid`, or undefined when XAPI does not know it. Any other failure (XAPI
 * unreachable, a session gone) is thrown: an undo that took it for "no such VDI" would skip a forget.
 */
export async function vdiRefOf(xapi: Xapi, uuid: string): Promise<Ref | undefined> {
  try {
    return await xapi.vdi.getByUuid(uuid);
  } catch (error) {
    if (isXapiError(error, 'UUID_INVALID')) return undefined;
    throw error;
  }
}

/** Wires the pause fan-out to linstor-manager's pause/unpause/refresh (DESIGN.md "On dom0"). */
export function linstorManagerCall(xapi: Xapi): HostCall {
  return (hostRef, fn, args) => xapi.host.callPlugin(hostRef, 'linstor-manager', fn, args);
}
