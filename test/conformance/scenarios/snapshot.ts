/**
 * Snapshot and clone scenarios, XenAPI only, on the SR under test: what VDI.snapshot and
 * VDI.clone leave (the snapshot marked and listed under its VDI, the clone not a snapshot, a base copy the
 * scan keeps unmanaged), that deleting them leaves the source, and a snapshot of a VDI plugged on a slave
 * (the tapdisk there paused and unpaused: the VDI unplugs cleanly afterwards, nothing left `paused`).
 * Each waits for the garbage collector to remove the base copies it left.
 */
import { CheckError, expectEqual, expectTrue, type Scenario } from '../scenario.js';
import type { Xapi } from '../../../lib/xapi/index.js';
import { onSr, vdiDigest } from './sr-lifecycle.js';
import { attachedOn } from './vdi-lifecycle.js';

const MIB = 1024 * 1024;

/**
 * Runs `fn` and then waits (scanning, up to 3 min) until the base copies it left — VDIs that appeared, are
 * unmanaged, and lost their children — are gone: the garbage collector removes them, so the SR is left as
 * found for the scenarios after this one.
 */
export async function leavingNoGarbage(xapi: Xapi, sr: string, fn: () => Promise<void>): Promise<void> {
  const before = new Set(Object.keys(await vdiDigest(xapi, sr)));
  await fn();
  const deadline = Date.now() + 180_000;
  for (;;) {
    await xapi.sr.scan(sr);
    const left = Object.keys(await vdiDigest(xapi, sr)).filter((u) => !before.has(u));
    if (left.length === 0) return;
    if (Date.now() > deadline) throw new CheckError(`base copies not collected: ${left.join(', ')}`);
    await new Promise((resolve) => setTimeout(resolve, 2000));
  }
}

export const snapshotScenarios: Scenario[] = [
  {
    name: 'VDI.snapshot and VDI.clone: the snapshot is marked and listed under its VDI, the clone is not a snapshot; deleting both keeps the source, and scans introduce nothing more',
    async run(ctx) {
      const { xapi } = ctx;
      return onSr(ctx, (sr) => leavingNoGarbage(xapi, sr, async () => {
        const vdi = await xapi.vdi.create({ SR: sr, virtual_size: 16 * MIB, name_label: 'conformance-snap' });
        try {
          const snap = await xapi.vdi.snapshot(vdi);
          const clone = await xapi.vdi.clone(vdi);
          const [s, c] = [await xapi.vdi.getRecord(snap), await xapi.vdi.getRecord(clone)];
          expectTrue(s.is_a_snapshot, 'the snapshot is_a_snapshot');
          expectEqual(s.snapshot_of, vdi, 'snapshot_of');
          expectTrue((await xapi.vdi.get(vdi, 'snapshots')).includes(snap), 'listed in VDI.snapshots');
          expectTrue(!c.is_a_snapshot, 'a clone is not a snapshot');
          expectEqual([s.virtual_size, c.virtual_size], [await xapi.vdi.get(vdi, 'virtual_size'), await xapi.vdi.get(vdi, 'virtual_size')], 'sizes');
          await xapi.sr.scan(sr);
          const digest = await vdiDigest(xapi, sr);
          expectTrue(s.uuid in digest && c.uuid in digest, 'a scan keeps the snapshot and the clone');
          await xapi.vdi.destroy(snap);
          await xapi.vdi.destroy(clone);
          await xapi.sr.scan(sr);
          const after = await vdiDigest(xapi, sr);
          expectTrue(!(s.uuid in after) && !(c.uuid in after), 'deleted stay deleted');
          expectTrue((await xapi.vdi.getUuid(vdi)) in after, 'the source stays');
        } finally {
          await xapi.vdi.destroy(vdi);
        }
      }));
    },
  },
  {
    name: 'a snapshot of a VDI plugged on a slave pauses and unpauses it there; it unplugs cleanly and nothing stays paused',
    async run(ctx) {
      const { xapi } = ctx;
      const master = await xapi.pool.getMaster();
      const slave = (await xapi.host.getAll()).find((h) => h !== master);
      if (slave === undefined) return { skip: 'a single-host pool' };
      return onSr(ctx, (sr) => leavingNoGarbage(xapi, sr, async () => {
        const vdi = await xapi.vdi.create({ SR: sr, virtual_size: 16 * MIB, name_label: 'conformance-snap-slave' });
        let snap: string | undefined;
        try {
          await attachedOn(xapi, slave, vdi, async () => {
            snap = await xapi.vdi.snapshot(vdi);
            expectEqual((await xapi.vdi.getSmConfig(vdi))['paused'], undefined, 'paused removed after the snapshot');
            expectTrue(Object.keys(await xapi.vdi.getSmConfig(vdi)).includes(`host_${slave}`), 'still active on the slave');
          });
          expectTrue(!Object.keys(await xapi.vdi.getSmConfig(vdi)).some((k) => k.startsWith('host_')), 'unplugged');
        } finally {
          if (snap !== undefined) await xapi.vdi.destroy(snap);
          await xapi.vdi.destroy(vdi);
        }
      }));
    },
  },
];
