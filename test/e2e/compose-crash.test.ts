/**
 * vdi_compose killed between each of its steps (LINSTOR_SR_FAULTS kill points), then the recovery path
 * (sr_scan): every VDI XAPI knew is still there with its data, no VDI appears, and the retried compose
 * succeeds and yields the composed content. The same after a LINSTOR request of the verb fails or the
 * controller goes down there (a few cases in CI, every request with LINSTOR_SR_EXHAUSTIVE=1).
 */
import test, { type ExecutionContext } from 'ava';
import { randomBytes } from 'node:crypto';
import { asVdiUuid, VolumeManager } from '../../lib/volume/index.js';
import { openChain, readChain, writeChain } from '../../lib/vhd/index.js';
import type { SrFixture } from '../../sim/fixtures/sr.js';
import { callPlugin } from '../../sim/fixtures/plugin.js';
import { silentLogger } from '../../sim/fixtures/silent-logger.js';
import { createdSr, newVdi, overEmptyBase, runVerb } from './vdi-io.js';

const MIB = 1024 * 1024;
const EXHAUSTIVE = process.env['LINSTOR_SR_EXHAUSTIVE'] === '1';
const POINTS = ['vdi_compose:after-pause', 'vdi_compose:after-set-parent', 'vdi_compose:after-hide', 'vdi_compose:after-unmanage'];

async function vdiUuids(f: SrFixture): Promise<string[]> {
  return Object.values(await f.xapi.vdi.recordsOfSr(f.srRef)).map((r) => r.uuid).sort();
}

/** Reads or writes a VDI's chain on the master, as the driver's own code would open it there. */
async function onMaster<T>(f: SrFixture, uuid: string, fn: (chain: Awaited<ReturnType<typeof openChain>>) => Promise<T>, writable = false): Promise<T> {
  const root = f.pool.runtime.host('host1').spec.root;
  const volumes = await VolumeManager.open({ linstor: f.linstor, groupName: f.groupName, logger: silentLogger(), timeScale: 0.01 });
  const chain = await openChain({ root }, await volumes.localDevicePath(asVdiUuid(uuid), 'host1', root), { writable });
  try {
    return await fn(chain);
  } finally {
    await chain.close();
  }
}

/** A parent with data at 1 MiB and a leaf (over an empty base) with its own data at 5 MiB, both known to XAPI. */
async function composePair(t: ExecutionContext, f: SrFixture, i: number) {
  const p = await newVdi(f, 16 * MIB);
  const l = await newVdi(f, 16 * MIB);
  const d1 = randomBytes(32 * 1024);
  const d2 = randomBytes(32 * 1024);
  // Thin volumes are deflated: grown first (the plugin's attach, as for a slave's writable attach).
  const inflate = (vdiUuid: string) => callPlugin(f.pool, 'host1', 'attach', { groupName: f.groupName, srUuid: f.srUuid, vdiUuid });
  t.is(await inflate(p.uuid), 'True');
  await onMaster(f, p.uuid, (c) => writeChain(c, MIB, d1), true);
  await overEmptyBase(f, 'host1', l.uuid, `bbbbbbbb-0000-4000-8000-${String(i).padStart(12, '0')}`, 16 * MIB);
  t.is(await inflate(l.uuid), 'True');
  await onMaster(f, l.uuid, (c) => writeChain(c, 5 * MIB, d2), true);
  await f.xapi.call('SR.scan', f.srRef);
  return { p, l, d1, d2, known: await vdiUuids(f) };
}

