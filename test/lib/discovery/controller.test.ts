import test from 'ava';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { discoverController, ControllerNotFoundError, type DiscoveryDeps, type PoolHost } from '../../../lib/discovery/controller.js';
import { run } from '../../../lib/exec/run.js';
import { createLogger, MemorySink } from '../../../lib/log/logger.js';
import { createXapi } from '../../../lib/xapi/index.js';
import type { SimPool } from '../../../sim/pool/pool.js';
import { controllerOn, seedResource, tmpPool } from '../../sim/pool/helpers.js';
import { tool } from '../../../sim/fixtures/host-tool.js';

/** Discovery as the driver on `host` runs it: host tools on PATH, XAPI through the host's socket. */
async function deps(pool: SimPool, host: string, withXapi = true): Promise<DiscoveryDeps> {
  const env = { PATH: pool.pathFor(host) };
  const base: DiscoveryDeps = {
    exec: (file, args, options) => run(file, args, { ...options, env }),
    root: pool.runtime.host(host).spec.root,
    log: createLogger(new MemorySink()),
    attempts: 2,
    retryDelayMs: 10,
  };
  if (!withXapi) return base;
  const xapi = createXapi({ endpoint: { socketPath: pool.xapiSockets[host]! } });
  await xapi.client.loginWithPassword('root', '');
  return {
    ...base,
    localAddress: async () => pool.runtime.host(host).spec.address,
    pool: {
      async hosts(): Promise<PoolHost[]> {
        const records = await xapi.host.getAllRecords();
        return Object.entries(records).map(([ref, r]) => ({ ref, hostname: r.hostname, address: r.address, enabled: r.enabled }));
      },
      async hasControllerRunning(h) {
        return (await xapi.host.callPlugin(h.ref, 'linstor-manager', 'hasControllerRunning', {})) === 'True';
      },
    },
  };
}

/** A pool whose controller database is promoted by drbd-reactor on host2 (diskful on host1/host2, diskless on host3). */
async function promotedOnHost2(t: Parameters<typeof tmpPool>[0], hosts = 3) {
  const pool = await tmpPool(t, hosts);
  const api = await controllerOn(pool, 'host1');
  await seedResource(api, pool, 'xcp-persistent-database', ['host1', 'host2'], hosts >= 3 ? ['host3'] : []);
  await tool(pool, 'host1', 'systemctl', ['stop', 'linstor-controller']);
  for (const h of pool.spec.hosts) {
    await mkdir(path.join(h.root, 'etc/drbd-reactor.d'), { recursive: true });
    await writeFile(path.join(h.root, 'etc/drbd-reactor.d/sm-linstor.toml'), '[[promoter]]\n');
  }
  await tool(pool, 'host2', 'systemctl', ['enable', '--now', 'drbd-reactor']);
  return pool;
}

test('a peer holding the database Primary is found through drbdadm and drbdsetup', async (t) => {
  const pool = await promotedOnHost2(t);
  const found = await discoverController(await deps(pool, 'host3'));
  t.deepEqual(found, { uris: [`linstor://${pool.spec.hosts[1]!.address}`], via: 'peer-database', nodeName: 'host2' });
});

test('on the controller host, discovery answers its own address, never localhost', async (t) => {
  const pool = await promotedOnHost2(t);
  const found = await discoverController(await deps(pool, 'host2'));
  t.deepEqual(found, { uris: [`linstor://${pool.spec.hosts[1]!.address}`], via: 'local-database', nodeName: undefined });
});

test('a host without the database device asks every host through the plugin', async (t) => {
  const pool = await promotedOnHost2(t, 4);
  // host4 has no database resource (4+ hosts): drbdadm knows nothing there.
  const found = await discoverController(await deps(pool, 'host4'));
  t.deepEqual(found, { uris: [`linstor://${pool.spec.hosts[1]!.address}`], via: 'plugin', nodeName: 'host2' });
});

test('without a controller anywhere, discovery fails after its attempts', async (t) => {
  const pool = await tmpPool(t, 2);
  await t.throwsAsync(discoverController(await deps(pool, 'host1')), { instanceOf: ControllerNotFoundError });
});

test('without XAPI and with HA on, every xhad.conf address is a candidate, this host first', async (t) => {
  const pool = await tmpPool(t, 3, { ha: true });
  const found = await discoverController(await deps(pool, 'host2', false));
  t.deepEqual(found.uris, [2, 1, 3].map((i) => `linstor://${pool.spec.hosts[i - 1]!.address}`));
  t.is(found.via, 'xha-config');
});
