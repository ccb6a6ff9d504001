import test from 'ava';
import { existsSync } from 'node:fs';
import { controllerOn, seedResource, tmpPool } from '../sim/pool/helpers.js';
import { tool } from '../../sim/fixtures/host-tool.js';
import { callPlugin } from '../../sim/fixtures/plugin.js';

async function withResource(t: Parameters<typeof tmpPool>[0]) {
  const pool = await tmpPool(t, 2);
  const api = await controllerOn(pool, 'host1');
  await seedResource(api, pool, 'xcp-volume-abcd', ['host1', 'host2'], [], 8192);
  return pool;
}

test('getDrbdOpeners lists the tapdisks holding a resource open', async (t) => {
  const pool = await withResource(t);
  const dev = '/dev/drbd/by-res/xcp-volume-abcd/0';
  const minor = (await tool(pool, 'host1', 'tap-ctl', ['allocate'])).stdout.trim().replace(/.*tapdev/, '');
  const pid = (await tool(pool, 'host1', 'tap-ctl', ['spawn'])).stdout.trim();
  await tool(pool, 'host1', 'tap-ctl', ['attach', '-p', pid, '-m', minor]);
  await tool(pool, 'host1', 'tap-ctl', ['open', '-p', pid, '-m', minor, '-a', `aio:${dev}`]);
  const openers = JSON.parse(await callPlugin(pool, 'host1', 'getDrbdOpeners', { resourceName: 'xcp-volume-abcd', volume: '0' })) as Record<string, { 'process-name': string; 'open-duration': string }>;
  t.deepEqual(Object.keys(openers), [pid]);
  t.is(openers[pid]!['process-name'], 'tapdisk');
  t.regex(openers[pid]!['open-duration'], /^\d+$/);
  t.is(await callPlugin(pool, 'host2', 'getDrbdOpeners', { resourceName: 'xcp-volume-abcd', volume: '0' }), '{}', 'nobody opens it on host2');
  await t.throwsAsync(callPlugin(pool, 'host1', 'getDrbdOpeners', { resourceName: '../../etc', volume: '0' }), { message: /XENAPI_PLUGIN_FAILURE/ });
  // A held-open resource cannot be demoted: False, not an exception.
  t.is(await callPlugin(pool, 'host1', 'demoteDrbdResource', { resource_name: 'xcp-volume-abcd' }), 'False');
  await tool(pool, 'host1', 'tap-ctl', ['close', '-p', pid, '-m', minor]);
  await tool(pool, 'host2', 'drbdadm', ['primary', 'xcp-volume-abcd']);
  t.is(await callPlugin(pool, 'host2', 'demoteDrbdResource', { resource_name: 'xcp-volume-abcd' }), 'True');
  t.is(pool.runtime.primaryOf('xcp-volume-abcd'), undefined);
});

test('listDrbdVolumes and destroyDrbdVolumes match the volume group by LVM name or by the SR pool name', async (t) => {
  const pool = await withResource(t);
  const all = JSON.parse(await callPlugin(pool, 'host1', 'listDrbdVolumes')) as Record<string, number[]>;
  t.deepEqual(Object.keys(all), ['linstor_group']);
  const minor = all['linstor_group']![0]!;
  t.deepEqual(JSON.parse(await callPlugin(pool, 'host1', 'listDrbdVolumes', { volume_group: 'xcp-sr-linstor_group_thin_device' })), all);
  t.deepEqual(JSON.parse(await callPlugin(pool, 'host1', 'listDrbdVolumes', { volume_group: 'other' })), {});
  t.true(existsSync(pool.runtime.host('host1').local(`/dev/drbd${minor}`)));
  t.is(await callPlugin(pool, 'host1', 'destroyDrbdVolumes', { volume_group: 'xcp-sr-linstor_group_thin_device' }), 'True');
  t.false(existsSync(pool.runtime.host('host1').local(`/dev/drbd${minor}`)));
  t.true(existsSync(pool.runtime.host('host2').local(`/dev/drbd${minor}`)), 'only this host');
  t.is(await callPlugin(pool, 'host2', 'destroyDrbdVolume', { minor: String(minor) }), 'True');
  t.is(await callPlugin(pool, 'host2', 'destroyDrbdVolume', { minor: 'x; rm -rf /' }), 'False');
});
