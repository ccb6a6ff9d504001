import test from 'ava';
import { readdir, readFile, readlink, rm, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { inspectAll } from '../../../tools/linstor-sr-switch/inspect.js';
import { BACKUP_DIR, MANAGED, STATE_FILE } from '../../../tools/linstor-sr-switch/managed.js';
import { readState } from '../../../tools/linstor-sr-switch/state.js';
import { disable, enable, SwitchRefused, type SwitchOptions } from '../../../tools/linstor-sr-switch/switch.js';
import { treeState } from '../../helpers/tree.js';
import { hostWithSm, resolved, SM_FILES } from './helpers.js';

const noLocks = async () => [];
const options = (root: string, sm: SwitchOptions['sm'], extra: Partial<SwitchOptions> = {}): SwitchOptions => ({ root, sm, force: false, heldLocks: noLocks, ...extra });

test('enable links every managed path to our tree and keeps sm\'s files; disable puts them back byte for byte', async (t) => {
  const { root, sm } = await hostWithSm(t);
  const before = await treeState(root);
  const on = await enable(options(root, sm));
  t.deepEqual(on.changed, MANAGED.map((m) => m.path));
  t.is(await readState(root), 'enabled');
  t.is(await readlink(path.join(root, '/opt/xensource/sm/LinstorSR')), 'linstor-sr/LinstorSR.py');
  t.is(await readlink(path.join(root, '/etc/xapi.d/plugins/linstor-manager')), '../../../opt/xensource/sm/linstor-sr/linstor-manager.py');
  t.is(await resolved(root, '/opt/xensource/bin/linstor-kv-tool'), 'ours: /opt/xensource/sm/linstor-sr/linstor-kv-tool\n');
  t.deepEqual((await inspectAll(root, sm)).map((r) => [r.now, r.backup]), MANAGED.map(() => ['linstor-sr', 'sm']));
  t.is(await readFile(path.join(root, BACKUP_DIR, '/opt/xensource/sm/LinstorSR.py'), 'utf8'), (SM_FILES['/opt/xensource/sm/LinstorSR.py'] as { file: string }).file);
  const off = await disable(options(root, sm));
  t.deepEqual(off.changed, MANAGED.map((m) => m.path));
  t.is(await readState(root), 'disabled');
  // Same bytes, link targets, modes, owners and mtimes as before; no backup or temporary file left.
  t.deepEqual(await treeState(root, (rel) => rel.startsWith('var')), before);
  t.deepEqual(await readdir(path.join(root, 'var/lib/linstor-sr')), ['switch-state']);
});

test('enable and disable are idempotent: run again, they change nothing', async (t) => {
  const { root, sm } = await hostWithSm(t);
  await enable(options(root, sm));
  const enabled = await treeState(root);
  t.deepEqual((await enable(options(root, sm))).changed, []);
  t.deepEqual(await treeState(root), enabled);
  await disable(options(root, sm));
  const disabled = await treeState(root);
  t.deepEqual((await disable(options(root, sm))).changed, []);
  t.deepEqual(await treeState(root), disabled);
});

test('an interrupted enable is finished by running it again', async (t) => {
  const { root, sm } = await hostWithSm(t);
  await enable(options(root, sm));
  // As if killed after the first path: sm's file back at the others, their backups written or not.
  for (const m of MANAGED.slice(1)) {
    await rm(path.join(root, m.path));
    const what = SM_FILES[m.path]!;
    if ('link' in what) await symlink(what.link, path.join(root, m.path));
    else await writeFile(path.join(root, m.path), what.file, { mode: 0o755 });
  }
  t.deepEqual((await enable(options(root, sm))).changed, MANAGED.slice(1).map((m) => m.path));
  t.true((await inspectAll(root, sm)).every((r) => r.now === 'linstor-sr' && r.backup === 'sm'));
});

async function refused(t: import('ava').ExecutionContext, root: string, run: () => Promise<unknown>, reason: RegExp): Promise<void> {
  const before = await treeState(root);
  const error = await t.throwsAsync(run, { instanceOf: SwitchRefused });
  t.regex(error?.message ?? '', reason);
  t.deepEqual(await treeState(root), before, 'nothing changed');
}

test('a foreign file at a managed path: enable and disable refuse, naming it, and change nothing', async (t) => {
  const { root, sm } = await hostWithSm(t);
  await writeFile(path.join(root, '/opt/xensource/bin/linstor-kv-tool'), 'hand-edited\n');
  await refused(t, root, () => enable(options(root, sm)), /\/opt\/xensource\/bin\/linstor-kv-tool is neither sm's file nor linstor-sr's link/);
  await refused(t, root, () => disable(options(root, sm)), /linstor-kv-tool is neither/);
});

test('disable refuses when a backup is missing or no longer matches sm, and changes nothing', async (t) => {
  const { root, sm } = await hostWithSm(t);
  await enable(options(root, sm));
  const backup = path.join(root, BACKUP_DIR, '/etc/xapi.d/plugins/linstor-manager');
  await writeFile(backup, 'edited backup\n');
  await refused(t, root, () => disable(options(root, sm)), /linstor-manager: the backup no longer matches the installed sm .*yum reinstall sm/);
  await rm(backup);
  await refused(t, root, () => disable(options(root, sm)), /linstor-manager: the backup of sm's file is missing/);
  t.is(await readState(root), 'enabled');
});

test('without sm there is nothing to take over: enable refuses', async (t) => {
  const { root } = await hostWithSm(t);
  for (const p of Object.keys(SM_FILES)) await rm(path.join(root, p));
  await refused(t, root, () => enable(options(root, undefined)), /is missing and sm is not installed/);
});

test('while an SR lock is held, enable and disable refuse unless forced', async (t) => {
  const { root, sm } = await hostWithSm(t);
  const heldLocks = async () => [{ sr: 'c3a1a2b0-0000-4000-8000-000000000001', lock: 'sr', pid: 4242, command: 'python3 sm-lock-helper.py' }];
  await refused(t, root, () => enable(options(root, sm, { heldLocks })), /SR c3a1a2b0-0000-4000-8000-000000000001: lock sr is held by pid 4242[\s\S]*--force/);
  t.deepEqual((await enable(options(root, sm, { heldLocks, force: true }))).changed.length, MANAGED.length);
  await refused(t, root, () => disable(options(root, sm, { heldLocks })), /lock sr is held/);
  // Nothing to change: no need to wait for the lock.
  t.deepEqual((await enable(options(root, sm, { heldLocks }))).changed, []);
  t.regex(await readFile(path.join(root, STATE_FILE), 'utf8'), /^state=enabled$/m);
});
