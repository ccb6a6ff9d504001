import test from 'ava';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createLinstorClient } from '../../../lib/linstor/index.js';
import { startLinstorSim } from '../../../sim/linstor/simulator.js';
import { addSr, THIN_POOL } from './sim-env.js';

test('state survives a restart on the same directory', async (t) => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'linstor-persist-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const first = await startLinstorSim({ dir });
  const client1 = createLinstorClient({ controllers: [first.url] });
  await addSr(client1, ['h1', 'h2'], 2);
  await client1.resourceGroups.spawn(THIN_POOL, { resource_definition_name: 'keep', volume_sizes: [4096], definitions_only: true });
  await client1.resources.autoplace('keep');
  await client1.keyValueStore.modify(THIN_POOL, { override_props: { 'xcp/sr/metadata': '{}' } });
  await first.setResourceState('keep', 'h1', { inUse: true });
  await client1.close();
  await first.close();

  const second = await startLinstorSim({ dir });
  const client2 = createLinstorClient({ controllers: [second.url] });
  t.teardown(async () => {
    await client2.close();
    await second.close();
  });
  t.deepEqual((await client2.nodes.list()).map((n) => n.name), ['h1', 'h2']);
  t.deepEqual(await client2.keyValueStore.props(THIN_POOL), { 'xcp/sr/metadata': '{}' });
  const view = await client2.resources.view({ resources: ['keep'] });
  t.deepEqual(view.map((r) => [r.node_name, r.state?.in_use]), [['h1', true], ['h2', false]]);
  t.is((await client2.resourceGroups.get(THIN_POOL)).select_filter?.place_count, 2);
  await client2.resourceGroups.spawn(THIN_POOL, { resource_definition_name: 'next', volume_sizes: [4096], definitions_only: true });
  t.is((await client2.volumeDefinitions.get('next', 0)).layer_data?.[0]?.data?.['minor_number'], 1001, 'allocations continue');
});
