/**
 * vdi_compose killed between each of its steps (LINSTOR_SR_FAULTS kill points), then the recovery path
 * (sr_scan): every VDI XAPI knew is still there with its data, no VDI appears, and the retried compose
 * succeeds and yields the composed content.
 */
import test from 'ava';
import { randomBytes } from 'node:crypto';
import { asVdiUuid, VolumeManager } from '../../lib/volume/index.js';
import { openChain, readChain, writeChain } from '../../lib/vhd/index.js';
import type { SrFixture } from './sr-fixture.js';
import { callPlugin } from '../plugins/helpers.js';
import { silentLogger } from './sr-helpers.js';
import { createdSr, newVdi, overEmptyBase, runVerb } from './vdi-io.js';

const MIB = 1024 * 1024;
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

test('compose killed at every step: sr_scan loses nothing and adds nothing, and the retry succeeds', async (t) => {
  t.timeout(20 * 60_000);
  const f = await createdSr(t, 2);
  for (const [i, point] of POINTS.entries()) {
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
    const known = await vdiUuids(f);

    f.pool.xapi.armFault('host1', 'vdi_compose', `${point}:kill`);
    await t.throwsAsync(runVerb(f, 'host1', 'vdi_compose', l.ref, [p.ref]), { message: /SIGKILL/ }, point);
    await f.xapi.call('SR.scan', f.srRef);
    t.deepEqual(await vdiUuids(f), known, `${point}: no VDI lost or introduced`);
    t.deepEqual(await onMaster(f, p.uuid, (c) => readChain(c, MIB, d1.length)), d1, `${point}: the parent's data`);
    t.deepEqual(await onMaster(f, l.uuid, (c) => readChain(c, 5 * MIB, d2.length)), d2, `${point}: the leaf's own data`);

    t.is(await runVerb(f, 'host1', 'vdi_compose', l.ref, [p.ref]), null, `${point}: the retry succeeds`);
    t.deepEqual(await onMaster(f, l.uuid, (c) => readChain(c, MIB, d1.length)), d1, `${point}: composed`);
    t.deepEqual(await onMaster(f, l.uuid, (c) => readChain(c, 5 * MIB, d2.length)), d2);
    t.false(await f.xapi.vdi.get(p.ref, 'managed'));
    const sm = await f.xapi.vdi.getSmConfig(l.ref);
    t.false('paused' in sm, `${point}: no paused key left`);
    t.is(sm['vhd-parent'], p.uuid, `${point}: vhd-parent`);
    await f.xapi.call('SR.scan', f.srRef);
    t.deepEqual(await vdiUuids(f), known, `${point}: and a scan after it changes nothing`);
  }
});
