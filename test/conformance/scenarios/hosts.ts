/** Hosts, PIFs and the pool master: what drivers and the plugin read to find the other hosts. */
import { fieldEquals } from '../../../lib/xapi/index.js';
import { expectEqual, expectTrue, expectXapiError, type Scenario } from '../scenario.js';

/** Scenarios on hosts and the pool (no storage verb). */
export const hostScenarios: Scenario[] = [
  {
    name: 'the pool has one master, and it is one of the hosts',
    async run({ xapi }) {
      const master = await xapi.pool.getMaster();
      expectTrue((await xapi.host.getAll()).includes(master), `master ${master} is a host`);
    },
  },
  {
    name: 'every host has uuid, hostname, address, enabled and a management PIF holding its address',
    async run({ xapi }) {
      for (const [ref, host] of Object.entries(await xapi.host.getAllRecords())) {
        expectTrue(/^[0-9a-f-]{36}$/.test(host.uuid), `uuid of ${ref}`);
        expectTrue(host.hostname !== '' && host.address !== '', `hostname and address of ${host.uuid}`);
        expectEqual(typeof host.enabled, 'boolean', 'host.enabled type');
        const pifs = await Promise.all(host.PIFs.map((p) => xapi.pif.getRecord(p)));
        const management = pifs.filter((p) => p.management);
        expectEqual(management.length, 1, `management PIFs of ${host.hostname}`);
        expectEqual(management[0]?.IP, host.address, `management IP of ${host.hostname}`);
        expectTrue(pifs.every((p) => Array.isArray(p.IPv6) && typeof p.currently_attached === 'boolean'), 'PIF field types');
      }
    },
  },
  {
    name: 'host.get_by_uuid finds each host; an unknown uuid is UUID_INVALID [host, uuid]',
    async run({ xapi }) {
      for (const [ref, host] of Object.entries(await xapi.host.getAllRecords())) expectEqual(await xapi.host.getByUuid(host.uuid), ref, 'get_by_uuid');
      const uuid = '00000000-0000-0000-0000-00000000dead';
      await expectXapiError(xapi.host.getByUuid(uuid), 'UUID_INVALID', ['host', uuid]);
    },
  },
  {
    name: 'get_all_records_where filters hosts by field',
    async run({ xapi }) {
      const master = await xapi.pool.getMaster();
      const uuid = await xapi.host.getUuid(master);
      expectEqual(Object.keys(await xapi.host.getAllRecordsWhere(fieldEquals('uuid', uuid))), [master], 'hosts matching the master uuid');
      expectEqual(Object.keys(await xapi.host.getAllRecordsWhere('false')), [], 'hosts matching false');
    },
  },
  {
    name: 'a TCP login on a pool member answers HOST_IS_SLAVE [master address]',
    async run({ target, xapi, client }) {
      const master = await xapi.pool.getMaster();
      const members = Object.entries(await xapi.host.getAllRecords()).filter(([ref]) => ref !== master);
      const member = members[0]?.[1];
      if (member === undefined) return { skip: 'a single-host pool has no member' };
      const url = new URL(target.url);
      url.hostname = member.address.includes(':') ? `[${member.address}]` : member.address;
      const masterAddress = await xapi.host.get(master, 'address');
      await expectXapiError(client(url.toString()).client.loginWithPassword(target.user, target.password), 'HOST_IS_SLAVE', [masterAddress]);
      return undefined;
    },
  },
  {
    name: 'the SR under test (XAPI_SR_UUID) is plugged on every host of the pool',
    async run({ target, xapi }) {
      if (target.srUuid === undefined) return { skip: 'no XAPI_SR_UUID given' };
      const sr = await xapi.sr.getByUuid(target.srUuid);
      const record = await xapi.sr.getRecord(sr);
      const hosts = new Set(await xapi.host.getAll());
      const pbds = await Promise.all(record.PBDs.map((p) => xapi.pbd.getRecord(p)));
      if (record.shared) expectEqual(new Set(pbds.map((p) => p.host)).size, hosts.size, 'PBDs of a shared SR');
      expectTrue(pbds.every((p) => p.currently_attached), 'every PBD is plugged');
      return undefined;
    },
  },
];
