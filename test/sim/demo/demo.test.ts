import test from 'ava';
import { execa } from 'execa';
import { dist } from '../../helpers/run-built.js';

test('the demo (npm run demo) runs the whole scenario on a fresh pool and verifies every byte', async (t) => {
  t.timeout(15 * 60_000);
  const result = await execa(dist('xostor-sim'), ['demo'], { reject: false, timeout: 15 * 60_000 });
  const out = String(result.stdout);
  t.is(result.exitCode, 0, out + String(result.stderr));
  t.regex(out, /^demo: OK$/m);
  t.regex(out, /bytes: identical$/m);
  t.regex(out, /no replica: diskless on demand/);
  t.regex(out, /linstor-gc done: leaf-coalesce \S+ into \S+ \(live, VM paused\)/, 'the collector merged the leaf under the running VM');
  t.regex(out, /chain depth of \S+: 2 → 1 layer/);
  for (const step of ['SR.create', 'VDI.create 64 MiB', 'VDI.resize 128 MiB', 'VDI.destroy', 'SR.scan']) t.regex(out, new RegExp(`^${step.replace('.', '\\.')}\\s+\\d+\\s+\\d+`, 'm'));
});