/** After a stopped compose and a scan: nothing lost or added, both data regions intact; then the retry composes. */
async function checkRecoveredAndRetry(t: ExecutionContext, f: SrFixture, pair: Awaited<ReturnType<typeof composePair>>, title: string): Promise<void> {
  const { p, l, d1, d2, known } = pair;
  await f.xapi.call('SR.scan', f.srRef);
  t.deepEqual(await vdiUuids(f), known, `${title}: no VDI lost or introduced`);
  t.deepEqual(await onMaster(f, p.uuid, (c) => readChain(c, MIB, d1.length)), d1, `${title}: the parent's data`);
  t.deepEqual(await onMaster(f, l.uuid, (c) => readChain(c, 5 * MIB, d2.length)), d2, `${title}: the leaf's own data`);

  t.is(await runVerb(f, 'host1', 'vdi_compose', l.ref, [p.ref]), null, `${title}: the retry succeeds`);
  t.deepEqual(await onMaster(f, l.uuid, (c) => readChain(c, MIB, d1.length)), d1, `${title}: composed`);
  t.deepEqual(await onMaster(f, l.uuid, (c) => readChain(c, 5 * MIB, d2.length)), d2);
  t.false(await f.xapi.vdi.get(p.ref, 'managed'));
  const sm = await f.xapi.vdi.getSmConfig(l.ref);
  t.false('paused' in sm, `${title}: no paused key left`);
  t.is(sm['vhd-parent'], p.uuid, `${title}: vhd-parent`);
  await f.xapi.call('SR.scan', f.srRef);
  t.deepEqual(await vdiUuids(f), known, `${title}: and a scan after it changes nothing`);
}

test('compose killed at every step: sr_scan loses nothing and adds nothing, and the retry succeeds', async (t) => {
  t.timeout(20 * 60_000);
  const f = await createdSr(t, 2);
  for (const [i, point] of POINTS.entries()) {
    const pair = await composePair(t, f, i);
    f.pool.xapi.armFault('host1', 'vdi_compose', `${point}:kill`);
    await t.throwsAsync(runVerb(f, 'host1', 'vdi_compose', pair.l.ref, [pair.p.ref]), { message: /SIGKILL/ }, point);
    await checkRecoveredAndRetry(t, f, pair, point);
  }
});

test('compose with a LINSTOR request failing or the controller going down: a clean fault, sr_scan loses nothing, the retry succeeds', async (t) => {
  t.timeout((EXHAUSTIVE ? 120 : 20) * 60_000);
  const f = await createdSr(t, 2);
  const sim = f.pool.runtime.controller.sim;
  if (!sim) throw new Error('no LINSTOR simulator');
  // How many requests one compose sends, measured on a pair of its own.
  const probe = await composePair(t, f, 100);
  const before = sim.controls.counters().total;
  t.is(await runVerb(f, 'host1', 'vdi_compose', probe.l.ref, [probe.p.ref]), null);
  const requests = sim.controls.counters().total - before;
  t.log(`vdi_compose sends ${requests} LINSTOR requests`);
  t.true(requests > 0);
  // CI: the controller lost half-way and a request failing late; LINSTOR_SR_EXHAUSTIVE=1: every request both ways.
  const cases: ['linstor-error' | 'controller-down', number][] = EXHAUSTIVE
    ? Array.from({ length: requests }, (_, k) => k + 1).flatMap((nth) => [['linstor-error', nth] as const, ['controller-down', nth] as const])
    : [['controller-down', Math.ceil(requests / 2)], ['linstor-error', requests]];
  for (const [i, [kind, nth]] of cases.entries()) {
    const pair = await composePair(t, f, 200 + i);
    const title = `${kind} at LINSTOR request ${nth}`;
    if (kind === 'linstor-error') sim.controls.addFault({ nth, status: 500, message: 'injected by the compose matrix' });
    else sim.controls.refuseFromNth(nth);
    let failed = false;
    try {
      await runVerb(f, 'host1', 'vdi_compose', pair.l.ref, [pair.p.ref]);
    } catch {
      failed = true;
    } finally {
      sim.controls.clearFaults();
      if (kind === 'controller-down') {
        sim.controls.resetCounters();
        await sim.acceptConnections();
      }
    }
    // One failed request may be retried through; a controller gone always stops the verb.
    if (kind === 'controller-down') t.true(failed, `${title}: the verb was stopped`);
    if (!failed) continue;
    await checkRecoveredAndRetry(t, f, pair, title);
  }
});
