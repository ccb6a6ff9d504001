import test from 'ava';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { inspectAll } from '../../../tools/linstor-sr-switch/inspect.js';
import { BACKUP_DIR } from '../../../tools/linstor-sr-switch/managed.js';
import { implementationOf, problemsOf, renderStatus } from '../../../tools/linstor-sr-switch/report.js';
import { enable } from '../../../tools/linstor-sr-switch/switch.js';
import { hostWithSm } from './helpers.js';

test('status says which implementation each path is', async (t) => {
  const { root, sm } = await hostWithSm(t);
  const before = await inspectAll(root, sm);
  t.is(implementationOf(before), 'sm');
  t.deepEqual(problemsOf('disabled', true, before), []);
  await enable({ root, sm, force: false, heldLocks: async () => [] });
  const after = await inspectAll(root, sm);
  t.is(implementationOf(after), 'linstor-sr');
  const text = renderStatus({ state: 'enabled', sm: '1-1', linstorSr: '0.1.0-1', paths: after, problems: problemsOf('enabled', true, after) });
  t.regex(text, /^state: enabled, implementation: linstor-sr \(sm 1-1, linstor-sr 0\.1\.0-1\)$/m);
  t.regex(text, /^\/opt\/xensource\/sm\/LinstorSR\s+linstor-sr\s+sm\s+XAPI's driver entry$/m);
  t.notRegex(text, /problems/);
});

test('a hand edit of sm\'s file is reported, with both digests', async (t) => {
  const { root, sm } = await hostWithSm(t);
  await writeFile(path.join(root, '/opt/xensource/sm/LinstorSR.py'), '# edited by hand\n');
  const paths = await inspectAll(root, sm);
  t.is(paths[1]!.now, 'changed');
  t.is(implementationOf(paths), 'mixed');
  const [problem, ...more] = problemsOf('disabled', true, paths);
  t.deepEqual(more, []);
  t.regex(problem ?? '', /^\/opt\/xensource\/sm\/LinstorSR\.py is neither sm's file nor linstor-sr's link: this path holds sha256 [0-9a-f]{16}…; sm 1-1 has sha256 [0-9a-f]{16}…$/);
});

test('sm\'s files changed since the backup, and sm\'s file back while enabled, are reported', async (t) => {
  const { root, sm } = await hostWithSm(t);
  await enable({ root, sm, force: false, heldLocks: async () => [] });
  // sm 2 ships another plugin; the backup still holds sm 1's.
  const sm2 = { ...sm, version: '2-1', files: new Map([...sm.files, ['/etc/xapi.d/plugins/linstor-manager', { kind: 'file' as const, digest: 'f'.repeat(64) }]]) };
  const paths = await inspectAll(root, sm2);
  t.is(paths[2]!.backup, 'changed');
  t.deepEqual(problemsOf('enabled', true, paths), [
    `/etc/xapi.d/plugins/linstor-manager: sm's file changed since the backup (the backup holds sha256 ${paths[2]!.detail?.match(/sha256 ([0-9a-f]{16})/)?.[1]}…; sm 2-1 has sha256 ffffffffffffffff…)`,
  ]);
  await writeFile(path.join(root, BACKUP_DIR, '/opt/xensource/bin/linstor-kv-tool'), 'x');
  t.regex(problemsOf('enabled', true, await inspectAll(root, sm)).join('\n'), /linstor-kv-tool: sm's file changed since the backup/);
  t.regex(problemsOf('disabled', true, await inspectAll(root, sm)).join('\n'), /still linstor-sr's although the switch is disabled/);
});
