// The garbage collector on the simulated pool.
//   fixed cost   a dist/linstor-gc run with nothing to do (median of 3): process start, XAPI login and
//                lookups, controller discovery, the sm locks, one inventory; its LINSTOR requests and
//                plugin calls.
//   coalesce     throughput through the whole GC path (dist/linstor-gc run on the master: discovery,
//                locks, plan, inflate, merge, relink, delete, then the leaf-coalesce of the emptied leaf)
//                of a hidden layer holding MERGED_MIB of random data, as a ratio to `cp` + `sync <copy>` of the
//                very same bytes taken just before it (target ≥ 0.7×; median of 3 such pairs, the disk being
//                shared with whatever else runs); the merge step alone too. Everything dirty is synced
//                before each timed section, and each side flushes only what it wrote (a global sync would
//                also flush cp's freshly written source and the machine's other writes).
//   chain_of_10  time for the GC to collapse a chain of 10 layers (8 merges, then the leaf into the base).
import { execa } from 'execa';
import { randomBytes } from 'node:crypto';
import { mkdtemp, open, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { computeVolumeSize, openChain, writeChain } from '../lib/vhd/index.js';
import { asVdiUuid } from '../lib/volume/index.js';
import { buildChain, parents, type Layer } from '../sim/fixtures/chain.js';
import { createdSr } from '../sim/fixtures/sr-create.js';
import { openVolumes } from '../sim/fixtures/volumes.js';
import { runGc } from '../sim/fixtures/collector.js';
import type { SrOnPool } from '../sim/fixtures/sr.js';
import { median, round } from './process-time.js';
import type { Bench } from './run.js';

const MIB = 1024 * 1024;
/** Large enough that the run's fixed cost is a small share of the coalesce time. */
const MERGED_MIB = 1024;
const TARGET = 0.7;
const COALESCE_RUNS = 3;

function fakeT() {
  const teardowns: (() => Promise<void>)[] = [];
  return { teardown: (fn: () => Promise<void>) => void teardowns.push(fn), close: async () => { for (const fn of teardowns.reverse()) await fn().catch(() => undefined); } };
}

const id = (chain: number, i: number) => `77777777-7777-4777-8${String(chain).padStart(3, '0')}-${String(i).padStart(12, '0')}`;

const CHUNK = 64 * MIB;

/** A file of `bytes` random bytes: what cp copies and what the merged layer holds. */
async function randomFile(file: string, bytes: number): Promise<void> {
  const out = await open(file, 'w');
  try {
    for (let offset = 0; offset < bytes; offset += CHUNK) await out.write(randomBytes(Math.min(CHUNK, bytes - offset)));
  } finally {
    await out.close();
  }
}

/**
 * Writes the content of `src` at offset 0 of the VHD of `uuid` on host1 (so that the merge moves the very
 * bytes cp copies: incompressible, as a guest's data mostly is, where a constant fill could be cheaper
 * for the disk to store).
 */
async function writeFileInto(fx: SrOnPool, uuid: string, src: string, bytes: number): Promise<void> {
  const volumes = await openVolumes(fx);
  const chain = await openChain({ root: fx.pool.runtime.host('host1').spec.root }, volumes.devicePath(asVdiUuid(uuid)), { writable: true });
  const input = await open(src, 'r');
  try {
    for (let offset = 0; offset < bytes; offset += CHUNK) {
      const buf = Buffer.allocUnsafe(Math.min(CHUNK, bytes - offset));
      const { bytesRead } = await input.read(buf, 0, buf.length, offset);
      await writeChain(chain, offset, buf.subarray(0, bytesRead));
    }
  } finally {
    await input.close();
    await chain.close();
  }
}

/**
 * `cp` of `src`, then `sync` of the copy: fsync of that one file, as the merge fsyncs the parent it
 * wrote (a bare `sync` would also flush whatever else the machine has dirty). Everything dirty is
 * flushed before the clock starts.
 */
async function cpMs(dir: string, src: string): Promise<number> {
  const dst = path.join(dir, 'cp-dst');
  await execa('sync', []);
  const started = performance.now();
  await execa('cp', [src, dst]);
  await execa('sync', [dst]);
  const ms = performance.now() - started;
  await rm(dst, { force: true });
  return ms;
}

/** One timed linstor-gc run with the LINSTOR requests and plugin calls it caused. */
async function timedGc(fx: SrOnPool) {
  const sim = fx.pool.runtime.controller.sim;
  sim?.controls.resetCounters();
  const executions = fx.pool.xapi.executions.length;
  const started = performance.now();
  const r = await runGc(fx, []);
  const ms = performance.now() - started;
  if (r.exitCode !== 0) throw new Error(`linstor-gc failed (${r.exitCode}): ${r.stderr}`);
  const plugins = fx.pool.xapi.executions.slice(executions).filter((e) => e.kind === 'plugin');
  // With 2 hosts the collector makes its plugin calls one at a time: their summed time is time the run waited.
  return { r, ms, linstor: sim?.controls.counters().total ?? NaN, pluginCalls: plugins.length, pluginMs: plugins.reduce((sum, e) => sum + e.durationMs, 0) };
}

const bench: Bench = {
  name: 'gc',
  async run() {
    const t = fakeT();
    const dir = await mkdtemp(path.join(os.tmpdir(), 'bench-gc-'));
    try {
      // An SR made by sr_create (controller database on DRBD), so discovery goes the way it goes on a pool.
      const fx = await createdSr(t, 2);
      // (0) the fixed cost: an SR with nothing to collect
      const idle = [];
      for (let i = 0; i < 3; i += 1) idle.push(await timedGc(fx));
      const idleMs = median(idle.map((x) => x.ms));
      // (1) base (small volume: the collector inflates it) ← mid (MERGED_MIB of data, hidden) ← leaf, in
      // COALESCE_RUNS pairs of a cp and a GC run taken back to back, so that each ratio compares two
      // measurements made under the same load (the disk is shared); the median pair is reported.
      const src = path.join(dir, 'cp-src');
      await randomFile(src, MERGED_MIB * MIB);
      const virtual = (MERGED_MIB + 64) * MIB;
      const full = computeVolumeSize(virtual, 'vhd');
      const pairs = [];
      for (let run = 0; run < COALESCE_RUNS; run += 1) {
        const chain = 10 + run;
        await buildChain(fx, [
          { uuid: id(chain, 1), label: 'base copy', hidden: true, volumeBytes: 8 * MIB, virtualBytes: virtual, writes: [{ offset: 0, length: MIB, fill: 1 }] },
          { uuid: id(chain, 2), label: 'base copy', parent: id(chain, 1), hidden: true, volumeBytes: full },
          { uuid: id(chain, 3), label: 'disk', parent: id(chain, 2), volumeBytes: full },
        ]);
        await writeFileInto(fx, id(chain, 2), src, MERGED_MIB * MIB);
        const cp = await cpMs(dir, src);
        await execa('sync', []);
        const whole = await timedGc(fx);
        const merge = /(\d+) bytes merged in (\d+) ms/.exec(whole.r.stdout);
        pairs.push({ cp, whole, mergeMs: Number(merge?.[2] ?? NaN), mergedBytes: Number(merge?.[1] ?? NaN) });
      }
      await rm(src, { force: true });
      pairs.sort((x, y) => x.cp / x.whole.ms - y.cp / y.whole.ms);
      const { cp, whole, mergeMs, mergedBytes } = pairs[Math.floor(pairs.length / 2)]!;
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
      await execa('sync', []);
      const chain = await timedGc(fx);
      const left = [...(await parents(fx)).entries()].filter(([u]) => u.startsWith('77777777-7777-4777-8001'));
      const gcRunVsCp = cp / whole.ms;
      // What the run spends besides the merge: the fixed cost, the opener checks (plugin calls), inflate,
      // relink, delete, and the leaf-coalesce of the emptied leaf.
      const besidesMerge = whole.ms - mergeMs;
      return {
        fixed_cost: {
          idle_run_ms: round(idleMs, 0),
          idle_runs_ms: idle.map((x) => round(x.ms, 0)),
          linstor_requests: median(idle.map((x) => x.linstor)),
          plugin_calls: median(idle.map((x) => x.pluginCalls)),
        },
        coalesce: {
          merged_mib: round(mergedBytes / MIB),
          cp_ms: round(cp, 0),
          merge_ms: mergeMs,
          gc_run_ms: round(whole.ms, 0),
          merge_vs_cp: round(cp / mergeMs),
          gc_run_vs_cp: round(gcRunVsCp),
          gc_run_vs_cp_runs: pairs.map((x) => round(x.cp / x.whole.ms)),
          // [cp_ms, gc_run_ms] of each pair, in the same order.
          runs_ms: pairs.map((x) => [round(x.cp, 0), round(x.whole.ms, 0)]),
          target_vs_cp: TARGET,
          target_met: gcRunVsCp >= TARGET,
          besides_merge_ms: round(besidesMerge, 0),
          // Without the fixed cost of a run (what a second coalesce in the same run would pay).
          gc_run_less_fixed_vs_cp: round(cp / (whole.ms - idleMs)),
          linstor_requests: whole.linstor,
          plugin_calls: whole.pluginCalls,
          plugin_calls_ms: round(whole.pluginMs, 0),
        },
        chain_of_10: {
          chain10_ms: round(chain.ms, 0),
          layers_left: left.length,
          coalesces: (chain.r.stdout.match(/done: coalesce/g) ?? []).length,
          leaf_coalesces: (chain.r.stdout.match(/done: leaf-coalesce/g) ?? []).length,
          linstor_requests: chain.linstor,
          plugin_calls: chain.pluginCalls,
          plugin_calls_ms: round(chain.pluginMs, 0),
        },
      };
    } finally {
      await t.close();
      await rm(dir, { recursive: true, force: true });
    }
  },
};
export default bench;
