// Resync in the controller simulator: the sync-status endpoint, the control that starts a resync for a
// while, and what the views and the resize rule see meanwhile; plus the database HA options read back.
import test from 'ava';
import { LinstorApiError, LinstorNotFoundError, RC } from '../../../lib/linstor/index.js';
import { DRBD_HA_PROPERTIES } from '../../../lib/volume/index.js';
import { addSr, startEnv } from './sim-env.js';

async function control(url: string, method: string, path: string, body?: unknown): Promise<Response> {
  return fetch(url + path, { method, body: body === undefined ? null : JSON.stringify(body), headers: { 'content-type': 'application/json' } });
}

test('a resync started for a while: sync-status false, the targets Inconsistent, resize refused with 974; then synced again', async (t) => {
  let now = 1_700_000_000_000;
  const { client, sim } = await startEnv(t, { nowMs: () => now });
  const group = await addSr(client, ['h1', 'h2', 'h3'], 2);
  await client.resourceGroups.spawn(group, { resource_definition_name: 'r1', volume_sizes: [8192] });
  const placed = (await client.resources.view({ resources: ['r1'] })).map((r) => r.node_name);
  await client.resources.makeAvailable('r1', ['h1', 'h2', 'h3'].find((n) => !placed.includes(n))!, { diskful: false });
  t.deepEqual(await client.resourceDefinitions.syncStatus('r1'), { synced_on_all: true });

  const started = await control(sim.url, 'PUT', '/sim/resource-definitions/r1', { syncing_for_ms: 5000 });
  t.is(started.status, 200);
  t.deepEqual(await client.resourceDefinitions.syncStatus('r1'), { synced_on_all: false });
  const states = (await client.resources.view({ resources: ['r1'] })).map((r) => [r.flags?.includes('DISKLESS') ? 'diskless' : 'diskful', r.volumes?.[0]?.state?.disk_state]);
  t.deepEqual(states.filter(([kind]) => kind === 'diskful').map(([, s]) => s), ['UpToDate', 'Inconsistent'], 'one sync source, one target');
  t.deepEqual(states.filter(([kind]) => kind === 'diskless').map(([, s]) => s), ['Diskless']);
  const refused = await t.throwsAsync(client.volumeDefinitions.resize('r1', 0, 16384), { instanceOf: LinstorApiError });
  t.true(refused.hasCode(RC.FAIL_NOT_ALL_UPTODATE));

  now += 5000;
  t.deepEqual(await client.resourceDefinitions.syncStatus('r1'), { synced_on_all: true }, 'the resync is over');
  await client.volumeDefinitions.resize('r1', 0, 16384);
  t.true((await client.resources.view({ resources: ['r1'] })).every((r) => r.volumes?.[0]?.state?.disk_state !== 'Inconsistent'));

  // Ended early by the control; a disk state set by hand counts as well.
  await sim.setSyncing('r1', 60_000);
  t.false((await client.resourceDefinitions.syncStatus('r1')).synced_on_all);
  t.true(await sim.setSyncing('r1', 0));
  t.true((await client.resourceDefinitions.syncStatus('r1')).synced_on_all);
  const node = (await client.resources.view({ resources: ['r1'] })).find((r) => !r.flags?.includes('DISKLESS'))!.node_name;
  await sim.setResourceState('r1', node, { diskState: 'Outdated' });
  t.false((await client.resourceDefinitions.syncStatus('r1')).synced_on_all);

  await t.throwsAsync(client.resourceDefinitions.syncStatus('nope'), { instanceOf: LinstorNotFoundError });
  t.is((await control(sim.url, 'PUT', '/sim/resource-definitions/nope', { syncing_for_ms: 10 })).status, 404);
  t.is((await control(sim.url, 'PUT', '/sim/resource-definitions/r1', { syncing_for_ms: 'soon' })).status, 400);
  t.deepEqual(sim.violations, [], 'sync-status answers the OpenAPI shape');
});

test('the database HA options are stored with override_props and removed with delete_props, other props kept', async (t) => {
  const { client, sim } = await startEnv(t);
  await client.resourceDefinitions.create({ resource_definition: { name: 'xcp-persistent-database', props: { 'Aux/kept': 'yes' } } });
  await client.resourceDefinitions.setProps('xcp-persistent-database', DRBD_HA_PROPERTIES);
  t.deepEqual((await client.resourceDefinitions.get('xcp-persistent-database')).props, { 'Aux/kept': 'yes', ...DRBD_HA_PROPERTIES });
  await client.resourceDefinitions.setProps('xcp-persistent-database', {}, Object.keys(DRBD_HA_PROPERTIES));
  t.deepEqual((await client.resourceDefinitions.get('xcp-persistent-database')).props, { 'Aux/kept': 'yes' });
  t.deepEqual(sim.violations, []);
});
