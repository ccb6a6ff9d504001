import test, { type ExecutionContext } from 'ava';
import { CLONE_POINTS } from '../../../driver/clone/points.js';
import { asVdiUuid } from '../../../lib/volume/index.js';
import { createdSr } from '../../../sim/fixtures/sr-create.js';
import { seedMany } from '../../../sim/fixtures/seed.js';
import type { SrOnPool } from '../../../sim/fixtures/sr.js';
import { openVolumes } from '../../../sim/fixtures/volumes.js';
import { driverParams } from '../../../sim/xapi/index.js';

const MIB = 1024 * 1024;

/** Per sr_scan run since `since`, how many times it fetched the SR's VDI records (its calls carry its task). */
function recordFetchesPerScan(fx: SrOnPool, since: number): number[] {
  return fx.pool.xapi.executions
    .slice(since)
    .filter((e) => e.kind === 'driver' && e.name === 'sr_scan')
    .map((e) => {
      const task = driverParams(e)['subtask_of'];
      return fx.pool.xapi.calls.filter((c) => c.subtaskOf === task && c.method === 'VDI.get_all_records_where').length;
    });
}

async function scanFetches(fx: SrOnPool): Promise<number[]> {
  const since = fx.pool.xapi.executions.length;
  await fx.xapi.sr.scan(fx.srRef);
  return recordFetchesPerScan(fx, since);
}

/** SR.scan runs sr_scan until the VDI refs stop changing: each run fetches the records once. */
async function scanFetchesOncePerRun(t: ExecutionContext, fx: SrOnPool, what: string): Promise<void> {
  const fetches = await scanFetches(fx);
  t.true(fetches.length > 0, what);
  t.deepEqual(fetches, fetches.map(() => 1), what);
}

const uuidsInXapi = async (fx: SrOnPool): Promise<string[]> => Object.values(await fx.xapi.vdi.recordsOfSr(fx.srRef)).map((r) => r.uuid).sort();
const managedInXapi = async (fx: SrOnPool): Promise<string[]> => Object.values(await fx.xapi.vdi.recordsOfSr(fx.srRef)).filter((r) => r.managed).map((r) => r.uuid).sort();

test('sr_scan fetches the SR\'s VDI records once per run, whether it introduces, forgets or finds nothing to do', async (t) => {
  const fx = await createdSr(t, 2);
  await seedMany(fx.pool, fx.groupName, 20);
  await scanFetchesOncePerRun(t, fx, 'scans that introduce');
  const seeded = await uuidsInXapi(fx);
  t.is(seeded.length, 20);

  t.deepEqual(await scanFetches(fx), [1], 'a steady-state scan');

  const gone = seeded[0]!;
  const volumes = await openVolumes(fx);
  await volumes.destroy(asVdiUuid(gone));
  await scanFetchesOncePerRun(t, fx, 'scans that forget');
  t.deepEqual(await uuidsInXapi(fx), seeded.slice(1));
});

test('sr_scan fetches the records again after a recovery that changed XAPI, and reconciles against what it left', async (t) => {
  const fx = await createdSr(t, 2);
  const vdi = await fx.xapi.vdi.create({ SR: fx.srRef, virtual_size: 32 * MIB, name_label: 'base' });
  const before = await managedInXapi(fx);
  // Killed past its commit point: the snapshot is in XAPI and the next scan's recovery forgets it.
  fx.pool.xapi.armFault('host1', 'vdi_snapshot', `${CLONE_POINTS.afterCommit}:kill`);
  await t.throwsAsync(fx.xapi.vdi.snapshot(vdi));
  t.true((await managedInXapi(fx)).length > before.length, 'the unanswered snapshot is in XAPI until the recovery');
  const fetches = await scanFetches(fx);
  t.is(fetches[0], 2, 'the records read before the recovery are not reused');
  t.deepEqual(fetches.slice(1), fetches.slice(1).map(() => 1));
  t.log(`record fetches per sr_scan run: ${fetches.join(', ')}`);
  t.deepEqual(await managedInXapi(fx), before, 'the unanswered snapshot is dropped');
});
