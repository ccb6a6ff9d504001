import test from 'ava';
import { access } from 'node:fs/promises';
import { collectorPath } from '../../../driver/sr/collector.js';
import { hostPath } from '../../../lib/host/env.js';
import { SmLocks } from '../../../lib/host/sm-lock.js';
import { srFixture, type SrOnPool } from '../../../sim/fixtures/sr.js';
import { contentOf } from '../../gc/helpers.js';
import { buildChain, parents, type Layer } from '../../../sim/fixtures/chain.js';
import { createdSr } from '../../../sim/fixtures/sr-create.js';

const BASE = '33333333-3333-4333-8333-000000000001';
const MID = '33333333-3333-4333-8333-000000000002';
const LEAF = '33333333-3333-4333-8333-000000000003';
const GARBAGE = '33333333-3333-4333-8333-000000000004';

const CHAIN: Layer[] = [
  { uuid: BASE, label: 'base copy', hidden: true, writes: [{ offset: 0, length: 1 << 20, fill: 1 }] },
  { uuid: MID, label: 'base copy', parent: BASE, hidden: true, writes: [{ offset: 512 << 10, length: 1 << 20, fill: 2 }] },
  { uuid: LEAF, label: 'disk', parent: MID, writes: [{ offset: 4096, length: 4096, fill: 3 }] },
  { uuid: GARBAGE, label: 'old', hidden: true },
];

function setGcMode(fx: SrOnPool, mode: string): void {
  (fx.pool.xapi.settings.env as Record<string, string>)['LINSTOR_SR_GC'] = mode;
}

test('the collector bundle is looked up next to the driver bundle', (t) => {
  t.is(collectorPath('/opt/xensource/sm/linstor-sr/LinstorSR'), '/opt/xensource/sm/linstor-sr/linstor-gc');
});

test('sr_scan runs the collector (foreground): garbage deleted, the chain merged down to one layer under the leaf, XAPI rows forgotten', async (t) => {
  const fx = await createdSr(t);
  await buildChain(fx, CHAIN);
  const before = await contentOf(fx, LEAF);
  setGcMode(fx, 'foreground');
  await fx.xapi.call('SR.scan', fx.srRef);
  const p = await parents(fx);
  t.deepEqual([...p.entries()], [[LEAF, undefined]]);
  t.true((await contentOf(fx, LEAF)).equals(before));
  const rows = Object.values(await fx.xapi.vdi.recordsOfSr(fx.srRef));
  t.deepEqual(rows.map((r) => r.uuid), [LEAF]);
  t.false('vhd-parent' in (rows[0]?.sm_config ?? {}));
});

test('sr_scan with LINSTOR_SR_GC=auto starts the collector detached; it finishes after the scan returns', async (t) => {
  const fx = await createdSr(t);
  await buildChain(fx, CHAIN);
  setGcMode(fx, 'auto');
  await fx.xapi.call('SR.scan', fx.srRef);
  let left: string[] = [];
  for (let i = 0; i < 300; i += 1) {
    // The collector is running meanwhile: a read that lands mid-rename (VolumeRepairRequired) or
    // mid-delete fails; that is the collector at work, not a result, so it is polled again.
    left = await parents(fx).then(
      (chain) => [...chain.keys()].sort(),
      () => left,
    );
    if (left.length === 1) break;
    await new Promise((r) => setTimeout(r, 200));
  }
  t.deepEqual(left, [LEAF]);
});

test('sr_detach stops a running collector with sm’s abort protocol (flag, gc_active) and waits for it', async (t) => {
  const fx = await srFixture(t, { hosts: 2 });
  const root = fx.pool.runtime.host('host1').spec.root;
  // A collector (ours or sm's) holding gc_active that stops when it sees the abort flag.
  const locks = new SmLocks({ root });
  t.teardown(() => locks.close());
  const active = await locks.tryAcquire(fx.srUuid, 'gc_active');
  const flag = hostPath(root, `/var/run/sm/ipc/${fx.srUuid}/abort`);
  let sawFlag = false;
  const collector = (async () => {
    for (let i = 0; i < 600 && !sawFlag; i += 1) {
      sawFlag = await access(flag).then(
        () => true,
        () => false,
      );
      if (!sawFlag) await new Promise((r) => setTimeout(r, 50));
    }
    await active.release();
  })();
  const [pbd] = fx.pool.xapi.db.refsWhere('PBD', (r) => r['SR'] === fx.srRef && r['host'] === fx.pool.xapi.host('host1').ref);
  if (pbd === undefined) throw new Error('host1 has no PBD for the SR');
  await fx.xapi.call('PBD.unplug', pbd);
  await collector;
  t.true(sawFlag);
  await t.throwsAsync(access(flag), undefined, 'the abort flag is removed');
  // gc_active is free again.
  const again = await locks.tryAcquire(fx.srUuid, 'gc_active');
  await again.release();
});

test('sr_delete collects first (gc_force): an SR holding only garbage is destroyed', async (t) => {
  const fx = await createdSr(t);
  await buildChain(fx, [{ uuid: GARBAGE, label: 'old', hidden: true }]);
  setGcMode(fx, 'foreground');
  for (const pbd of fx.pool.xapi.db.refsWhere('PBD', (r) => r['SR'] === fx.srRef)) await fx.xapi.call('PBD.unplug', pbd);
  await fx.xapi.call('SR.destroy', fx.srRef);
  t.false(fx.pool.xapi.db.has('SR', fx.srRef));
});
