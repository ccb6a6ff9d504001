/**
 * The database backups the driver takes as sm does (lib/host/database-backup.ts): after vdi_create,
 * vdi_delete and a snapshot or clone have committed ("create", "delete", "snapshot"), and from sm's
 * hourly-throttled health check ("auto", driver/check-sr.ts).
 *
 * Only the host where the controller database is mounted takes one, since the controller writes the
 * zip into that mount: elsewhere the backup is skipped (logged), not delegated — the verbs that take one
 * run on the master, which usually runs the controller, and the health check runs on every host.
 * A failed backup never fails the verb: it is logged, the VDI operation stands.
 */
import { isDatabaseMounted } from '../../lib/host/database-mount.js';
import { backupDatabase } from '../../lib/host/database-backup.js';
import type { LinstorApi } from '../../lib/linstor/index.js';
import type { DriverContext } from '../context.js';

/** The names sm gives its backups. */
export type BackupName = 'create' | 'delete' | 'snapshot' | 'auto';

/** Takes a backup if this host holds the database; never throws. */
export async function backupAfterCommit(ctx: DriverContext, linstor: () => Promise<LinstorApi>, name: BackupName, delaySeconds = 0): Promise<void> {
  try {
    if (!(await isDatabaseMounted({ exec: ctx.exec, root: ctx.env.root }))) {
      ctx.log.info(`database backup "${name}" skipped: the controller database is not mounted on this host`);
      return;
    }
    const client = await linstor();
    await backupDatabase({ root: ctx.env.root, log: ctx.log, create: (base) => client.controller.backupDatabase(base) }, name, delaySeconds);
  } catch (error) {
    // The operation before it has committed: a missing backup must not turn it into a failure.
    ctx.log.error(`database backup "${name}" failed; the operation before it stands`, { error });
  }
}
