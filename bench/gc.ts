// Issue #8: the garbage collector on the simulated pool. (1) Coalesce throughput through the whole GC
// path (dist/linstor-gc run on the master: discovery, locks, plan, inflate, merge, relink, delete) as a
// ratio to `cp` of the same bytes in the same run; the merge step alone too. (2) Time for the GC to
// collapse a chain of 10 layers (9 hidden snapshots' worth of merges) into one base under the leaf.
import { execa } from 'execa';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { srFixture } from '../test/e2e/sr-fixture.js';
import { buildChain, parents, runGc, type Layer } from '../test/gc/helpers.js';
import { round } from './process-time.js';
import type { Bench } from './run.js';

const MIB = 1024 * 1024;
const MERGED_MIB = 48;

function fakeT() {
  const teardowns: (() => Promise<void>)[] = [];
  return { teardown: (fn: () => Promise<void>) => void teardowns.push(fn), close: async () => { for (const fn of teardowns.reverse()) await fn().catch(() => undefined); } };
}

const id = (chain: number, i: number) => `77777777-7777-4777-8${String(chain).padStart(3, '0')}-${String(i).padStart(12, '0')}`;

async function cpMs(dir: string, bytes: number): Promise<number> {
  const src = path.join(dir, 'cp-src');
  await writeFile(src, randomBytes(bytes));
  const started = performance.now();
  await execa('cp', [src, path.join(dir, 'cp-dst')]);
  await execa('sync', []);
  return performance.now() - started;
}

const bench: Bench = {
  name: 'gc',
  async run() {
    const t = fakeT();
    const dir = await mkdtemp(path.join(os.tmpdir(), 'bench-gc-'));
    try {
      const fx = await srFixture(t, { hosts: 2, diskGiB: 40 });
      // (1) base ← mid (MERGED_MIB of data, hidden) ← leaf
      const big = 96 * MIB;
      await buildChain(fx, [
        { uuid: id(0, 1), label: 'base copy', hidden: true, volumeBytes: big, virtualBytes: 64 * MIB, writes: [{ offset: 0, length: MIB, fill: 1 }] },
        { uuid: id(0, 2), label: 'base copy', parent: id(0, 1), hidden: true, volumeBytes: big, writes: [{ offset: 0, length: MERGED_MIB * MIB, fill: 2 }] },
        { uuid: id(0, 3), label: 'disk', parent: id(0, 2), volumeBytes: big },
      ]);
      const cp = await cpMs(dir, MERGED_MIB * MIB);
      const started = performance.now();
      const r = await runGc(fx, []);
      const wholeMs = performance.now() - started;
      if (r.exitCode !== 0) throw new Error(`linstor-gc failed: ${r.stderr}`);
      const merge = /(\d+) bytes merged in (\d+) ms/.exec(r.stdout);
      const mergeMs = Number(merge?.[2] ?? NaN);
      const mergedBytes = Number(merge?.[1] ?? NaN);
      // (2) a chain of 10: base ← s1 … s8 (hidden) ← leaf, every layer with its own 1 MiB
      const layers: Layer[] = [];
      for (let i = 0; i < 10; i += 1) {
        layers.push({
          uuid: id(1, i),
          label: i === 9 ? 'disk' : 'base copy',
          ...(i > 0 ? { parent: id(1, i - 1) } : {}),
          hidden: i < 9,
          writes: [{ offset: i * MIB, length: MIB, fill: 0x10 + i }],
        });
      }
      await buildChain(fx, layers);
      const chainStarted = performance.now();
      const c = await runGc(fx, []);
      const chainMs = performance.now() - chainStarted;
      if (c.exitCode !== 0) throw new Error(`linstor-gc failed: ${c.stderr}`);
      const left = [...(await parents(fx)).entries()].filter(([u]) => u.startsWith('77777777-7777-4777-8001'));
      return {
        coalesce: {
          merged_mib: round(mergedBytes / MIB),
          cp_ms: round(cp),
          merge_ms: mergeMs,
          gc_run_ms: round(wholeMs),
          merge_vs_cp: round(cp / mergeMs),
          gc_run_vs_cp: round(cp / wholeMs),
        },
        chain_of_10: { gc_run_ms: round(chainMs), layers_left: left.length, coalesces: (c.stdout.match(/done: coalesce/g) ?? []).length },
      };
    } finally {
      await t.close();
      await rm(dir, { recursive: true, force: true });
    }
  },
};
export default bench;
