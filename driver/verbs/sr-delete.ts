/**
 * sr_delete (master only; SR.destroy after xapi's temporary sr_attach; spec/sm-linstor.md §2.3): refuse
 * while volumes remain (SRNotEmpty); remove the database volume's HA DRBD options (with `monitor-db-quorum`;
 * the plugin's `destroy` must open the volume to move the database out, which auto-promote off forbids);
 * turn drbd-reactor off on every host, the controller's host last so that no other host takes the
 * controller over; run the plugin's `destroy` there. On failure the HA options are put back, drbd-reactor
 * is re-enabled (controller host first) and the fault is LinstorSRDelete. The SR's sm lock directory goes
 * at the end. LINSTOR nodes stay, as in the Python driver.
 */
import { rm } from 'node:fs/promises';
import { connectController } from '../../lib/discovery/connect.js';
import { hostPath } from '../../lib/host/env.js';
import type { SmapiRequest } from '../../lib/smapi/request.js';
import type { VerbResult } from '../../lib/smapi/response.js';
import { SrError } from '../../lib/smapi/sr-error.js';
import { DATABASE_VOLUME_NAME, setDrbdHaProperties } from '../../lib/volume/index.js';
import type { DriverContext } from '../context.js';
import { forceCollect } from '../sr/collector.js';
import { openVolumes } from '../sr/open-volumes.js';
import { callTrueFalse, poolMembers, type PoolMember } from '../sr/pool-hosts.js';
import { openSrSession, type SrSession } from '../sr/session.js';

/** The pool member serving the controller the session reached (by the address of its origin). */
function controllerHost(origin: string, hosts: readonly PoolMember[]): PoolMember {
  const address = new URL(origin).hostname.replace(/^\[|\]$/g, '');
  const host = hosts.find((h) => h.address === address);
  if (!host) throw new SrError('LinstorSRDelete', `Failed to find host with hostname of controller ${address}`);
  return host;
}

/**
 * Puts the database HA options back after a failed destroy, on the controller drbd-reactor runs again
 * (turning it off stopped the one reached before, and it may come back on another host). A failure is
 * only logged: the fault that matters is the destroy's, and the next master sr_attach sets them anyway.
 */
async function restoreHaOptions(ctx: DriverContext, session: SrSession): Promise<void> {
  try {
    const linstor = await connectController({ exec: ctx.exec, env: ctx.env, log: ctx.log, xapi: session.xapi });
    try {
      await setDrbdHaProperties(linstor, DATABASE_VOLUME_NAME);
    } finally {
      await linstor.close();
    }
  } catch (error) {
    ctx.log.warn('restoring the database HA options failed; the next sr_attach on the master sets them', { error: String(error) });
  }
}

export async function srDelete(ctx: DriverContext, request: SmapiRequest<'sr_delete'>): Promise<VerbResult> {
  const session = await openSrSession(ctx, request);
  try {
    await forceCollect(ctx, session.srUuid);
    const volumes = await openVolumes(session);
    if (volumes.list().length > 0) throw new SrError('SRNotEmpty');
    const linstor = await session.linstor();
    const hosts = await poolMembers(session.xapi);
    const controller = controllerHost(linstor.origin, hosts);
    const others = hosts.filter((h) => h.ref !== controller.ref);
    const haOptions = session.config.monitorDbQuorum;
    if (haOptions) await setDrbdHaProperties(linstor, DATABASE_VOLUME_NAME, false);
    try {
      for (const h of [...others, controller]) await callTrueFalse(session.xapi, h, 'updateDrbdReactor', { enabled: 'False' });
      await callTrueFalse(session.xapi, controller, 'destroy', { groupName: session.config.groupName });
    } catch (error) {
      for (const h of [controller, ...others]) {
        await callTrueFalse(session.xapi, h, 'updateDrbdReactor', { enabled: 'True' }).catch((e: unknown) => ctx.log.warn('re-enabling drbd-reactor failed', { error: String(e) }));
      }
      if (haOptions) await restoreHaOptions(ctx, session);
      throw error;
    }
  } finally {
    await session.close();
  }
  await rm(hostPath(ctx.env.root, `/var/lock/sm/${session.srUuid}`), { recursive: true, force: true });
  return null;
}
