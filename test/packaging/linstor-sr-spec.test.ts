// The package in a scratch root, as rpm installs, upgrades and erases it beside a fake sm (spec/packaging.md
// §3): what the payload holds, linstor-sr-switch run by the installed runtime, the scriptlets and triggers.
import test, { type ExecutionContext } from 'ava';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { chmod, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { BACKUP_DIR, MANAGED, STATE_FILE } from '../../tools/linstor-sr-switch/managed.js';
import type { StatusReport } from '../../tools/linstor-sr-switch/report.js';
import { testWith, toolsPresent } from '../helpers/packaging-tools.js';
import { treeState } from '../helpers/tree.js';
import { builtPackage, fakeSmFile, fakeSmPackages, installedSwitch, rpmIn, rpmInstall, scratchRoot, SM_OWNED, TREE, VERSION, type Run } from './helpers.js';

const MANAGED_PATHS = MANAGED.map((m) => m.path);
let ours = '';
let sm = { v1: '', v2: '' };

if (toolsPresent(['rpm', 'rpmbuild', 'busybox'])) test.before(async (t) => {
  const started = Date.now();
  const [built, fake] = await Promise.all([builtPackage(), fakeSmPackages()]);
  ours = built.file;
  sm = fake;
  t.log(`package ${path.basename(ours)}: ${built.buildMs ? `built in ${built.buildMs} ms` : 'built earlier'}; ready after ${Date.now() - started} ms`);
});

/** sm's managed paths as rpm -V compares them. */
const smState = (root: string) => treeState(root, (rel) => !MANAGED_PATHS.includes(`/${rel}`));

async function rootWith(t: ExecutionContext, ...packages: string[]): Promise<string> {
  const root = await scratchRoot(t);
  // Readable by everyone, as / is: the non-root checks run the installed tool as nobody.
  await chmod(root, 0o755);
  for (const p of packages) await rpmInstall(t, root, ['-i', p]);
  return root;
}

function ok(t: ExecutionContext, r: Run): string {
  t.is(r.exitCode, 0, r.stderr || r.stdout);
  return r.stdout;
}

async function status(t: ExecutionContext, root: string): Promise<StatusReport> {
  const r = await installedSwitch(root, ['status', '--json']);
  t.true(r.exitCode === 0 || r.exitCode === 1, r.stderr);
  return JSON.parse(r.stdout) as StatusReport;
}

const nows = (report: StatusReport) => report.paths.map((p) => p.now);

testWith(['rpm', 'rpmbuild', 'busybox'], 'the payload holds no path of sm\'s package: only our tree, links to its tools and plugin, and the state folder', async (t) => {
  const list = async (pkg: string) => (await rpmIn('/', ['-qlp', pkg])).stdout.trim().split('\n');
  const [payload, smPaths] = await Promise.all([list(ours), list(sm.v1)]);
  t.deepEqual(payload.filter((p) => smPaths.includes(p)), []);
  for (const p of SM_OWNED) t.false(payload.includes(p), p);
  const outside = payload.filter((p) => p !== TREE && !p.startsWith(`${TREE}/`));
  t.deepEqual(outside.sort(), [
    '/etc/xapi.d/plugins/linstor-sr-switch', '/opt/xensource/bin/linstor-health', '/opt/xensource/bin/linstor-sr-switch', '/opt/xensource/bin/linstor-vhd-util',
    '/usr/lib/systemd/system/linstor-sr-agent.service', '/var/lib/linstor-sr',
  ]);
  t.true(payload.includes(`${TREE}/node/bin/node`));
});

testWith(['rpm', 'rpmbuild', 'busybox'], 'installing does not enable; enable, status and disable in the root; disable puts sm\'s files back byte for byte', async (t) => {
  const root = await rootWith(t, sm.v1, ours);
  const original = await smState(root);
  t.deepEqual(nows(await status(t, root)), MANAGED.map(() => 'sm'));
  // Every bundle runs on the package's runtime, named in full: nothing depends on PATH.
  for (const name of ['LinstorSR', 'linstor-gc', 'linstor-manager', 'linstor-kv-tool', 'linstor-sr-switch', 'linstor-sr-switch-plugin', 'linstor-vhd-util', 'linstor-health', 'linstor-sr-agent']) {
    t.is((await readFile(path.join(root, TREE, name), 'utf8')).split('\n')[0], `#!${TREE}/node/bin/node`, name);
  }
  t.regex(ok(t, await installedSwitch(root, ['enable'])), /^enabled: \/opt\/xensource\/sm\/LinstorSR, /m);
  const on = await status(t, root);
  t.is(on.state, 'enabled');
  t.deepEqual(on.paths.map((p) => [p.now, p.backup]), MANAGED.map(() => ['linstor-sr', 'sm']));
  t.deepEqual(on.problems, []);
  t.is(on.sm, '1-1');
  // rpm sees what the switch changed; XAPI's entry resolves to our launcher.
  const verify = await rpmIn(root, ['-V', 'sm']);
  t.is(verify.exitCode, 1);
  for (const p of MANAGED_PATHS) t.regex(verify.stdout, new RegExp(`${p.replace(/\./g, '\\.')}$`, 'm'));
  t.is(await readFile(path.join(root, '/opt/xensource/sm/LinstorSR'), 'utf8'), await readFile(path.join(root, TREE, 'LinstorSR.py'), 'utf8'));
  t.regex(ok(t, await installedSwitch(root, ['enable'])), /^already enabled: nothing changed$/m);
  t.regex(ok(t, await installedSwitch(root, ['disable'])), /^disabled: /m);
  t.deepEqual(await smState(root), original);
  t.deepEqual(await rpmIn(root, ['-V', 'sm']), { stdout: '', stderr: '', exitCode: 0 });
  t.regex(ok(t, await installedSwitch(root, ['status'])), /^state: disabled, implementation: sm \(sm 1-1, linstor-sr .*\)$/m);
});

testWith(['rpm', 'rpmbuild', 'busybox'], 'an sm update while enabled keeps ours in place (trigger), sm 2\'s files in the backup; disable restores sm 2\'s', async (t) => {
  const root = await rootWith(t, sm.v1, ours);
  ok(t, await installedSwitch(root, ['enable']));
  await rpmInstall(t, root, ['-U', sm.v2]);
  const after = await status(t, root);
  t.is(after.sm, '2-1');
  t.deepEqual(after.paths.map((p) => [p.now, p.backup]), MANAGED.map(() => ['linstor-sr', 'sm']));
  t.deepEqual(after.problems, []);
  t.is(await readFile(path.join(root, BACKUP_DIR, '/etc/xapi.d/plugins/linstor-manager'), 'utf8'), fakeSmFile('/etc/xapi.d/plugins/linstor-manager', '2'));
  ok(t, await installedSwitch(root, ['disable']));
  t.is(await readFile(path.join(root, '/opt/xensource/sm/LinstorSR'), 'utf8'), fakeSmFile('/opt/xensource/sm/LinstorSR.py', '2'));
  t.is((await rpmIn(root, ['-V', 'sm'])).exitCode, 0);
});

testWith(['rpm', 'rpmbuild', 'busybox'], 'erasing linstor-sr disables first: sm\'s files back byte for byte, rpm -V sm clean, nothing of ours left', async (t) => {
  const root = await rootWith(t, sm.v1, ours);
  const original = await smState(root);
  ok(t, await installedSwitch(root, ['enable']));
  await rpmInstall(t, root, ['-e', 'linstor-sr']);
  t.deepEqual(await smState(root), original);
  t.deepEqual(await rpmIn(root, ['-V', 'sm']), { stdout: '', stderr: '', exitCode: 0 });
  for (const gone of [TREE, '/var/lib/linstor-sr', '/opt/xensource/bin/linstor-sr-switch']) await t.throwsAsync(readFile(path.join(root, gone)), { code: 'ENOENT' }, gone);
});

testWith(['rpm', 'rpmbuild', 'busybox'], 'upgrading linstor-sr keeps the switch enabled', async (t) => {
  const root = await rootWith(t, sm.v1, ours);
  ok(t, await installedSwitch(root, ['enable']));
  // Release 2: new %post(2) and %triggerin(2 1), then release 1's %preun(1) and %postun(1).
  const next = await builtPackage('2');
  t.log(`release 2: ${next.buildMs ? `built in ${next.buildMs} ms` : 'built earlier'}`);
  await rpmInstall(t, root, ['-U', next.file]);
  t.is((await rpmIn(root, ['-q', 'linstor-sr'])).stdout.trim(), `linstor-sr-${VERSION}-2.x86_64`);
  const after = await status(t, root);
  t.is(after.state, 'enabled');
  t.is(after.linstorSr, `${VERSION}-2`);
  t.deepEqual(after.paths.map((p) => [p.now, p.backup]), MANAGED.map(() => ['linstor-sr', 'sm']));
});

testWith(['rpm', 'rpmbuild', 'busybox'], 'where systemd runs, install starts the agent\'s unit, upgrade restarts it, erase stops it', async (t) => {
  const root = await scratchRoot(t);
  // A root that looks booted with systemd, whose systemctl records what it is asked.
  await mkdir(path.join(root, 'run/systemd/system'), { recursive: true });
  await mkdir(path.join(root, 'usr/bin'), { recursive: true });
  await writeFile(path.join(root, 'usr/bin/systemctl'), '#!/bin/sh\necho "$*" >> /systemctl.log\n', { mode: 0o755 });
  const asked = async () => (await readFile(path.join(root, 'systemctl.log'), 'utf8').catch(() => '')).trim().split('\n').filter(Boolean);
  for (const p of [sm.v1, ours]) await rpmInstall(t, root, ['-i', p]);
  t.deepEqual(await asked(), ['daemon-reload', 'enable --now linstor-sr-agent.service']);
  const unit = await readFile(path.join(root, 'usr/lib/systemd/system/linstor-sr-agent.service'), 'utf8');
  t.regex(unit, /^ExecStart=\/opt\/xensource\/sm\/linstor-sr\/node\/bin\/node --max-semi-space-size=1 \/opt\/xensource\/sm\/linstor-sr\/linstor-sr-agent$/m);
  t.is((await readFile(path.join(root, TREE, 'linstor-manager.py'), 'utf8')).split('\n')[0], '#!/usr/bin/python3 -IS');
  t.regex(unit, /^KillMode=process$/m);
  await writeFile(path.join(root, 'systemctl.log'), '');
  await rpmInstall(t, root, ['-U', (await builtPackage('2')).file]);
  t.deepEqual(await asked(), ['daemon-reload', 'daemon-reload', 'try-restart linstor-sr-agent.service']);
  await writeFile(path.join(root, 'systemctl.log'), '');
  await rpmInstall(t, root, ['-e', 'linstor-sr']);
  t.deepEqual(await asked(), ['disable --now linstor-sr-agent.service']);
});

testWith(['rpm', 'rpmbuild', 'busybox'], 'linstor-sr installed before sm stays disabled; sm erased while enabled drops its backups, reinstalled it is ours again', async (t) => {
  const root = await rootWith(t, ours, sm.v1);
  t.deepEqual(nows(await status(t, root)), MANAGED.map(() => 'sm'));
  ok(t, await installedSwitch(root, ['enable']));
  await rpmInstall(t, root, ['-e', 'sm']);
  const gone = await status(t, root);
  t.is(gone.sm, null);
  t.deepEqual(gone.paths.map((p) => [p.now, p.backup]), MANAGED.map(() => ['missing', 'none']));
  await rpmInstall(t, root, ['-i', sm.v2]);
  t.deepEqual((await status(t, root)).paths.map((p) => [p.now, p.backup]), MANAGED.map(() => ['linstor-sr', 'sm']));
});

testWith(['rpm', 'rpmbuild', 'busybox'], 'status reports a hand edit of sm\'s file and of its backup; enable and disable then refuse, changing nothing', async (t) => {
  const root = await rootWith(t, sm.v1, ours);
  await writeFile(path.join(root, '/opt/xensource/sm/LinstorSR.py'), '# edited by hand\n');
  const edited = await installedSwitch(root, ['status']);
  t.is(edited.exitCode, 1);
  t.regex(edited.stdout, /^\/opt\/xensource\/sm\/LinstorSR\.py\s+changed\s+none/m);
  t.regex(edited.stdout, /problems:\n {2}- \/opt\/xensource\/sm\/LinstorSR\.py is neither sm's file nor linstor-sr's link: this path holds sha256 [0-9a-f]{16}…; sm 1-1 has sha256/);
  await refused(t, root, ['enable'], /LinstorSR\.py is neither sm's file nor linstor-sr's link/);
  await rpmInstall(t, root, ['--reinstall', sm.v1]);
  ok(t, await installedSwitch(root, ['enable']));
  await writeFile(path.join(root, BACKUP_DIR, '/opt/xensource/bin/linstor-kv-tool'), '# edited backup\n');
  t.regex((await installedSwitch(root, ['status'])).stdout, /\/opt\/xensource\/bin\/linstor-kv-tool: sm's file changed since the backup/);
  await refused(t, root, ['disable'], /linstor-kv-tool: the backup no longer matches the installed sm .*yum reinstall sm/);
  // The way out the message gives: sm's files again, backed up again by the trigger.
  await rpmInstall(t, root, ['--reinstall', sm.v1]);
  t.deepEqual((await status(t, root)).problems, []);
  ok(t, await installedSwitch(root, ['disable']));
  t.is((await rpmIn(root, ['-V', 'sm'])).exitCode, 0);
});

async function refused(t: ExecutionContext, root: string, args: string[], reason: RegExp, options: Parameters<typeof installedSwitch>[2] = {}): Promise<void> {
  const before = await treeState(root, (rel) => rel.startsWith('var/lib/rpm'));
  const r = await installedSwitch(root, args, options);
  t.is(r.exitCode, 1, r.stdout);
  t.regex(r.stderr, reason);
  t.regex(r.stderr, /nothing changed/);
  t.deepEqual(await treeState(root, (rel) => rel.startsWith('var/lib/rpm')), before, 'nothing changed');
}

testWith(['rpm', 'rpmbuild', 'busybox'], 'bad input: a missing backup, non-root, a held SR lock — a clear message, exit 1, nothing changed', async (t) => {
  const root = await rootWith(t, sm.v1, ours);
  await refused(t, root, ['enable'], /enable must run as root/, { uid: 65534 });
  ok(t, await installedSwitch(root, ['enable']));
  await refused(t, root, ['disable'], /disable must run as root/, { uid: 65534 });
  // A collector of some SR holds its lock: sm's fcntl lock, as lock.py takes it.
  const sr = '0d3c5b1a-2e4f-4a6b-8c7d-9e0f1a2b3c4d';
  await mkdir(path.join(root, 'var/lock/sm', sr), { recursive: true });
  const holder = spawn('/usr/bin/python3', ['-c', 'import fcntl, sys\nf = open(sys.argv[1], "a")\nfcntl.lockf(f, fcntl.LOCK_EX)\nprint("held", flush=True)\nsys.stdin.read()', path.join(root, 'var/lock/sm', sr, 'gc_active')], { stdio: ['pipe', 'pipe', 'inherit'] });
  t.teardown(() => holder.kill());
  await once(holder.stdout, 'data');
  await refused(t, root, ['disable'], new RegExp(`SR ${sr}: lock gc_active is held by pid ${holder.pid}`));
  const backup = path.join(root, BACKUP_DIR, '/opt/xensource/sm/LinstorSR.py');
  await rename(backup, path.join(root, 'aside'));
  await refused(t, root, ['disable', '--force'], /\/opt\/xensource\/sm\/LinstorSR\.py: the backup of sm's file is missing/);
  await rename(path.join(root, 'aside'), backup);
  ok(t, await installedSwitch(root, ['disable', '--force']));
  t.is((await rpmIn(root, ['-V', 'sm'])).exitCode, 0);
  t.regex(await readFile(path.join(root, STATE_FILE), 'utf8'), /^state=disabled$/m);
});
