// The standalone simulator: `dist/xostor-sim linstor …` as a process (built by `npm run build`).
import test from 'ava';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createLinstorClient, LinstorApiError, RC } from '../../../lib/linstor/index.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const BIN = path.join(ROOT, 'dist', 'xostor-sim');

test.before(() => {
  // `npm test` builds first; a lone `npx ava test/sim/linstor` builds here.
  if (!existsSync(BIN)) spawnSync(process.execPath, [path.join(ROOT, 'scripts', 'build.mjs')], { stdio: 'inherit' });
});

type Running = { child: ChildProcess; url: string; stdout: () => string; exited: Promise<number | null> };

async function start(args: readonly string[]): Promise<Running> {
  const child = spawn(BIN, ['linstor', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const firstLine = await new Promise<string>((resolve, reject) => {
    child.stdout!.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      if (stdout.includes('\n')) resolve(stdout.slice(0, stdout.indexOf('\n')));
    });
    child.on('exit', (code) => reject(new Error(`xostor-sim exited ${code} before printing its URL`)));
  });
  const { url } = JSON.parse(firstLine) as { url: string };
  return { child, url, stdout: () => stdout, exited };
}

test('prints one JSON line with its URL, serves LINSTOR, keeps state across a restart, and stops on SIGTERM', async (t) => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'xostor-sim-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const first = await start(['--listen', '127.0.0.1:0', '--dir', dir, '--disk-size', '2G', '--diskless', 'h2']);
  t.regex(first.url, /^http:\/\/127\.0\.0\.1:\d+$/);
  const client = createLinstorClient({ controllers: [first.url] });
  for (const name of ['h1', 'h2']) await client.nodes.create({ name, type: 'Combined', net_interfaces: [{ name: 'default', address: '127.0.0.1' }] });
  const sp = { storage_pool_name: 'xcp-sr-linstor_group', provider_kind: 'LVM' as const, props: { 'StorDriver/StorPoolName': 'linstor_group' } };
  await client.storagePools.create('h1', sp);
  const error = await t.throwsAsync(client.storagePools.create('h2', sp), { instanceOf: LinstorApiError });
  t.true(error.hasCode(RC.FAIL_STOR_POOL_CONFIGURATION_ERROR));
  t.is((await client.storagePools.get('h1', 'xcp-sr-linstor_group')).total_capacity, 2 * 1024 * 1024);
  await client.close();
  first.child.kill('SIGTERM');
  t.is(await first.exited, 0);
  t.is(first.stdout(), `{"url": "${first.url}"}\n`, 'exactly one line, nothing after it');

  const second = await start(['--listen', '127.0.0.1:0', '--dir', dir]);
  t.teardown(() => second.child.kill('SIGKILL'));
  const again = createLinstorClient({ controllers: [second.url] });
  t.teardown(() => again.close());
  t.deepEqual((await again.nodes.list()).map((n) => n.name), ['h1', 'h2']);
});

test('a bad command line exits 2 with a message on stderr and nothing on stdout', (t) => {
  const result = spawnSync(BIN, ['linstor', '--dir', '/tmp/x'], { encoding: 'utf8' });
  t.is(result.status, 2);
  t.is(result.stdout, '');
  t.regex(result.stderr, /--listen/);
  const unknown = spawnSync(BIN, ['bogus'], { encoding: 'utf8' });
  t.is(unknown.status, 2);
  t.regex(unknown.stderr, /unknown subcommand 'bogus'/);
});
