/** XenAPI error shapes that clients (and our driver) branch on. */
import { expectEqual, expectTrue, expectXapiError, type Scenario } from '../scenario.js';

/** Scenarios on error shapes (no storage verb). */
export const errorScenarios: Scenario[] = [
  {
    name: 'an unknown ref is HANDLE_INVALID [class, ref]',
    async run({ xapi }) {
      const ref = 'OpaqueRef:00000000-0000-0000-0000-0000000bad00';
      await expectXapiError(xapi.vdi.getRecord(ref), 'HANDLE_INVALID', ['VDI', ref]);
      await expectXapiError(xapi.host.getRecord(ref), 'HANDLE_INVALID', ['host', ref]);
    },
  },
  {
    name: 'a wrong argument count is MESSAGE_PARAMETER_COUNT_MISMATCH [method, expected, received] counting the session',
    async run({ xapi }) {
      await expectXapiError(xapi.call('host.get_record'), 'MESSAGE_PARAMETER_COUNT_MISMATCH', ['host.get_record', '2', '1']);
    },
  },
  {
    name: 'an unknown method is MESSAGE_METHOD_UNKNOWN [method]',
    async run({ xapi }) {
      await expectXapiError(xapi.call('host.no_such_method', 'x'), 'MESSAGE_METHOD_UNKNOWN', ['host.no_such_method']);
    },
  },
  {
    name: 'add_to_other_config with an existing key is MAP_DUPLICATE_KEY and leaves the map as it was',
    async run({ xapi }) {
      const host = await xapi.pool.getMaster();
      const key = `conformance-${Date.now()}`;
      await xapi.host.addToMap(host, 'other_config', key, 'one');
      try {
        await expectXapiError(xapi.host.addToMap(host, 'other_config', key, 'two'), 'MAP_DUPLICATE_KEY');
        expectEqual((await xapi.host.get(host, 'other_config'))[key], 'one', 'value kept');
      } finally {
        await xapi.host.removeFromMap(host, 'other_config', key);
      }
      expectTrue(!(key in (await xapi.host.get(host, 'other_config'))), 'key removed');
    },
  },
  {
    name: 'ints travel as decimal strings',
    async run({ xapi }) {
      const major = await xapi.call('host.get_API_version_major', await xapi.pool.getMaster());
      expectTrue(typeof major === 'string' && /^\d+$/.test(major), `API_version_major is ${JSON.stringify(major)}`);
    },
  },
];
