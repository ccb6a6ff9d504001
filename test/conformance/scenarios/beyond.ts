/**
 * What linstor-sr offers beyond the Python driver, seen through the XenAPI, each when the SR's driver
 * advertises it: VDI.introduce giving back a forgotten VDI — same uuid, names, size and sm-config — with
 * a location in use refused by xapi and one that names no volume refused by the driver; VDI.set_on_boot
 * reset making the VDI a leaf over a read-only parent (xapi's clone, whose copy it deletes), and back.
 */
import { randomUUID } from 'node:crypto';
import type { Xapi } from '../../../lib/xapi/index.js';
import { expectEqual, expectTrue, expectXapiError, type Scenario } from '../scenario.js';
import { vdiDigest } from './sr-lifecycle.js';
import { onSrOffering } from './sm-2026.js';

const MIB = 1024 * 1024;
const NULL = 'OpaqueRef:NULL';

/** VDI.introduce with the uuid and location given, everything else left to the driver. */
function introduce(xapi: Xapi, sr: string, uuid: string, location: string): Promise<string> {
  return xapi.call<string>('VDI.introduce', uuid, '', '', sr, 'user', false, false, {}, location, {}, {}, true, 0, 0, NULL, false, new Date(0), NULL);
}

export const beyondScenarios: Scenario[] = [
  {
    name: 'VDI.introduce (with VDI_INTRODUCE): a forgotten VDI comes back with its uuid, names, size and sm-config; a used location or no such volume is refused',
    async run(ctx) {
      const { xapi } = ctx;
      return onSrOffering(ctx, 'VDI_INTRODUCE', async (sr) => {
        let vdi = await xapi.vdi.create({ SR: sr, virtual_size: 8 * MIB, name_label: 'conformance-introduce', name_description: 'forgotten, then introduced' });
        const uuid = await xapi.vdi.getUuid(vdi);
        try {
          const before = await xapi.vdi.getRecord(vdi);
          await expectXapiError(introduce(xapi, sr, randomUUID(), before.location), 'LOCATION_NOT_UNIQUE');
          await xapi.call('VDI.forget', vdi);
          const nowhere = randomUUID();
          await expectXapiError(introduce(xapi, sr, nowhere, nowhere), 'VDI_DOES_NOT_EXIST', [nowhere]);
          vdi = await introduce(xapi, sr, uuid, before.location);
          const after = await xapi.vdi.getRecord(vdi);
          const seen = (r: typeof before) => [r.uuid, r.location, r.name_label, r.name_description, String(r.virtual_size), r.managed, r.sm_config['vdi_type'], r.sm_config['image-format']];
          expectEqual(seen(after), seen(before), 'the introduced record');
        } finally {
          // Introduced or not, the VDI goes: a scan brings a forgotten one back first.
          await xapi.sr.scan(sr);
          await xapi.vdi.destroy(await xapi.vdi.getByUuid(uuid));
        }
      });
    },
  },
  {
    name: 'VDI.set_on_boot reset (with VDI_RESET_ON_BOOT): the VDI becomes a leaf over a read-only parent, one new VDI in all; back to persist',
    async run(ctx) {
      const { xapi } = ctx;
      // The SM record lists the driver's VDI_RESET_ON_BOOT/2 by name; the version is in its features.
      return onSrOffering(ctx, 'VDI_RESET_ON_BOOT', async (sr) => {
        const vdi = await xapi.vdi.create({ SR: sr, virtual_size: 8 * MIB, name_label: 'conformance-reset-on-boot' });
        try {
          const before = Object.keys(await vdiDigest(xapi, sr)).length;
          await xapi.call('VDI.set_on_boot', vdi, 'reset');
          expectEqual(await xapi.vdi.get(vdi, 'on_boot'), 'reset', 'on_boot');
          const parent = (await xapi.vdi.getSmConfig(vdi))['vhd-parent'];
          expectTrue(parent !== undefined, 'a vhd-parent to reset to');
          expectEqual(await xapi.vdi.get(await xapi.vdi.getByUuid(parent ?? ''), 'read_only'), true, 'the parent is read-only');
          expectEqual(Object.keys(await vdiDigest(xapi, sr)).length, before + 1, 'the parent is the only new VDI');
          await xapi.call('VDI.set_on_boot', vdi, 'persist');
          expectEqual(await xapi.vdi.get(vdi, 'on_boot'), 'persist', 'on_boot');
        } finally {
          await xapi.vdi.destroy(vdi);
        }
      });
    },
  },
];
