// `npm run bench`: runs every benchmark module, prints its figures and writes bench/results.json.
// `npm run bench -- snapshot verbs` runs only the named ones and updates their entries in results.json.
// Figures are reported as ratios to a baseline measured in the same run, never asserted in tests.
import { readFile, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

/** A benchmark module: returns named figures (numbers, or objects of numbers). */
export type Bench = { readonly name: string; run(): Promise<Record<string, unknown>> };

const here = path.dirname(fileURLToPath(import.meta.url));

/** Each issue that adds a benchmark adds its module here. */
const MODULES: readonly string[] = ['./driver-info.ts', './vhd.ts', './linstor.ts', './pool.ts', './verbs.ts', './snapshot.ts', './gc.ts', './chaos.ts', './agent.ts'];

const only = process.argv.slice(2);
const resultsFile = path.join(here, 'results.json');
const earlier = only.length > 0 ? ((await readFile(resultsFile, 'utf8').then(JSON.parse, () => ({}))) as Record<string, unknown>) : {};
const results: Record<string, unknown> = { ...earlier, date: new Date().toISOString(), node: process.version };
const benches = await Promise.all(MODULES.map(async (file) => ((await import(file)) as { default: Bench }).default));
const unknown = only.filter((name) => !benches.some((b) => b.name === name));
if (unknown.length > 0) throw new Error(`no benchmark named ${unknown.join(', ')} (there are: ${benches.map((b) => b.name).join(', ')})`);
for (const bench of benches.filter((b) => only.length === 0 || only.includes(b.name))) {
  const started = performance.now();
  process.stdout.write(`== ${bench.name}\n`);
  const figures = await bench.run();
  for (const [k, v] of Object.entries(figures)) process.stdout.write(`  ${k}: ${JSON.stringify(v)}\n`);
  process.stdout.write(`  (${((performance.now() - started) / 1000).toFixed(1)} s)\n`);
  results[bench.name] = figures;
}
await writeFile(resultsFile, JSON.stringify(results, null, 2) + '\n');
process.stdout.write(`wrote bench/results.json\n`);
