import test from 'ava';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { controllerOn, seedResource, tmpPool } from '../sim/pool/helpers.js';
import { tool } from '../../sim/fixtures/host-tool.js';
import { callPlugin } from '../../sim/fixtures/plugin.js';

const TOML = '[[promoter]]\n\n[promoter.resources.xcp-persistent-database]\nstart = [ "var-lib-linstor.service", "linstor-controller.service" ]\n';

test('prepareSr opens the ports, turns drbd-reactor off and restarts the satellite, on disk and diskless hosts', async (t) => {
  const pool = await tmpPool(t, 2, { diskless: ['host2'] });
  for (const host of ['host1', 'host2']) {
    t.is(await callPlugin(pool, host, 'prepareSr', { groupName: 'linstor_group/thin_device' }), 'True');
    const h = pool.runtime.host(host);
    t.deepEqual([...h.firewallPorts].sort(), ['3366/tcp', '3370/tcp', '3376/tcp', '3377/tcp', '8076/tcp', '8077/tcp']);
    t.deepEqual(h.iptables, ['-A INPUT -p tcp --dport 7000:8000 -j ACCEPT']);
    t.true(h.unit('linstor-satellite').active && h.unit('linstor-satellite').enabled);
    t.false(h.unit('drbd-reactor').active || h.unit('drbd-reactor').enabled);
  }
  // Idempotent: the iptables rule is not inserted twice.
  t.is(await callPlugin(pool, 'host1', 'prepareSr', { groupName: 'linstor_group/thin_device' }), 'True');
  t.is(pool.runtime.host('host1').iptables.length, 1);
  t.is(await callPlugin(pool, 'host1', 'releaseSr', { groupName: 'linstor_group/thin_device' }), 'True');
  t.deepEqual(pool.runtime.host('host1').iptables, []);
  t.is(pool.runtime.host('host1').firewallPorts.size, 0);
  t.false(pool.runtime.host('host1').unit('linstor-satellite').active);
  t.is(await callPlugin(pool, 'host1', 'prepareSr', {}), 'False', 'a missing groupName is a False, as in Python');
});

test('updateDrbdReactor writes the promoter configuration and hands the controller to drbd-reactor; disabling stops it', async (t) => {
  const pool = await tmpPool(t, 2);
  const api = await controllerOn(pool, 'host1');
  await seedResource(api, pool, 'xcp-persistent-database', ['host1', 'host2'], [], 8192);
  await tool(pool, 'host1', 'systemctl', ['stop', 'linstor-controller']);
  t.is(await callPlugin(pool, 'host2', 'updateDrbdReactor', { enabled: 'True' }), 'True');
  const config = pool.runtime.host('host2').local('/etc/drbd-reactor.d/sm-linstor.toml');
  t.is(await readFile(config, 'utf8'), TOML);
  t.true(pool.runtime.host('host2').unit('drbd-reactor').enabled);
  t.is(pool.runtime.controller.runningOn, 'host2', 'the promoter started the controller where it won');
  t.is(await callPlugin(pool, 'host2', 'updateDrbdReactor', { enabled: 'False' }), 'True');
  t.false(existsSync(config));
  t.is(pool.runtime.controller.runningOn, undefined);
  t.is(pool.runtime.primaryOf('xcp-persistent-database'), undefined);
  t.is(await callPlugin(pool, 'host2', 'updateDrbdReactor', { enabled: 'maybe' }), 'False');
});
