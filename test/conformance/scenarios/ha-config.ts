/**
 * HA configuration scenarios, XenAPI only: `VDI.generate_config` — what xapi stores
 * for static-vdis — on the SR under test. An ordinary VDI's config names its DRBD device; the HA
 * statefile's names the HTTP/NBD bridge path, whichever host generates it.
 */
import { decodeMethodCall, isStruct } from '../../../lib/smapi/xmlrpc.js';
import { expectEqual, expectTrue, type Scenario } from '../scenario.js';
import type { Xapi } from '../../../lib/xapi/index.js';
import { onSr } from './sr-lifecycle.js';

const MIB = 1024 * 1024;

/** The one struct of a generated config, checked to be a `vdi_attach_from_config` call. */
async function configOf(xapi: Xapi, host: string, vdi: string): Promise<Record<string, unknown>> {
  const text = await xapi.call<string>('VDI.generate_config', host, vdi);
  expectTrue(typeof text === 'string', 'generate_config answers a string');
  const call = decodeMethodCall(text);
  expectEqual(call.method, 'vdi_attach_from_config', 'method');
  const [params] = call.params;
  expectTrue(call.params.length === 1 && isStruct(params), 'one struct parameter');
  const struct = params as Record<string, unknown>;
  for (const key of ['device_config', 'sr_uuid', 'vdi_uuid', 'sr_sm_config', 'command', 'vdi_path']) expectTrue(key in struct, `config has ${key}`);
  expectEqual(struct['command'], 'vdi_attach_from_config', 'command');
  expectEqual(struct['vdi_uuid'], await xapi.vdi.getUuid(vdi), 'vdi_uuid');
  return struct;
}

export const haConfigScenarios: Scenario[] = [
  {
    name: 'VDI.generate_config: an ordinary VDI names its DRBD device, the HA statefile the /dev/http-nbd bridge, on every host',
    async run(ctx) {
      const { xapi } = ctx;
      return onSr(ctx, async (sr) => {
        const vdi = await xapi.vdi.create({ SR: sr, virtual_size: 8 * MIB, name_label: 'conformance-static' });
        const statefile = await xapi.vdi.create({ SR: sr, virtual_size: 8 * MIB, name_label: 'conformance-statefile', type: 'ha_statefile', sm_config: { type: 'raw' } });
        try {
          for (const host of await xapi.host.getAll()) {
            const plain = await configOf(xapi, host, vdi);
            expectTrue(/^\/dev\/drbd\/by-res\/xcp-volume-[^/]+\/0$/.test(String(plain['vdi_path'])), `vdi_path ${String(plain['vdi_path'])}`);
            expectEqual(plain['sr_uuid'], await xapi.call<string>('SR.get_uuid', sr), 'sr_uuid');
            const ha = await configOf(xapi, host, statefile);
            expectEqual(ha['vdi_path'], '/dev/http-nbd/xcp-persistent-ha-statefile', 'statefile vdi_path');
          }
        } finally {
          await xapi.vdi.destroy(statefile);
          await xapi.vdi.destroy(vdi);
        }
      });
    },
  },
];
