// The controller's database backup endpoint: a real zip where the controller keeps its database.
import test from 'ava';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { LinstorHttp } from '../../../lib/linstor/index.js';
import { readZipEntries } from '../../../lib/zip/zip.js';
import { startEnv } from './sim-env.js';

test('POST /v1/controller/backup/db writes <name>.zip, a readable zip holding linstordb.mv.db, in the controller host\'s /var/lib/linstor', async (t) => {
  const { client, sim, dir } = await startEnv(t);
  await client.resourceDefinitions.create({ resource_definition: { name: 'r1' } });
  const http = new LinstorHttp({ controllers: [sim.url] });
  t.teardown(() => http.close());
  const answer = await http.request('POST', '/v1/controller/backup/db', { body: { backup_name: 'linstor_database_backup-20260101_120000-create' } });
  t.truthy(answer);
  const zip = await readFile(path.join(dir, 'controller', 'var', 'lib', 'linstor', 'linstor_database_backup-20260101_120000-create.zip'));
  const entries = readZipEntries(zip);
  t.is(entries.length, 1);
  t.is(entries[0]!.name, 'linstordb.mv.db');
  t.true(entries[0]!.size > 0);
  t.deepEqual(sim.violations, []);
});

test('a backup name that is missing or names another folder is refused', async (t) => {
  const { sim } = await startEnv(t);
  const http = new LinstorHttp({ controllers: [sim.url] });
  t.teardown(() => http.close());
  await t.throwsAsync(http.request('POST', '/v1/controller/backup/db', { body: { backup_name: '../escape' } }));
  await t.throwsAsync(http.request('POST', '/v1/controller/backup/db', { body: {} }));
});
