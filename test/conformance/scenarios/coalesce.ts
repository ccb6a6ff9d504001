/**
 * Coalesce scenarios, XenAPI only, on the SR under test: a snapshot is taken and deleted,
 * then the garbage collector (started by the driver after vdi_delete and sr_scan) must bring the VDI's
 * chain back to one layer: after a scan the base copy VDI is gone and the VDI names no `vhd-parent`.
 * The chain is read as XAPI shows it (sm-config `vhd-parent` links between the SR's VDIs). The guest bytes
 * cannot be read through the XenAPI here; the e2e tests and the demo check them.
 *
 * With the VDI attached (plugged and active on a host, a slave when there is one), the collector
 * leaf-coalesces it live: the chain becomes one layer while it stays plugged, the VDI is left active on
 * its host and not paused.
 */
import { CheckError, expectEqual, expectTrue, type Scenario } from '../scenario.js';
import type { Xapi } from '../../../lib/xapi/index.js';
import { onSr, vdiDigest } from './sr-lifecycle.js';
import { attachedOn } from './vdi-lifecycle.js';

const MIB = 1024 * 1024;

/** The uuids of `vdi`'s chain as XAPI shows it, leaf first (sm-config `vhd-parent` links in the SR). */
async function chainOf(xapi: Xapi, sr: string, vdi: string): Promise<string[]> {
  const byUuid = new Map(Object.values(await xapi.vdi.recordsOfSr(sr)).map((r) => [r.uuid, r]));
  const chain = [await xapi.vdi.getUuid(vdi)];
  for (;;) {
    const parent = byUuid.get(chain.at(-1)!)?.sm_config['vhd-parent'];
    if (parent === undefined || chain.includes(parent)) return chain;
    chain.push(parent);
  }
}

/** Scans until `vdi` is one layer and no VDI other than those in `before` is left (up to 3 min). */
async function untilOneLayer(xapi: Xapi, sr: string, vdi: string, before: ReadonlySet<string>): Promise<void> {
  const deadline = Date.now() + 180_000;
  for (;;) {
    await xapi.sr.scan(sr);
    const chain = await chainOf(xapi, sr, vdi);
    const extra = Object.keys(await vdiDigest(xapi, sr)).filter((u) => !before.has(u));
    if (chain.length === 1 && extra.length === 0) return;
    if (Date.now() > deadline) throw new CheckError(`after 3 min the chain is ${chain.join(' → ')} and the SR still holds ${extra.join(', ') || 'nothing extra'}`);
    await new Promise((resolve) => setTimeout(resolve, 2000));
  }
}

export const coalesceScenarios: Scenario[] = [
  {
    name: 'coalesce after a snapshot deletion, VDI detached: the chain goes back to one layer, the base copy disappears, the VDI keeps its size and identity',
    async run(ctx) {
      const { xapi } = ctx;
      return onSr(ctx, async (sr) => {
        const vdi = await xapi.vdi.create({ SR: sr, virtual_size: 16 * MIB, name_label: 'conformance-coalesce' });
        try {
          const before = new Set(Object.keys(await vdiDigest(xapi, sr)));
          const snap = await xapi.vdi.snapshot(vdi);
          await xapi.sr.scan(sr);
          const layered = await chainOf(xapi, sr, vdi);
          expectEqual(layered.length, 2, 'layers after the snapshot (the VDI on its base copy)');
          await xapi.vdi.destroy(snap);
          await untilOneLayer(xapi, sr, vdi, before);
          expectEqual(await xapi.vdi.get(vdi, 'virtual_size'), String(16 * MIB), 'virtual size after the coalesce');
          expectTrue(!(layered[1]! in (await vdiDigest(xapi, sr))), 'the base copy is gone');
          expectEqual((await xapi.vdi.getSmConfig(vdi))['vhd-parent'], undefined, 'no vhd-parent');
        } finally {
          await xapi.vdi.destroy(vdi);
        }
      });
    },
  },
  {
    name: 'coalesce after a snapshot deletion, VDI attached on a host: live leaf-coalesce brings it to one layer while plugged, still active there and not paused',
    async run(ctx) {
      const { xapi } = ctx;
      const master = await xapi.pool.getMaster();
      const host = (await xapi.host.getAll()).find((h) => h !== master) ?? master;
      return onSr(ctx, async (sr) => {
        const vdi = await xapi.vdi.create({ SR: sr, virtual_size: 16 * MIB, name_label: 'conformance-coalesce-attached' });
        try {
          const before = new Set(Object.keys(await vdiDigest(xapi, sr)));
          await attachedOn(xapi, host, vdi, async () => {
            const snap = await xapi.vdi.snapshot(vdi);
            const snapUuid = await xapi.vdi.getUuid(snap);
            await xapi.sr.scan(sr);
            const layered = await chainOf(xapi, sr, vdi);
            await xapi.vdi.destroy(snap);
            await untilOneLayer(xapi, sr, vdi, before);
            expectTrue(!(snapUuid in (await vdiDigest(xapi, sr))), 'the snapshot is gone');
            expectTrue(layered.length < 2 || !(layered[1]! in (await vdiDigest(xapi, sr))), 'the base copy is gone');
            const sm = await xapi.vdi.getSmConfig(vdi);
            expectEqual(sm['paused'], undefined, 'not paused');
            expectEqual(sm['vhd-parent'], undefined, 'no vhd-parent');
            expectTrue(Object.keys(sm).includes(`host_${host}`), 'still active on the host');
          });
          expectEqual(await xapi.vdi.get(vdi, 'virtual_size'), String(16 * MIB), 'virtual size after the coalesce');
        } finally {
          await xapi.vdi.destroy(vdi);
        }
      });
    },
  },
];
