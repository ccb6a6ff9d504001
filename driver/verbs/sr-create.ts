/**
 * sr_create (spec/sm-linstor.md §2.3, §3.9), run by xapi on the SR master once the SR and PBD rows exist:
 * checks the pool (redundancy, one LINSTOR SR, enabled hosts, unique hostnames), prepares every host,
 * builds the SR in a controller started here, mounts the database, records the SR uuid and names in the
 * KV, then hands the controller over to drbd-reactor on every host. Any failure removes what was made and
 * answers LinstorSRCreate; xapi then drops the rows.
 */
import { scaled } from '../../lib/host/env.js';
import { faultPoint } from '../../lib/host/faults.js';
import { mountDatabase, unmountDatabase } from '../../lib/host/database-mount.js';
import { createLinstorClient, type LinstorApi } from '../../lib/linstor/index.js';
import type { SmapiRequest } from '../../lib/smapi/request.js';
import type { VerbResult } from '../../lib/smapi/response.js';
import { SrError } from '../../lib/smapi/sr-error.js';
import { openSrContext } from '../../lib/sr-context/sr-context.js';
import { srNames } from '../../lib/volume/index.js';
import { fieldEquals, type Xapi } from '../../lib/xapi/index.js';
import type { DriverContext } from '../context.js';
import { createLinstorSr, undoLinstorSr, type CreatedObjects } from '../sr/linstor-create.js';
import { callOnAll, callOnEach, poolMembers, type PoolMember } from '../sr/pool-hosts.js';
import { openSrSession } from '../sr/session.js';

/** The Python preconditions, in order; each failure is LinstorSRCreate with the Python message. */
async function checkPool(xapi: Xapi, srRef: string, groupName: string, redundancy: number): Promise<PoolMember[]> {
  const hosts = await poolMembers(xapi);
  if (redundancy > hosts.length) throw new SrError('LinstorSRCreate', 'Redundancy greater than host count');
  const others = Object.entries(await xapi.sr.getAllRecordsWhere(fieldEquals('type', 'linstor'))).filter(([ref]) => ref !== srRef);
  for (const [ref] of others) {
    for (const pbd of Object.values(await xapi.pbd.recordsOfSr(ref))) {
      if (pbd.device_config['group-name'] === groupName) throw new SrError('LinstorSRCreate', `group name must be unique, already used by PBD ${pbd.uuid}`);
    }
  }
  if (others.length > 0) throw new SrError('LinstorSRCreate', 'LINSTOR SR must be unique in a pool');
  if (hosts.filter((h) => h.enabled).length < hosts.length) throw new SrError('LinstorSRCreate', 'Not enough online hosts');
  if (new Set(hosts.map((h) => h.hostname)).size !== hosts.length) throw new SrError('LinstorSRCreate', 'Multiple hosts with same hostname');
  return hosts;
}

/** Waits (bounded) for the controller started here to answer. */
async function waitForController(ctx: DriverContext, linstor: LinstorApi): Promise<void> {
  for (let i = 1; ; i += 1) {
    try {
      await linstor.controller.version();
      return;
    } catch (error) {
      if (i >= 30) throw error;
      await new Promise((r) => setTimeout(r, scaled(ctx.env, 1000)));
    }
  }
}

export async function srCreate(ctx: DriverContext, request: SmapiRequest<'sr_create'>): Promise<VerbResult> {
  const session = await openSrSession(ctx, request);
  try {
    const { config, xapi } = session;
    const srRef = request.srRef ?? '';
    const hosts = await checkPool(xapi, srRef, config.groupName, config.redundancy);
    const self = hosts.find((h) => h.ref === request.hostRef) ?? hosts[0]!;
    const names = srNames(config.groupName);
    const record = await xapi.sr.getRecord(srRef);
    const created: CreatedObjects = { pools: [], groups: [], database: false };
    let linstor: LinstorApi | undefined;
    let mounted = false;
    try {
      // Each host prepares only itself: all at once (sequentially, the satellite restarts add up).
      await callOnAll(xapi, hosts, 'prepareSr', { groupName: config.groupName });
      await ctx.exec('systemctl', ['start', 'linstor-controller']);
      linstor = createLinstorClient({ controllers: [`linstor://${self.address}`], logger: ctx.log.child('linstor') });
      await waitForController(ctx, linstor);
      await createLinstorSr(ctx, linstor, { names, hosts, redundancy: config.redundancy, thin: config.provisioning === 'thin' }, created);
      faultPoint(ctx.env.faults, 'sr-create:after-database');
      // The controller's files move onto the database volume; it then restarts from there.
      await ctx.exec('systemctl', ['stop', 'linstor-controller']);
      await mountDatabase({ exec: ctx.exec, root: ctx.env.root });
      mounted = true;
      await ctx.exec('systemctl', ['start', 'linstor-controller']);
      await waitForController(ctx, linstor);
      const volumes = await openSrContext({ env: ctx.env, log: ctx.log, exec: ctx.exec, xapi, groupName: config.groupName, client: linstor }).volumes();
      await volumes.setSrUuid(session.srUuid);
      await volumes.setSrMetadata({ name_label: record.name_label, name_description: record.name_description });
      faultPoint(ctx.env.faults, 'sr-create:after-kv');
    } catch (error) {
      ctx.log.error('sr_create failed; removing what it created', { error: String(error) });
      if (linstor) {
        // The database volume can only go once unmounted; the undo then runs on a controller on the local disk.
        if (mounted) {
          await ctx.exec('systemctl', ['stop', 'linstor-controller'], { allowFailure: true });
          await unmountDatabase({ exec: ctx.exec, root: ctx.env.root }).catch((e: unknown) => ctx.log.warn('unmounting the database failed', { error: String(e) }));
          mounted = false;
        }
        await ctx.exec('systemctl', ['start', 'linstor-controller'], { allowFailure: true });
        await undoLinstorSr(ctx, linstor, names, created);
      }
      throw error;
    } finally {
      await ctx.exec('systemctl', ['stop', 'linstor-controller'], { allowFailure: true });
      if (mounted) await unmountDatabase({ exec: ctx.exec, root: ctx.env.root }).catch((e: unknown) => ctx.log.warn('unmounting the database failed', { error: String(e) }));
      await linstor?.close();
    }
    await callOnEach(xapi, hosts, 'updateDrbdReactor', { enabled: 'True' });
    return null;
  } finally {
    await session.close();
  }
}
