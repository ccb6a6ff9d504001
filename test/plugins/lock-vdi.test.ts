import test from 'ava';
import { SmLocks } from '../../lib/host/sm-lock.js';
import { parseTimestampMs, srNames } from '../../lib/volume/index.js';
import { srFixture } from '../../sim/fixtures/sr.js';
import { callPlugin } from '../../sim/fixtures/plugin.js';

test('lockVdi from two callers: locking waits for the master\'s SR lock, both get the lock; unlocking does not wait, and drops the ownerless lock for both', async (t) => {
  t.timeout(10 * 60_000);
  const f = await srFixture(t, { hosts: 2, redundancy: 2 });
  const vdi = await f.xapi.vdi.getUuid(await f.xapi.vdi.create({ SR: f.srRef, virtual_size: 8 << 20, name_label: 'locked' }));
  const key = `xcp/volume/${vdi}/readonly-timestamp`;
  const lockOf = async () => {
    const kv = await f.linstor.keyValueStore.props(srNames(f.groupName).kv);
    return kv[key] ?? kv[`/${key}`];
  };
  const args = (locked: boolean) => ({ groupName: f.groupName, srUuid: f.srUuid, vdiUuid: vdi, locked: locked ? 'True' : 'False' });
  const locks = new SmLocks({ root: f.pool.runtime.host('host1').spec.root });
  t.teardown(() => locks.close());

  // An exclusive verb (or the GC) holds the master's SR lock: both slaves' lock requests queue behind it.
  let srLock = await locks.acquire(f.srUuid, 'sr');
  const settled: string[] = [];
  const callers = ['first', 'second'].map((who) => callPlugin(f.pool, 'host1', 'lockVdi', args(true)).then((answer) => (settled.push(who), answer)));
  await new Promise((r) => setTimeout(r, 3000));
  t.deepEqual(settled, [], 'no lockVdi answered while the SR lock is held');
  t.is(await lockOf(), undefined, 'and none set the lock');
  await srLock.release();
  t.deepEqual(await Promise.all(callers), ['True', 'True']);
  const value = await lockOf();
  t.truthy(value);
  t.true(parseTimestampMs(value!) !== undefined, `Python's str(time.time()): ${value}`);

  // Unlocking never waits for the SR lock (a slave ending its command must not stall behind the GC).
  srLock = await locks.acquire(f.srUuid, 'sr');
  try {
    t.is(await callPlugin(f.pool, 'host1', 'lockVdi', args(false)), 'True');
    t.is(await lockOf(), undefined, 'the lock has no owner: one unlock clears it for both callers (the Python protocol)');
  } finally {
    await srLock.release();
  }
  t.is(await callPlugin(f.pool, 'host1', 'lockVdi', { ...args(true), vdiUuid: 'not-a-uuid' }), 'False', 'bad input: False, as the Python T/F functions answer');
});
