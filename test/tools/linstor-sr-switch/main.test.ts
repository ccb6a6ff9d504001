// The built dist/linstor-sr-switch's command line: usage errors exit 2 and change nothing.
import test from 'ava';
import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { testWith } from '../../helpers/packaging-tools.js';
import { runBuilt } from '../../helpers/run-built.js';
import { treeState } from '../../helpers/tree.js';

test('a command line it does not know: usage on stderr, exit 2, nothing changed', async (t) => {
  const root = await mkdtemp(path.join(os.tmpdir(), 'switch-cli-'));
  for (const argv of [[], ['toggle'], ['enable', 'now'], ['status', '--verbose']]) {
    const r = await runBuilt('linstor-sr-switch', argv, { LINSTOR_SR_ROOT: root });
    t.is(r.exitCode, 2, argv.join(' '));
    t.regex(r.stderr, /usage: linstor-sr-switch status\|enable\|disable \[--pool\] \[--force\] \[--json\]/);
    t.is(r.stdout, '');
  }
  t.deepEqual(await treeState(root), {});
  const help = await runBuilt('linstor-sr-switch', ['--help']);
  t.is(help.exitCode, 0);
  t.regex(help.stdout, /^usage: linstor-sr-switch/);
});

testWith(['rpm'], 'status without sm or a switch: every path missing, exit 0, nothing written by the switch', async (t) => {
  const root = await mkdtemp(path.join(os.tmpdir(), 'switch-cli-'));
  const r = await runBuilt('linstor-sr-switch', ['status'], { LINSTOR_SR_ROOT: root });
  t.is(r.exitCode, 0, r.stderr);
  t.regex(r.stdout, /^state: disabled, implementation: none \(sm not installed, linstor-sr not installed as a package\)$/m);
  // rpm --root may make an empty database in a scratch root; the switch itself writes nothing.
  t.deepEqual(await treeState(root, (rel) => /^var(\/lib(\/rpm)?)?($|\/)/.test(rel)), {});
});
