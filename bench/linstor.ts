// How fast the client and the controller simulator talk, so that later benchmarks know the
// simulator never limits them. The simulator runs as its own process (`dist/xostor-sim linstor`,
// validation off), as the pool simulator runs it; the baseline is a bare node:http server answering
// the same version JSON from another process, measured in the same run with the same client (lib/linstor).
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createLinstorClient, type LinstorApi } from '../lib/linstor/index.js';
import type { Bench } from './run.js';
import { median, round } from './process-time.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** Starts a child that prints `{"url": …}` on its first stdout line. */
async function startChild(argv: readonly string[]): Promise<{ child: ChildProcess; url: string }> {
  const [file, ...args] = argv;
  const child = spawn(file!, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const nl = out.indexOf('\n');
      if (nl >= 0) resolve((JSON.parse(out.slice(0, nl)) as { url: string }).url);
    });
    child.on('exit', (code) => reject(new Error(`${file} exited ${code}`)));
  });
  return { child, url };
}

const BASELINE_SERVER = `
const http = require('node:http');
const body = JSON.stringify({ version: '1.34.0', git_hash: 'x', build_time: 'x', rest_api_version: '1.28.0' });
const server = http.createServer({ keepAlive: true, keepAliveTimeout: 60000 }, (req, res) => {
  req.resume();
  req.on('end', () => { res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) }); res.end(body); });
});
server.listen(0, '127.0.0.1', () => process.stdout.write(JSON.stringify({ url: 'http://127.0.0.1:' + server.address().port }) + '\\n'));
`;

/** Requests per second of `n` calls of `fn`, `concurrency` in flight. */
async function rate(fn: () => Promise<unknown>, n: number, concurrency: number): Promise<number> {
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < n) {
        next += 1;
        await fn();
      }
    }),
  );
  return n / ((performance.now() - started) / 1000);
}

async function populate(client: LinstorApi): Promise<void> {
  const pool = 'xcp-sr-linstor_group_thin_device';
  for (const [i, name] of ['h1', 'h2', 'h3'].entries()) {
    await client.nodes.create({ name, type: 'Combined', net_interfaces: [{ name: 'default', address: `127.0.0.${i + 1}` }] });
    await client.storagePools.create(name, { storage_pool_name: pool, provider_kind: 'LVM_THIN', props: { 'StorDriver/StorPoolName': 'linstor_group/thin_device' } });
  }
  await client.resourceGroups.create({ name: pool, select_filter: { place_count: 2, storage_pool: pool, diskless_on_remaining: false } });
  await client.resourceGroups.createVolumeGroup(pool);
  for (let i = 0; i < 20; i += 1) {
    const rd = `xcp-volume-${String(i).padStart(4, '0')}`;
    await client.resourceGroups.spawn(pool, { resource_definition_name: rd, volume_sizes: [1024 * 1024], definitions_only: true });
    await client.resources.autoplace(rd);
    await client.keyValueStore.modify(pool, { override_props: { [`/xcp/volume/${i}/volume-name`]: rd, [`/xcp/volume/${i}/not-exists`]: '0' } });
  }
}

/**
 * Median rates of `a` and `b` over `rounds` alternating rounds (after a warm-up of each), so that
 * machine load drifts affect both alike.
 */
async function paired(a: () => Promise<unknown>, b: () => Promise<unknown>, n: number, concurrency: number, rounds = 5): Promise<[number, number]> {
  await rate(a, 300, concurrency);
  await rate(b, 300, concurrency);
  const ra: number[] = [];
  const rb: number[] = [];
  for (let i = 0; i < rounds; i += 1) {
    ra.push(await rate(a, n, concurrency));
    rb.push(await rate(b, n, concurrency));
  }
  return [median(ra), median(rb)];
}

const bench: Bench = {
  name: 'linstor',
  async run() {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'bench-linstor-'));
    const sim = await startChild([path.join(root, 'dist', 'xostor-sim'), 'linstor', '--listen', '127.0.0.1:0', '--dir', dir]);
    const base = await startChild([process.execPath, '-e', BASELINE_SERVER]);
    const client = createLinstorClient({ controllers: [sim.url] });
    const baseline = createLinstorClient({ controllers: [base.url] });
    try {
      await populate(client);
      const [version, versionBaseline] = await paired(() => client.controller.version(), () => baseline.controller.version(), 1000, 1);
      const [version8, version8Baseline] = await paired(() => client.controller.version(), () => baseline.controller.version(), 2000, 8);
      const view = await rate(() => client.resources.view(), 300, 1);
      const kvList = await rate(() => client.keyValueStore.list(), 1000, 1);
      let k = 0;
      const kvWrite = await rate(() => client.keyValueStore.modify('bench-kv', { override_props: { [`k/${(k += 1) % 50}`]: String(k) } }), 500, 1);
      return {
        version_req_per_s: Math.round(version),
        version_req_per_s_8_in_flight: Math.round(version8),
        ratio_to_bare_http: round(version / versionBaseline),
        ratio_to_bare_http_8_in_flight: round(version8 / version8Baseline),
        view_resources_60_req_per_s: Math.round(view),
        kv_list_req_per_s: Math.round(kvList),
        kv_write_persisted_req_per_s: Math.round(kvWrite),
        client_requests: client.stats().requests,
      };
    } finally {
      await client.close();
      await baseline.close();
      sim.child.kill('SIGTERM');
      base.child.kill('SIGTERM');
      await new Promise((r) => sim.child.once('exit', r));
      await rm(dir, { recursive: true, force: true });
    }
  },
};

export default bench;
