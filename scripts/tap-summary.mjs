// Reads ava's TAP output on stdin, echoes it, and ends with the ten test files that took the most time,
// then the plain line CI reads: "N passed, N failed" (plus ", N skipped" when some were). Exits 1 when
// a test failed or none ran.
//
// ava's TAP gives no durations, so a file's time is estimated from when its results arrive: each result
// is charged the time since the result before it (of any file), and a file's charges are summed. With
// files running side by side this is each file's share of the wall clock, not its own run time.
import { writeFileSync } from 'node:fs';
import readline from 'node:readline';

const SLOWEST = 10;
let passed = 0;
let failed = 0;
let skipped = 0;
const charged = new Map();
// From the first line (ava's "TAP version 13"): the start-up before it is nobody's.
let last;
const rl = readline.createInterface({ input: process.stdin });
for await (const line of rl) {
  process.stdout.write(line + '\n');
  last ??= performance.now();
  const m = /^(not ok|ok) \d+ - (.*)$/.exec(line);
  if (!m) continue;
  const now = performance.now();
  // "file › title" (ava names a test after its file, folders joined by " › ").
  const name = m[2].replace(/ # (SKIP|TODO)\b.*$/i, '');
  const parts = name.split(' › ');
  const file = parts.length > 1 ? parts.slice(0, -1).join(' › ') : name;
  charged.set(file, (charged.get(file) ?? 0) + (now - last));
  last = now;
  if (/# (SKIP|TODO)/i.test(line)) skipped += 1;
  else if (m[1] === 'ok') passed += 1;
  else failed += 1;
}
const ranked = [...charged].sort((a, b) => b[1] - a[1]);
// Every file's share, for whoever works on the suite's time (TAP_SUMMARY_TIMES names the file).
if (process.env.TAP_SUMMARY_TIMES) writeFileSync(process.env.TAP_SUMMARY_TIMES, ranked.map(([file, ms]) => `${(ms / 1000).toFixed(1)}\t${file}\n`).join(''));
const slowest = ranked.slice(0, SLOWEST);
if (slowest.length > 0) {
  process.stdout.write(`\n# the ${slowest.length} test files that took the most wall-clock time (a file's share while files run side by side)\n`);
  for (const [file, ms] of slowest) process.stdout.write(`#   ${(ms / 1000).toFixed(1).padStart(7)} s  ${file}\n`);
}
const extra = skipped ? `, ${skipped} skipped` : '';
process.stdout.write(`\n${passed} passed, ${failed} failed${extra}\n`);
process.exit(failed > 0 || passed === 0 ? 1 : 0);
