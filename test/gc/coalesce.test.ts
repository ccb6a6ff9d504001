/**
 * The merge step of a coalesce (gc/coalesce.ts mergeIntoParent) on a simulated pool, for its progress:
 * merged here, the callback follows the blocks up to the child's allocated bytes; merged on the host
 * where the chain is open (plugin `coalesce`), it sees only 0% and 100%, and the log says so.
 */
import test from 'ava';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { MemorySink } from '../../lib/log/logger.js';
import { coalesceVhd } from '../../lib/vhd/index.js';
import { asVdiUuid } from '../../lib/volume/index.js';
import { mergeIntoParent } from '../../gc/coalesce.js';
import { contentOf, gcContextOn as contextOn, underLockOf } from './helpers.js';
import { buildChain, type Layer } from '../../sim/fixtures/chain.js';
import { createdSr } from '../../sim/fixtures/sr-create.js';
import { openVolumes } from '../../sim/fixtures/volumes.js';

const BASE = '55555555-5555-4555-8555-000000000001';
const MID = '55555555-5555-4555-8555-000000000002';
const MiB = 2 ** 20;

// MID holds data in blocks 0, 1 and 3 (2 MiB blocks): 6 MiB of allocated blocks to merge.
const CHAIN: Layer[] = [
  { uuid: BASE, label: 'base copy', hidden: true, writes: [{ offset: 0, length: 3 * MiB, fill: 0x61 }] },
  { uuid: MID, label: 'base copy', parent: BASE, hidden: true, writes: [{ offset: MiB, length: 2 * MiB, fill: 0x62 }, { offset: 7 * MiB, length: 4096, fill: 0x63 }] },
];

test('merged here: progress follows the blocks, never backwards, up to the child\'s allocated bytes', async (t) => {
  t.timeout(5 * 60_000);
  const fx = await createdSr(t);
  await buildChain(fx, CHAIN);
  const expected = await contentOf(fx, MID);
  const ctx = contextOn(fx, new MemorySink(), () => Promise.reject(new Error('no plugin call expected')));
  const calls: [number, number][] = [];
  const r = await mergeIntoParent(ctx, underLockOf(fx, ctx), MID, BASE, (done, total) => calls.push([done, total]));
  t.is(r.sectors, (2 * MiB + 4096) / 512);
  t.deepEqual(calls.at(0), [0, 6 * MiB]);
  t.deepEqual(calls.at(-1), [6 * MiB, 6 * MiB]);
  t.true(calls.length >= 3, `one call per block: ${JSON.stringify(calls)}`);
  t.true(calls.every(([d, tot], i) => tot === 6 * MiB && (i === 0 || d >= (calls[i - 1]?.[0] ?? 0))));
  t.true((await contentOf(fx, BASE)).subarray(0, expected.length).equals(expected), 'the parent now reads as the child did');
});

test('merged where the chain is open: 0% then 100%, and the log says the merge runs remotely', async (t) => {
  t.timeout(5 * 60_000);
  const fx = await createdSr(t);
  await buildChain(fx, CHAIN);
  const expected = await contentOf(fx, MID);
  // A tapdisk on host2 holds the parent's device (what tap-ctl leaves in the openers file).
  const volumes = await openVolumes(fx);
  const resource = volumes.resourceName(asVdiUuid(BASE));
  const openers = path.join(fx.pool.runtime.host('host2').spec.root, `sys/kernel/debug/drbd/resources/${resource}/volumes/0/openers`);
  await mkdir(path.dirname(openers), { recursive: true });
  await writeFile(openers, 'tapdisk 4242 1000\n');
  const sink = new MemorySink();
  const root = fx.pool.runtime.host('host1').spec.root;
  const calls: [number, number][] = [];
  const plugin: { host: string; fn: string; progressBefore: number }[] = [];
  // host2's plugin stands in for itself: the merge is done here, on the same devices.
  // It speaks the 2026 protocol: it knows getInfo and answers bytes to a caller that sends vdiType.
  const ctx = contextOn(fx, sink, async (host, fn, args) => {
    plugin.push({ host, fn, progressBefore: calls.length });
    t.like(args, { devicePath: args['devicePath'], groupName: fx.groupName, vdiType: 'vhd' });
    if (fn === 'getInfo') return '{}';
    return String((await coalesceVhd({ root }, args['devicePath'] ?? '')) * 512);
  });
  const r = await mergeIntoParent(ctx, underLockOf(fx, ctx), MID, BASE, (done, total) => calls.push([done, total]));
  const host2 = fx.pool.xapi.host('host2').ref;
  t.deepEqual(plugin, [{ host: host2, fn: 'getInfo', progressBefore: 1 }, { host: host2, fn: 'coalesce', progressBefore: 1 }], '0% is reported before the remote merge starts');
  t.deepEqual(calls, [[0, 6 * MiB], [6 * MiB, 6 * MiB]]);
  t.is(r.sectors, (2 * MiB + 4096) / 512);
  t.regex(sink.text(), /merging on host2, where .* is open \(pid 4242 tapdisk\): no progress until it ends/);
  t.true((await contentOf(fx, BASE)).subarray(0, expected.length).equals(expected));
});
