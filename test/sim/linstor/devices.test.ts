// Simulated satellites: device files under each node's host root (DESIGN.md "The simulated pool").
import { lstat, readlink, realpath, stat, writeFile, readFile, access } from 'node:fs/promises';
import path from 'node:path';
import { addSr, simTest, THIN_POOL } from './sim-env.js';

const exists = (p: string) => access(p).then(() => true, () => false);

simTest('a resource makes dev/drbd<minor> a hard link to the backing file and a relative by-res link on its node', async (t, { client, dir }) => {
  await addSr(client, ['h1', 'h2', 'h3'], 2);
  await client.resourceGroups.spawn(THIN_POOL, { resource_definition_name: 'xcp-volume-d1', volume_sizes: [10 * 1024], definitions_only: true });
  await client.resources.autoplace('xcp-volume-d1');
  await client.resources.makeAvailable('xcp-volume-d1', 'h3');
  const backing = path.join(dir, 'linstor', 'volumes', 'xcp-volume-d1.img');
  const info = await stat(backing);
  t.is(info.size, 10 * 1024 * 1024, 'exactly the DRBD usable size');
  t.true(info.blocks * 512 < info.size, 'sparse');
  for (const host of ['h1', 'h2', 'h3']) {
    const root = path.join(dir, 'hosts', host);
    const device = path.join(root, 'dev', 'drbd1000');
    t.is((await stat(device)).ino, info.ino, `${host}: same inode as the backing file`);
    const alias = path.join(root, 'dev', 'drbd', 'by-res', 'xcp-volume-d1', '0');
    t.true((await lstat(alias)).isSymbolicLink());
    t.is(await readlink(alias), '../../../drbd1000');
    t.is(await realpath(alias), device);
  }
  // Data written on one host is what every other host reads: one shared file stands for DRBD.
  await writeFile(path.join(dir, 'hosts', 'h1', 'dev', 'drbd1000'), 'hello', { flag: 'r+' });
  t.is((await readFile(path.join(dir, 'hosts', 'h3', 'dev', 'drbd', 'by-res', 'xcp-volume-d1', '0'))).subarray(0, 5).toString(), 'hello');
});

simTest('resize grows the backing file; deleting resources removes their devices; deleting the RD removes the file', async (t, { client, dir }) => {
  await addSr(client, ['h1', 'h2', 'h3'], 2);
  await client.resourceGroups.spawn(THIN_POOL, { resource_definition_name: 'd2', volume_sizes: [4096], definitions_only: true });
  await client.resources.autoplace('d2');
  await client.resources.makeAvailable('d2', 'h3');
  await client.volumeDefinitions.resize('d2', 0, 8192);
  const backing = path.join(dir, 'linstor', 'volumes', 'd2.img');
  t.is((await stat(backing)).size, 8192 * 1024);
  t.is((await stat(path.join(dir, 'hosts', 'h3', 'dev', 'drbd1000'))).size, 8192 * 1024);
  await client.resources.delete('d2', 'h3');
  t.false(await exists(path.join(dir, 'hosts', 'h3', 'dev', 'drbd1000')));
  t.false(await exists(path.join(dir, 'hosts', 'h3', 'dev', 'drbd', 'by-res', 'd2')));
  t.true(await exists(path.join(dir, 'hosts', 'h1', 'dev', 'drbd1000')));
  await client.resourceDefinitions.delete('d2');
  t.false(await exists(backing));
  t.false(await exists(path.join(dir, 'hosts', 'h1', 'dev', 'drbd1000')));
});

simTest('minors are allocated from 1000 and reused once free; every node of an RD shares one minor', async (t, { client }) => {
  await addSr(client, ['h1', 'h2'], 2);
  for (const name of ['m1', 'm2', 'm3']) {
    await client.resourceGroups.spawn(THIN_POOL, { resource_definition_name: name, volume_sizes: [4096], definitions_only: true });
    await client.resources.autoplace(name);
  }
  const minors = async () =>
    Object.fromEntries((await client.resources.view()).map((r) => [`${r.name}@${r.node_name}`, r.volumes?.[0]?.device_path]));
  t.deepEqual(await minors(), {
    'm1@h1': '/dev/drbd1000', 'm1@h2': '/dev/drbd1000',
    'm2@h1': '/dev/drbd1001', 'm2@h2': '/dev/drbd1001',
    'm3@h1': '/dev/drbd1002', 'm3@h2': '/dev/drbd1002',
  });
  await client.resourceDefinitions.delete('m2');
  await client.resourceGroups.spawn(THIN_POOL, { resource_definition_name: 'm4', volume_sizes: [4096], definitions_only: true });
  t.is((await client.volumeDefinitions.get('m4', 0)).layer_data?.[0]?.data?.['minor_number'], 1001);
});

simTest('thin pools report the backing file\'s allocated blocks as used space', async (t, { client, dir }) => {
  await addSr(client, ['h1', 'h2'], 2);
  await client.resourceGroups.spawn(THIN_POOL, { resource_definition_name: 'th', volume_sizes: [64 * 1024], definitions_only: true });
  await client.resources.autoplace('th');
  const before = (await client.storagePools.view({ nodes: ['h1'], storagePools: [THIN_POOL] }))[0]!.free_capacity!;
  await writeFile(path.join(dir, 'hosts', 'h1', 'dev', 'drbd1000'), Buffer.alloc(4 * 1024 * 1024, 1), { flag: 'r+' });
  const after = (await client.storagePools.view({ nodes: ['h1'], storagePools: [THIN_POOL] }))[0]!.free_capacity!;
  t.true(before - after >= 4 * 1024, `${before} - ${after}`);
  const [vol] = (await client.resources.view({ resources: ['th'], nodes: ['h1'] }))[0]!.volumes!;
  t.true(vol!.allocated_size_kib! >= 4 * 1024);
});
