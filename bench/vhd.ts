// Coalesce throughput against `cp` of the same bytes on the same disk, in-process
// header query of a VHD preallocated for 2 TiB, `linstor-vhd-util query` as a process against `node -e 0`,
// and snapshot creation time. Ratios come from measurements taken in the same run.
import { spawnSync } from 'node:child_process';
import { mkdtemp, open, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { coalesceVhd, createVhd, openChain, snapshotVhd, VhdImage, writeChain } from '../lib/vhd/index.js';
import type { Bench } from './run.js';
import { median, round } from './process-time.js';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const MiB = 2 ** 20;
const TiB = 2 ** 40;
async function timed(fn: () => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  await fn();
  return performance.now() - t0;
}

/** cp of `src` to `dst`, then fsync of the copy (coalesce syncs its parent too). */
async function cpMs(src: string, dst: string): Promise<number> {
  return timed(async () => {
    const r = spawnSync('cp', [src, dst]);
    if (r.status !== 0) throw new Error(`cp failed: ${String(r.stderr)}`);
    const fh = await open(dst, 'r+');
    await fh.sync();
    await fh.close();
  });
}

const bench: Bench = {
  name: 'vhd',
  async run() {
    const dir = await mkdtemp(path.join(tmpdir(), 'vhd-bench-'));
    const ctx = { root: dir };
    try {
      // 1. Coalesce: a child holding 128 MiB in full blocks merged into an empty parent, vs cp of 128 MiB.
      const bytes = 128 * MiB;
      const ratios: number[] = [];
      let coalesceMbPerS = 0;
      for (let round_ = 0; round_ < 5; round_ += 1) {
        await rm(path.join(dir, 'p.vhd'), { force: true });
        await rm(path.join(dir, 'c.vhd'), { force: true });
        await createVhd(ctx, '/p.vhd', { sizeBytes: 256 * MiB, maxSizeBytes: 2 * TiB });
        await snapshotVhd(ctx, '/c.vhd', '/p.vhd', { maxSizeBytes: 2 * TiB, noEmptyCheck: true });
        const chain = await openChain(ctx, '/c.vhd', { writable: true });
        const chunk = Buffer.alloc(8 * MiB, 0x5a);
        for (let at = 0; at < bytes; at += chunk.length) await writeChain(chain, at, chunk);
        await chain.close();
        await writeFile(path.join(dir, 'src.bin'), Buffer.alloc(bytes, 0x5a));
        // Both start from a clean page cache state (no writeback of the set-up competing), in
        // alternating order so that neither always runs second.
        spawnSync('sync');
        // …and with both sources in the page cache (this host reclaims cache proactively).
        spawnSync('cat', [path.join(dir, 'c.vhd'), path.join(dir, 'src.bin')], { stdio: 'ignore' });
        let cp = 0;
        let co = 0;
        if (round_ % 2 === 0) {
          cp = await cpMs(path.join(dir, 'src.bin'), path.join(dir, 'dst.bin'));
          co = await timed(() => coalesceVhd(ctx, '/c.vhd'));
        } else {
          co = await timed(() => coalesceVhd(ctx, '/c.vhd'));
          cp = await cpMs(path.join(dir, 'src.bin'), path.join(dir, 'dst.bin'));
        }
        ratios.push(cp / co);
        if (process.env.VHD_BENCH_DEBUG) process.stderr.write(`round ${round_}: cp ${cp.toFixed(0)} ms, coalesce ${co.toFixed(0)} ms\n`);
        coalesceMbPerS = Math.max(coalesceMbPerS, bytes / MiB / (co / 1000));
        await rm(path.join(dir, 'dst.bin'));
      }
      // 2. In-process header query of a VHD whose BAT is preallocated for 2 TiB.
      await createVhd(ctx, '/big.vhd', { sizeBytes: 100 * 1024 * MiB, maxSizeBytes: 2 * TiB });
      const queries: number[] = [];
      for (let i = 0; i < 300; i += 1) {
        queries.push(
          await timed(async () => {
            const image = await VhdImage.open(ctx, '/big.vhd');
            void [image.virtualSize, image.footer.hidden, image.header.maxBatEntries, image.isDifferencing];
            await image.close();
          }),
        );
      }
      // 3. linstor-vhd-util query as a process, alternating with node -e 0.
      const env = { PATH: process.env['PATH'] ?? '/usr/bin:/bin', LINSTOR_SR_ROOT: dir };
      const tool: number[] = [];
      const node: number[] = [];
      for (let i = 0; i < 23; i += 1) {
        const t0 = performance.now();
        const r = spawnSync(path.join(repo, 'dist/linstor-vhd-util'), ['query', '--debug', '-vsf', '-n', '/big.vhd'], { env });
        const t1 = performance.now();
        if (r.status !== 0) throw new Error(`linstor-vhd-util query failed: ${String(r.stderr)}`);
        spawnSync(process.execPath, ['-e', '0'], { env });
        const t2 = performance.now();
        if (i >= 3) {
          tool.push(t1 - t0);
          node.push(t2 - t1);
        }
      }
      // 4. Snapshot creation (2 TiB preallocation, as SM does).
      const snaps: number[] = [];
      for (let i = 0; i < 20; i += 1) snaps.push(await timed(() => snapshotVhd(ctx, `/s${i}.vhd`, '/big.vhd', { maxSizeBytes: 2 * TiB })));
      return {
        coalesceVsCpRatio: round(median(ratios), 2),
        coalesceBestMiBPerS: round(coalesceMbPerS, 0),
        headerQuery2TiBMs: round(median(queries), 3),
        vhdUtilQueryMs: round(median(tool), 1),
        nodeNoopMs: round(median(node), 1),
        vhdUtilQueryVsNodeRatio: round(median(tool) / median(node), 2),
        snapshotMs: round(median(snaps), 2),
      };
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  },
};

export default bench;
