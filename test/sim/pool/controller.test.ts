import test from 'ava';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { createLinstorClient } from '../../../lib/linstor/index.js';
import { controllerOn, seedResource, tmpPool } from './helpers.js';
import { tool } from '../../../sim/fixtures/host-tool.js';

test('no controller serves until systemctl starts it; it serves at that host address, port 3370', async (t) => {
  const pool = await tmpPool(t, 2);
  const [h1, h2] = pool.spec.hosts;
  t.is((await tool(pool, 'host1', 'systemctl', ['is-active', '--quiet', 'linstor-controller'])).exitCode, 3);
  const probe = createLinstorClient({ controllers: [`http://${h1!.address}:3370`], timeoutMs: 2000, connectTimeoutMs: 500 });
  await t.throwsAsync(probe.controller.version());
  await controllerOn(pool, 'host1');
  t.truthy((await probe.controller.version()).version);
  t.is((await tool(pool, 'host1', 'systemctl', ['is-active', 'linstor-controller'])).stdout, 'active');
  t.is((await tool(pool, 'host2', 'systemctl', ['is-active', 'linstor-controller'])).exitCode, 3);
  // A second controller elsewhere is refused (the simulator has one database).
  const second = await tool(pool, 'host2', 'systemctl', ['start', 'linstor-controller']);
  t.is(second.exitCode, 1);
  t.regex(second.stderr, /already runs on host1/);
  t.is((await tool(pool, 'host1', 'systemctl', ['stop', 'linstor-controller.service'])).exitCode, 0);
  await t.throwsAsync(probe.controller.version());
  void h2;
});

test('drbd-reactor promotes the database where its promoter runs, and hands over when stopped', async (t) => {
  const pool = await tmpPool(t, 3);
  const api = await controllerOn(pool, 'host1');
  await seedResource(api, pool, 'xcp-persistent-database', ['host1', 'host2'], ['host3']);
  await tool(pool, 'host1', 'systemctl', ['stop', 'linstor-controller']);
  for (const h of pool.spec.hosts) {
    await mkdir(path.join(h.root, 'etc/drbd-reactor.d'), { recursive: true });
    await writeFile(path.join(h.root, 'etc/drbd-reactor.d/sm-linstor.toml'), '[[promoter]]\n');
  }
  await tool(pool, 'host2', 'systemctl', ['enable', '--now', 'drbd-reactor']);
  t.is(pool.runtime.controller.runningOn, 'host2');
  t.is(pool.runtime.primaryOf('xcp-persistent-database'), 'host2');
  t.is((await tool(pool, 'host2', 'mountpoint', ['-q', '/var/lib/linstor'])).exitCode, 0);
  const status = await tool(pool, 'host1', 'drbdadm', ['status', 'xcp-persistent-database']);
  t.regex(status.stdout, /^xcp-persistent-database role:Secondary$/m);
  t.regex(status.stdout, /^ {2}host2 role:Primary$/m);
  await tool(pool, 'host3', 'systemctl', ['start', 'drbd-reactor']);
  await tool(pool, 'host2', 'systemctl', ['disable', '--now', 'drbd-reactor']);
  t.is(pool.runtime.controller.runningOn, 'host3', 'the next promoter takes over');
  t.is((await tool(pool, 'host2', 'mountpoint', ['-q', '/var/lib/linstor'])).exitCode, 32);
});
