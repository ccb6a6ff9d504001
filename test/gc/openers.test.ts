import test from 'ava';
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { openersOfVolumes, volumeOpeners } from '../../gc/openers.js';
import type { GcContext } from '../../gc/sr-context.js';
import type { VdiUuid, VolumeManager } from '../../lib/volume/index.js';

const A = '11111111-1111-4111-8111-111111111111' as VdiUuid;
const B = '22222222-2222-4222-8222-222222222222' as VdiUuid;
const GONE = '33333333-3333-4333-8333-333333333333' as VdiUuid;
const RESOURCES: Record<string, string> = { [A]: 'xcp-volume-a', [B]: 'xcp-volume-b' };

/** A pool of host1 (this host), host2 and host3 (asked through the plugin; host3's call fails). */
async function setup(nodesOf: Record<string, string[]>) {
  const root = await mkdtemp(path.join(os.tmpdir(), 'gc-openers-'));
  const dir = path.join(root, 'sys/kernel/debug/drbd/resources/xcp-volume-a/volumes/0');
  await mkdir(dir, { recursive: true });
  await writeFile(path.join(dir, 'openers'), 'tapdisk 4242 1000\n');
  const calls: { host: string; resource: string }[] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  const callPlugin = async (host: string, _plugin: string, fn: string, args: Record<string, string>) => {
    calls.push({ host, resource: args['resourceName'] ?? '' });
    inFlight += 1;
    maxInFlight = Math.max(maxInFlight, inFlight);
    // Stay in flight for a few turns of the event loop, so that calls made together overlap.
    for (let i = 0; i < 3; i += 1) await new Promise((r) => setImmediate(r));
    inFlight -= 1;
    if (fn !== 'getDrbdOpeners') throw new Error(fn);
    if (host === 'ref3') throw new Error('host3 is offline');
    return args['resourceName'] === 'xcp-volume-b' ? JSON.stringify({ 77: { 'process-name': 'dd', 'open-duration': '5' } }) : '{}';
  };
  const ctx = {
    node: 'host1',
    hostRef: 'ref1',
    env: { root },
    hostnames: new Map([
      ['ref1', 'host1'],
      ['ref2', 'host2'],
      ['ref3', 'host3'],
    ]),
    xapi: { host: { callPlugin } },
  } as unknown as GcContext;
  const volumes = {
    has: (u: VdiUuid) => u in RESOURCES,
    resourceName: (u: VdiUuid) => RESOURCES[u],
    usageStates: async (u: VdiUuid) => new Map((nodesOf[u] ?? []).map((n) => [n, false])),
  } as unknown as VolumeManager;
  return { ctx, volumes, calls, maxInFlight: () => maxInFlight };
}

test('a volume’s openers: this host’s debugfs file read directly, the other nodes through the plugin, an unreachable node skipped', async (t) => {
  const { ctx, volumes, calls } = await setup({ [A]: ['host1', 'HOST2', 'host3'], [B]: ['host2'] });
  t.deepEqual(await volumeOpeners(ctx, volumes, A), [{ hostRef: 'ref1', hostname: 'host1', pid: '4242', process: 'tapdisk' }]);
  t.deepEqual(
    calls.map((c) => c.host),
    ['ref2', 'ref3'],
    'no plugin call for this host',
  );
  t.deepEqual(await volumeOpeners(ctx, volumes, B), [{ hostRef: 'ref2', hostname: 'host2', pid: '77', process: 'dd' }]);
});

test('the nodes of a volume, and the volumes of one check, are asked at once', async (t) => {
  const nodes = await setup({ [A]: ['host1', 'host2', 'host3'] });
  await volumeOpeners(nodes.ctx, nodes.volumes, A);
  t.is(nodes.maxInFlight(), 2, 'host2 and host3 together');

  const pair = await setup({ [A]: ['host1', 'host2'], [B]: ['host1', 'host2'] });
  const found = await openersOfVolumes(pair.ctx, pair.volumes, [B, GONE, A]);
  t.is(pair.maxInFlight(), 2, 'both volumes’ host2 calls together');
  t.deepEqual([...found.keys()], [B, A], 'in the order asked, a volume that is gone left out');
  t.deepEqual(found.get(B), [{ hostRef: 'ref2', hostname: 'host2', pid: '77', process: 'dd' }]);
  t.deepEqual(found.get(A), [{ hostRef: 'ref1', hostname: 'host1', pid: '4242', process: 'tapdisk' }]);
});
