// The package scriptlets (packaging/switch.sh) repeat the switch's table in shell: they must agree
// with tools/linstor-sr-switch/managed.ts, or an sm update would undo or half-apply a switch.
import test from 'ava';
import { execa } from 'execa';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { BACKUP_DIR, linkTarget, MANAGED, STATE_FILE } from '../../tools/linstor-sr-switch/managed.js';
import { testWith } from '../helpers/packaging-tools.js';
import { ROOT } from '../helpers/run-built.js';

const SCRIPT = path.join(ROOT, 'packaging', 'switch.sh');

function assignment(text: string, name: string): string | undefined {
  return new RegExp(`^${name}='?([^'\\n]*)'?$`, 'm').exec(text)?.[1];
}

test('the scriptlets manage the same paths, links, state file and backup folder as linstor-sr-switch', async (t) => {
  const text = await readFile(SCRIPT, 'utf8');
  const paths = assignment(text, 'lsr_paths')?.split(' ').map((entry) => entry.split(':'));
  t.deepEqual(paths, MANAGED.map((m) => [m.path, linkTarget(m)]));
  t.is(assignment(text, 'lsr_state'), STATE_FILE);
  t.is(assignment(text, 'lsr_backup'), BACKUP_DIR);
});

testWith(['busybox'], 'the scriptlets are POSIX sh that busybox parses', async (t) => {
  const r = await execa('busybox', ['sh', '-n', SCRIPT], { reject: false });
  t.is(r.exitCode, 0, r.stderr);
});
