import test from 'ava';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { STATE_FILE } from '../../../tools/linstor-sr-switch/managed.js';
import { readState, StateFileError, writeState } from '../../../tools/linstor-sr-switch/state.js';
import { hostWithSm } from './helpers.js';

test('the state file is one line a scriptlet greps; absent means disabled', async (t) => {
  const { root } = await hostWithSm(t);
  t.is(await readState(root), 'disabled');
  await writeState(root, 'enabled');
  t.regex(await readFile(path.join(root, STATE_FILE), 'utf8'), /^state=enabled$/m);
  t.is(await readState(root), 'enabled');
  await writeState(root, 'disabled');
  t.is(await readState(root), 'disabled');
});

test('a state file nobody of ours wrote is an error, not a guess', async (t) => {
  const { root } = await hostWithSm(t);
  await mkdir(path.dirname(path.join(root, STATE_FILE)), { recursive: true });
  for (const text of ['state=on\n', 'state=enabled\nstate=disabled\n', '']) {
    await writeFile(path.join(root, STATE_FILE), text);
    await t.throwsAsync(readState(root), { instanceOf: StateFileError }, JSON.stringify(text));
  }
});
