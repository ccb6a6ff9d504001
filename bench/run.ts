// `npm run bench`: runs every benchmark module, prints its figures and writes bench/results.json.
// Figures are reported as ratios to a baseline measured in the same run, never asserted in tests.
import { writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

/** A benchmark module: returns named figures (numbers, or objects of numbers). */
export type Bench = { readonly name: string; run(): Promise<Record<string, unknown>> };

const here = path.dirname(fileURLToPath(import.meta.url));

/** Each issue that adds a benchmark adds its module here. */
const MODULES: readonly string[] = ['./driver-info.ts', './vhd.ts', './linstor.ts', './pool.ts', './verbs.ts', './snapshot.ts', './gc.ts', './chaos.ts'];

const results: Record<string, unknown> = { date: new Date().toISOString(), node: process.version };
for (const file of MODULES) {
  const mod = (await import(file)) as { default: Bench };
  const started = performance.now();
  process.stdout.write(`== ${mod.default.name}\n`);
  const figures = await mod.default.run();
  for (const [k, v] of Object.entries(figures)) process.stdout.write(`  ${k}: ${JSON.stringify(v)}\n`);
  process.stdout.write(`  (${((performance.now() - started) / 1000).toFixed(1)} s)\n`);
  results[mod.default.name] = figures;
}
await writeFile(path.join(here, 'results.json'), JSON.stringify(results, null, 2) + '\n');
process.stdout.write(`wrote bench/results.json\n`);
