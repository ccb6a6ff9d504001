import test from 'ava';
import { startFixture } from '../../sim/fixtures/pool-session.js';
import { callPlugin } from '../../sim/fixtures/plugin.js';

test('with no controller anywhere the pool functions fail with Failure -1 saying so, and change nothing', async (t) => {
  t.timeout(6 * 60_000);
  // Discovery's retries scaled down (LINSTOR_SR_TIME_SCALE 0.01), as on every e2e pool.
  const { pool } = await startFixture(t, 2);
  const db = pool.xapi.db;
  const sr = db.create('SR', { type: 'linstor', name_label: 'XOSTOR', shared: true });
  const deviceConfig = { 'group-name': 'linstor_group/thin_device', redundancy: '2', provisioning: 'thin' };
  const pbd = db.create('PBD', { host: pool.xapi.host('host1').ref, SR: sr, device_config: deviceConfig, currently_attached: true });
  const args = { groupName: 'linstor_group/thin_device' };
  for (const [host, fn, extra] of [
    ['host1', 'listNodeInterfaces', { hostname: 'host2' }],
    ['host1', 'removeHost', {}],
    ['host2', 'addHost', {}],
  ] as const) {
    await t.throwsAsync(callPlugin(pool, host, fn, { ...args, ...extra }), { message: /^-1\(no LINSTOR controller found/ }, fn);
  }
  t.true(db.get('PBD', pbd)['currently_attached'] === true, 'removeHost left the PBD plugged');
  t.is(db.refsWhere('PBD', () => true).length, 1, 'addHost made no PBD');
  const host2 = pool.runtime.host('host2');
  t.false(host2.unit('drbd-reactor').enabled, 'addHost started nothing');
  t.is(host2.firewallPorts.size, 0, 'addHost opened no port');
});
