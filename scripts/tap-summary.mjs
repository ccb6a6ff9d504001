// Reads ava's TAP output on stdin, echoes it, and ends with the plain line CI reads:
// "N passed, N failed" (plus ", N skipped" when some were). Exits 1 when a test failed or none ran.
import readline from 'node:readline';

let passed = 0;
let failed = 0;
let skipped = 0;
const rl = readline.createInterface({ input: process.stdin });
for await (const line of rl) {
  process.stdout.write(line + '\n');
  const m = /^(not ok|ok) \d+ /.exec(line);
  if (!m) continue;
  if (/# (SKIP|TODO)/i.test(line)) skipped += 1;
  else if (m[1] === 'ok') passed += 1;
  else failed += 1;
}
const extra = skipped ? `, ${skipped} skipped` : '';
process.stdout.write(`\n${passed} passed, ${failed} failed${extra}\n`);
process.exit(failed > 0 || passed === 0 ? 1 : 0);
