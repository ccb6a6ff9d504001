/**
 * `POST /v1/controller/backup/db` (`controllerBackupDB`): the controller writes an H2 backup,
 * `<backup_name>.zip` holding `linstordb.mv.db`, into its database folder `/var/lib/linstor` — on a
 * XOSTOR pool the DRBD-backed mount of the host that runs the controller. The simulator writes a real
 * zip whose database entry is its persisted state, under that host's simulated root.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { MASK_CRT, OBJ, RC } from '../../../lib/linstor/ret-codes.js';
import { writeZip } from '../../../lib/zip/zip.js';
import type { SimContext, SimRequest, SimRoute } from '../context.js';
import { fail, rc, rcReply, type RcContext, type SimReply } from '../replies.js';
import { bodyObject } from './common.js';

const CRT: RcContext = { op: MASK_CRT, obj: OBJ.CTRL_CONF };

/** The database entry every backup holds (what sm's retention checks for). */
export const BACKUP_DB_ENTRY = 'linstordb.mv.db';

async function backup(sim: SimContext, req: SimRequest): Promise<SimReply> {
  const body = bodyObject(req, CRT);
  const name = body['backup_name'];
  // A name with a path separator would escape the database folder; LINSTOR builds `<dir>/<name>.zip`.
  if (typeof name !== 'string' || name === '' || name.includes('/')) fail(RC.FAIL_INVLD_REQUEST, CRT, `Invalid backup name: ${String(name)}`);
  const root = sim.controllerRoot();
  if (root === undefined) fail(RC.FAIL_UNKNOWN_ERROR, CRT, 'The controller has no database folder to write a backup to.');
  const dir = path.join(root, 'var', 'lib', 'linstor');
  await mkdir(dir, { recursive: true });
  const database = Buffer.from(JSON.stringify(sim.store.state));
  await writeFile(path.join(dir, `${name}.zip`), writeZip([{ name: BACKUP_DB_ENTRY, data: database }]));
  return rcReply([rc('success', RC.CREATED, CRT, `Backup '${name}.zip' of database created`)], 201);
}

/** Routes of this object kind. */
export const databaseBackupRoutes: readonly SimRoute[] = [{ method: 'POST', template: '/v1/controller/backup/db', handler: backup }];
