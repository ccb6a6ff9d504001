/**
 * VDI lifecycle scenarios, XenAPI only, on the SR under test (sr-lifecycle.ts):
 * create/update/destroy, resize then read the size back through a scan, and "a host without a replica
 * stays diskless after attach and detach" (attach = a VBD of the host's control domain plugged, as
 * sm's own tests do; replicas seen through the plugin's listDrbdVolumes, which lists backed minors only).
 */
import { expectEqual, expectTrue, type Scenario } from '../scenario.js';
import type { Xapi } from '../../../lib/xapi/index.js';
import { onSr, vdiDigest } from './sr-lifecycle.js';

const MIB = 1024 * 1024;

/** Plugs a VBD of `vdi` into `host`'s control domain (vdi_attach + vdi_activate there), runs fn, unplugs. */
export async function attachedOn(xapi: Xapi, host: string, vdi: string, fn: () => Promise<void>): Promise<void> {
  const dom0 = await xapi.call<string>('host.get_control_domain', host);
  const vbd = await xapi.call<string>('VBD.create', { VM: dom0, VDI: vdi, mode: 'RW', type: 'Disk', userdevice: 'autodetect', bootable: false, empty: false, other_config: {} });
  try {
    await xapi.call('VBD.plug', vbd);
    try {
      await fn();
    } finally {
      await xapi.call('VBD.unplug', vbd);
    }
  } finally {
    await xapi.call('VBD.destroy', vbd);
  }
}

/** host ref → the DRBD minors backed by a disk of `vg` there (replicas; disklesses have no backing disk). */
async function replicas(xapi: Xapi, vg: string): Promise<Map<string, Set<number>>> {
  const out = new Map<string, Set<number>>();
  for (const host of await xapi.host.getAll()) {
    const listed = JSON.parse(await xapi.host.callPlugin(host, 'linstor-manager', 'listDrbdVolumes', { volume_group: vg })) as Record<string, number[]>;
    out.set(host, new Set(Object.values(listed).flat()));
  }
  return out;
}

async function vgOf(xapi: Xapi, sr: string): Promise<string> {
  const [pbd] = Object.values(await xapi.pbd.recordsOfSr(sr));
  return (pbd?.device_config['group-name'] ?? '').split('/')[0] ?? '';
}

export const vdiScenarios: Scenario[] = [
  {
    name: 'VDI lifecycle: create answers the record (location = uuid, size at least asked), update keeps the name, destroy removes it; scans neither resurrect nor lose',
    async run(ctx) {
      const { xapi } = ctx;
      return onSr(ctx, async (sr) => {
        const vdi = await xapi.vdi.create({ SR: sr, virtual_size: 10 * MIB + 1, name_label: 'conformance-vdi', name_description: 'lifecycle' });
        const record = await xapi.vdi.getRecord(vdi);
        expectEqual(record.location, record.uuid, 'location');
        expectTrue(Number(record.virtual_size) >= 10 * MIB + 1, `virtual_size ${record.virtual_size} ≥ asked`);
        expectTrue(['vhd', 'aio'].includes(record.sm_config['vdi_type'] ?? ''), 'sm-config vdi_type');
        await xapi.vdi.set(vdi, 'name_label', 'conformance-renamed');
        await xapi.vdi.update(vdi);
        await xapi.sr.scan(sr);
        expectEqual((await vdiDigest(xapi, sr))[record.uuid], `${record.virtual_size} conformance-renamed`, 'after update and scan');
        await xapi.vdi.destroy(vdi);
        await xapi.sr.scan(sr);
        expectTrue(!(record.uuid in (await vdiDigest(xapi, sr))), 'a destroyed VDI stays gone after a scan');
      });
    },
  },
  {
    name: 'VDI.resize grows the virtual size; a scan reads the new size back, and so does an attach',
    async run(ctx) {
      const { xapi } = ctx;
      return onSr(ctx, async (sr) => {
        const vdi = await xapi.vdi.create({ SR: sr, virtual_size: 16 * MIB, name_label: 'conformance-resize' });
        try {
          await xapi.vdi.resize(vdi, 40 * MIB + 3);
          const size = Number(await xapi.vdi.get(vdi, 'virtual_size'));
          expectTrue(size >= 40 * MIB + 3 && size < 44 * MIB, `resized virtual_size ${size}`);
          await xapi.sr.scan(sr);
          expectEqual(Number(await xapi.vdi.get(vdi, 'virtual_size')), size, 'virtual_size after a scan');
          await attachedOn(xapi, await xapi.pool.getMaster(), vdi, async () => undefined);
          expectEqual(Number(await xapi.vdi.get(vdi, 'virtual_size')), size, 'virtual_size after an attach');
        } finally {
          await xapi.vdi.destroy(vdi);
        }
      });
    },
  },
  {
    name: 'a host without a replica stays diskless after attach and detach (the replicas do not move or grow)',
    async run(ctx) {
      const { xapi } = ctx;
      let skipped: string | undefined;
      const done = await onSr(ctx, async (sr) => {
        const vg = await vgOf(xapi, sr);
        const before = await replicas(xapi, vg);
        const vdi = await xapi.vdi.create({ SR: sr, virtual_size: 16 * MIB, name_label: 'conformance-diskless' });
        try {
          const after = await replicas(xapi, vg);
          const fresh = (h: string, m: Map<string, Set<number>>) => [...(m.get(h) ?? [])].filter((x) => !before.get(h)?.has(x));
          const spare = [...after.keys()].find((h) => fresh(h, after).length === 0);
          if (spare === undefined) {
            skipped = 'every host holds a replica of a new VDI';
            return;
          }
          await attachedOn(xapi, spare, vdi, async () => {
            expectEqual(fresh(spare, await replicas(xapi, vg)), [], 'replicas on the spare host while attached');
          });
          const end = await replicas(xapi, vg);
          expectEqual(fresh(spare, end), [], 'replicas on the spare host after detach');
          for (const h of after.keys()) expectEqual(fresh(h, end), fresh(h, after), `replicas of host ${h}`);
        } finally {
          await xapi.vdi.destroy(vdi);
        }
      });
      return skipped ? { skip: skipped } : done;
    },
  },
];
