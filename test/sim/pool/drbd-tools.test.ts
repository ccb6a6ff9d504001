import test from 'ava';
import { existsSync } from 'node:fs';
import { controllerOn, seedResource, tmpPool } from './helpers.js';
import { tool } from '../../../sim/fixtures/host-tool.js';

test('drbdsetup status --json and show --json describe the resources of this host', async (t) => {
  const pool = await tmpPool(t, 3, { diskless: ['host3'] });
  const api = await controllerOn(pool, 'host1');
  await seedResource(api, pool, 'xcp-volume-aaaa', ['host1', 'host2'], ['host3']);
  const status = JSON.parse((await tool(pool, 'host3', 'drbdsetup', ['status', '--json'])).stdout) as Record<string, unknown>[];
  t.is(status.length, 1);
  const r = status[0] as { name: string; role: string; devices: { minor: number; 'disk-state': string; client: boolean }[]; connections: { name: string; 'peer-role': string; peer_devices: { 'peer-disk-state': string }[] }[] };
  t.is(r.name, 'xcp-volume-aaaa');
  t.is(r.role, 'Secondary');
  t.is(r.devices[0]!['disk-state'], 'Diskless');
  t.true(r.devices[0]!.client);
  t.true(r.devices[0]!.minor >= 1000);
  t.deepEqual(r.connections.map((c) => [c.name, c['peer-role'], c.peer_devices[0]!['peer-disk-state']]), [
    ['host1', 'Secondary', 'UpToDate'],
    ['host2', 'Secondary', 'UpToDate'],
  ]);
  const show = JSON.parse((await tool(pool, 'host1', 'drbdsetup', ['show', 'xcp-volume-aaaa', '--json'])).stdout) as {
    _this_host: { volumes: { device_minor: number; 'backing-disk': string }[] };
    connections: { net: { _name: string }; path: { _remote_host: string } }[];
  }[];
  t.is(show[0]!._this_host.volumes[0]!['backing-disk'], '/dev/linstor_group/xcp-volume-aaaa_00000');
  const toHost2 = show[0]!.connections.find((c) => c.net._name === 'host2');
  t.regex(toHost2!.path._remote_host, new RegExp(`^ipv4 ${pool.spec.hosts[1]!.address.replaceAll('.', '\\.')}:\\d+$`));
  t.is((await tool(pool, 'host1', 'drbdsetup', ['status', 'nope', '--json'])).exitCode, 10);
  const events = (await tool(pool, 'host2', 'drbdsetup', ['events2', '--now'])).stdout;
  t.regex(events, /^exists resource name:xcp-volume-aaaa role:Secondary/m);
  t.regex(events, /^exists -$/m);
});

test('drbdadm primary/secondary change the role; a second primary is refused', async (t) => {
  const pool = await tmpPool(t, 2);
  const api = await controllerOn(pool, 'host1');
  await seedResource(api, pool, 'xcp-volume-bbbb', ['host1', 'host2']);
  t.is((await tool(pool, 'host1', 'drbdadm', ['primary', 'xcp-volume-bbbb'])).exitCode, 0);
  t.is(pool.runtime.primaryOf('xcp-volume-bbbb'), 'host1');
  const second = await tool(pool, 'host2', 'drbdadm', ['primary', 'xcp-volume-bbbb']);
  t.is(second.exitCode, 11);
  t.regex(second.stderr, /Multiple primaries/);
  t.is((await tool(pool, 'host1', 'drbdsetup', ['secondary', 'xcp-volume-bbbb'])).exitCode, 0);
  t.is(pool.runtime.primaryOf('xcp-volume-bbbb'), undefined);
  t.is((await tool(pool, 'host1', 'drbdadm', ['status', 'xcp-volume-zzzz'])).exitCode, 10);
});

test('del-minor removes the device node of a leftover minor', async (t) => {
  const pool = await tmpPool(t, 1);
  const api = await controllerOn(pool, 'host1');
  await seedResource(api, pool, 'xcp-volume-cccc', ['host1']);
  const minor = (JSON.parse((await tool(pool, 'host1', 'drbdsetup', ['status', '--json'])).stdout) as { devices: { minor: number }[] }[])[0]!.devices[0]!.minor;
  const dev = pool.runtime.host('host1').local(`/dev/drbd${minor}`);
  t.true(existsSync(dev));
  t.is((await tool(pool, 'host1', 'drbdsetup', ['detach', String(minor), '--force'])).exitCode, 0);
  t.is((await tool(pool, 'host1', 'drbdsetup', ['del-minor', String(minor)])).exitCode, 0);
  t.false(existsSync(dev));
});
