/**
 * Controller failover, XenAPI only: drbd-reactor is stopped on the controller's host (the
 * plugin's updateDrbdReactor, as sr_delete does), another host's promoter takes the database and starts
 * the controller, the SR keeps working through discovery, and the first host rejoins as a standby.
 */
import { CheckError, expectEqual, expectTrue, type Scenario } from '../scenario.js';
import { onSr, vdiDigest } from './sr-lifecycle.js';
import { controllerHost, disruptiveSkip, groupOf, plugin } from './pool-admin.js';

const MIB = 1024 * 1024;

export const failoverScenarios: Scenario[] = [
  {
    name: 'the controller moves when drbd-reactor stops on its host; VDI verbs, scans and the health check carry on',
    async run(ctx) {
      const skip = disruptiveSkip(ctx);
      if (skip) return skip;
      const { xapi } = ctx;
      return onSr(ctx, async (sr) => {
        const group = await groupOf(xapi, sr);
        const first = await controllerHost(xapi);
        if (first === undefined) throw new CheckError('no host runs the controller');
        const before = await vdiDigest(xapi, sr);
        expectEqual(await plugin(xapi, first, 'updateDrbdReactor', { enabled: 'False' }), 'True', 'drbd-reactor stopped on the controller host');
        try {
          const second = await controllerHost(xapi);
          expectTrue(second !== undefined && second !== first, 'another host runs the controller');
          const vdi = await xapi.vdi.create({ SR: sr, virtual_size: 8 * MIB, name_label: 'conformance-failover' });
          await xapi.sr.scan(sr);
          const uuid = await xapi.vdi.getUuid(vdi);
          expectTrue(uuid in (await vdiDigest(xapi, sr)), 'a VDI created after the move is scanned');
          await xapi.vdi.destroy(vdi);
          const health = JSON.parse(await plugin(xapi, await xapi.pool.getMaster(), 'healthCheck', { groupName: group })) as { 'controller-uri': string };
          expectEqual(health['controller-uri'], `linstor://${await xapi.host.get(second!, 'address')}`, 'controller-uri');
        } finally {
          expectEqual(await plugin(xapi, first, 'updateDrbdReactor', { enabled: 'True' }), 'True', 'drbd-reactor back on the first host');
        }
        await xapi.sr.scan(sr);
        expectEqual(await vdiDigest(xapi, sr), before, 'VDIs after the failover');
      });
    },
  },
];
