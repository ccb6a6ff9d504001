/**
 * `LinstorSR --check-sr <sr_uuid>`: what the launcher's `check_sr` runs for sm's `sr_health_check`
 * timer (every 10 minutes on every host with the SR plugged). As sm's `LinstorSR.check_sr`, it takes
 * the "auto" database backup at most once an hour, on the controller's host only. It prints nothing
 * and exits 0: a health check must not fail because of a backup. Like sm's health check, it logs in to
 * the local XAPI (its socket) for controller discovery.
 */
import { connectController } from '../lib/discovery/connect.js';
import { createLocalXapi } from '../lib/xapi/index.js';
import type { DriverContext } from './context.js';
import { backupAfterCommit } from './sr/database-backup.js';

/** sm's throttle: one "auto" backup an hour. */
export const AUTO_BACKUP_DELAY_SECONDS = 3600;

export async function checkSr(ctx: DriverContext, srUuid: string): Promise<void> {
  ctx.log.info('check_sr', { sr: srUuid });
  const xapi = createLocalXapi({ socketPath: ctx.env.xapiSocket, originator: 'LinstorSR check_sr' });
  let loggedIn = false;
  const linstor = async () => {
    await xapi.client.loginWithPassword('root', '');
    loggedIn = true;
    return connectController({ exec: ctx.exec, env: ctx.env, log: ctx.log, xapi });
  };
  try {
    await backupAfterCommit(ctx, linstor, 'auto', AUTO_BACKUP_DELAY_SECONDS);
  } finally {
    if (loggedIn) await xapi.client.logout().catch((error: unknown) => ctx.log.warn('XAPI logout failed', { error }));
  }
}
