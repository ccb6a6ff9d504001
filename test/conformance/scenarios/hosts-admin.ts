/**
 * Host administration scenarios, XenAPI only, on the SR under test: a pool member leaves the
 * SR with removeHost and comes back with addHost (node, PBD, interfaces, health); node interfaces are
 * added from a PIF, listed and removed, and the `default` one cannot be.
 */
import { CheckError, expectEqual, expectTrue, type Scenario } from '../scenario.js';
import { onSr } from './sr-lifecycle.js';
import { controllerHost, disruptiveSkip, groupOf, plugin } from './pool-admin.js';

type Health = { nodes: Record<string, string>; errors: { code: number }[] };

export const hostAdminScenarios: Scenario[] = [
  {
    name: 'removeHost then addHost on a pool member: its PBD and LINSTOR node go, then come back plugged and healthy',
    async run(ctx) {
      const skip = disruptiveSkip(ctx);
      if (skip) return skip;
      const { xapi } = ctx;
      return onSr(ctx, async (sr) => {
        const group = await groupOf(xapi, sr);
        const master = await xapi.pool.getMaster();
        const controller = await controllerHost(xapi);
        const member = (await xapi.host.getAll()).find((h) => h !== master && h !== controller);
        if (member === undefined) throw new CheckError('no pool member without the controller');
        const hostname = await xapi.host.get(member, 'hostname');
        const pbdsOf = async () => Object.values(await xapi.pbd.recordsOfSr(sr));
        const before = await pbdsOf();
        expectEqual(await plugin(xapi, member, 'removeHost', { groupName: group }), 'True', 'removeHost');
        expectTrue(!(await pbdsOf()).some((p) => p.host === member), 'the member has no PBD any more');
        const health = JSON.parse(await plugin(xapi, master, 'healthCheck', { groupName: group })) as Health;
        expectTrue(!(hostname in health.nodes), `${hostname} is no LINSTOR node any more`);
        expectEqual(await plugin(xapi, member, 'addHost', { groupName: group }), 'True', 'addHost');
        const after = await pbdsOf();
        expectEqual(after.length, before.length, 'PBD count');
        const mine = after.find((p) => p.host === member);
        expectTrue(mine?.currently_attached === true, 'the new PBD is plugged');
        expectEqual(mine?.device_config['group-name'], group, 'group-name of the new PBD');
        const healed = JSON.parse(await plugin(xapi, master, 'healthCheck', { groupName: group })) as Health;
        expectEqual(healed.nodes[hostname], 'ONLINE', `${hostname} in LINSTOR again`);
        expectEqual(healed.errors, [], 'health errors');
      });
    },
  },
  {
    name: 'node interfaces: one made from a PIF is listed with its address and removed; `default` cannot be removed',
    async run(ctx) {
      const { xapi } = ctx;
      return onSr(ctx, async (sr) => {
        const group = await groupOf(xapi, sr);
        const master = await xapi.pool.getMaster();
        const hostname = await xapi.host.get(master, 'hostname');
        const pifs = await Promise.all((await xapi.host.getRecord(master)).PIFs.map(async (p) => ({ ref: p, ...(await xapi.pif.getRecord(p)) })));
        const pif = pifs.find((p) => p.currently_attached && p.IP !== '');
        if (pif === undefined) throw new CheckError('the master has no plugged PIF with an IP');
        const args = { groupName: group, hostname };
        expectEqual(await plugin(xapi, master, 'createNodeInterface', { ...args, name: 'conformance', pifUuid: pif.uuid }), 'True', 'createNodeInterface');
        try {
          const list = JSON.parse(await plugin(xapi, master, 'listNodeInterfaces', args)) as Record<string, { address: string }>;
          expectEqual(list['conformance']?.address, pif.IP, 'address of the new interface');
          expectTrue('default' in list, 'the default interface is listed');
          let refused = false;
          await plugin(xapi, master, 'destroyNodeInterface', { ...args, name: 'default' }).catch(() => (refused = true));
          expectTrue(refused, 'destroying `default` is refused');
        } finally {
          await plugin(xapi, master, 'destroyNodeInterface', { ...args, name: 'conformance' });
        }
        expectTrue(!('conformance' in JSON.parse(await plugin(xapi, master, 'listNodeInterfaces', args))), 'removed');
      });
    },
  },
];
