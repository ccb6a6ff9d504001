/**
 * What the package tests share: our RPM (built once per content, whichever test file asks first),
 * a fake `sm` package owning sm's paths (spec/packaging.md §2) in two versions, scratch roots that
 * rpm installs into (`rpm --root R --dbpath /var/lib/rpm`, busybox as the scriptlets' /bin/sh), and
 * the installed linstor-sr-switch run by the installed runtime.
 */
import type { ExecutionContext } from 'ava';
import { execa } from 'execa';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, readdir, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { ROOT } from '../helpers/run-built.js';

export const TREE = '/opt/xensource/sm/linstor-sr';
export const VERSION = (JSON.parse(await readFile(path.join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;

/**
 * The Node distribution the package under test ships: LINSTOR_SR_TEST_NODE_DIST (CI passes Node 24
 * from the npm registry), else the one running these tests.
 */
export function testNodeDist(): string {
  const chosen = process.env['LINSTOR_SR_TEST_NODE_DIST'];
  if (chosen) return chosen;
  const dist = path.dirname(path.dirname(process.execPath));
  if (!existsSync(path.join(dist, 'bin', 'node'))) throw new Error(`set LINSTOR_SR_TEST_NODE_DIST: ${process.execPath} is not in a Node distribution's bin/`);
  return dist;
}

/** What the RPM is made of: when none of it changed, a package built earlier is the same package. */
async function packageKey(nodeDist: string): Promise<string> {
  const hash = createHash('sha256');
  const files = [
    ...(await readdir(path.join(ROOT, 'dist'))).filter((f) => f !== 'rpm').map((f) => path.join('dist', f)),
    'packaging/linstor-sr.spec', 'packaging/switch.sh', 'scripts/rpm.mjs', 'scripts/node-runtime.mjs', 'Makefile',
  ];
  for (const f of files.sort()) {
    const full = path.join(ROOT, f);
    if ((await stat(full)).isFile()) hash.update(f).update(await readFile(full));
  }
  const node = await stat(path.join(nodeDist, 'bin', 'node')).catch(() => stat(nodeDist));
  return hash.update(`${path.resolve(nodeDist)} ${node.size} ${node.mtimeMs}`).digest('hex').slice(0, 16);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Our RPM, built with `make rpm` (as the README says) unless this exact package was built already. */
export async function builtPackage(release = '1'): Promise<{ file: string; buildMs: number }> {
  const nodeDist = testNodeDist();
  const cache = path.join(os.tmpdir(), 'linstor-sr-test-rpm');
  const dir = path.join(cache, `${await packageKey(nodeDist)}-${release}`);
  const file = path.join(dir, `linstor-sr-${VERSION}-${release}.x86_64.rpm`);
  await mkdir(cache, { recursive: true });
  const started = Date.now();
  for (;;) {
    if (existsSync(path.join(dir, 'done'))) return { file, buildMs: 0 };
    try {
      await mkdir(`${dir}.lock`);
    } catch {
      // Another test file builds it: wait (a lock older than 10 minutes is a dead builder's).
      const age = Date.now() - (await stat(`${dir}.lock`).catch(() => ({ mtimeMs: Date.now() }))).mtimeMs;
      if (age > 600_000) await rm(`${dir}.lock`, { recursive: true, force: true });
      await sleep(500);
      continue;
    }
    try {
      // Drop packages of other contents built over an hour ago (each holds a Node runtime); a recent one may be another checkout's.
      for (const old of await readdir(cache)) {
        const built = await stat(path.join(cache, old)).catch(() => undefined);
        if (!old.endsWith('.lock') && old !== path.basename(dir) && built && Date.now() - built.mtimeMs > 3_600_000) await rm(path.join(cache, old), { recursive: true, force: true });
      }
      await execa('make', ['rpm', 'SKIP_BUILD=1', `NODE_DIST=${nodeDist}`, `RELEASE=${release}`], { cwd: ROOT });
      await mkdir(dir, { recursive: true });
      await copyFile(path.join(ROOT, 'dist', 'rpm', path.basename(file)), file);
      await writeFile(path.join(dir, 'done'), '');
      return { file, buildMs: Date.now() - started };
    } finally {
      await rm(`${dir}.lock`, { recursive: true, force: true });
    }
  }
}

/** sm's paths the fake sm owns: the ones a LINSTOR driver replaces and the ones that stay in use. */
export const SM_OWNED = [
  '/opt/xensource/sm/LinstorSR.py',
  '/opt/xensource/sm/LinstorSR',
  '/opt/xensource/sm/linstorvolumemanager.py',
  '/opt/xensource/sm/linstorjournaler.py',
  '/opt/xensource/sm/linstorvhdutil.py',
  '/etc/xapi.d/plugins/linstor-manager',
  '/opt/xensource/bin/linstor-kv-tool',
  '/opt/xensource/libexec/linstor-monitord',
  '/opt/xensource/libexec/safe-umount',
  '/etc/systemd/system/var-lib-linstor.service',
  '/etc/systemd/system/drbd-reactor.service.d/override.conf',
  '/etc/systemd/system/linstor-satellite.service.d/override.conf',
  '/usr/lib/systemd/system/linstor-monitor.service',
  '/usr/lib/systemd/system/SMGC@.service',
];

const FAKE_SM_SPEC = `Name: sm
Version: %{sm_version}
Release: 1
Summary: stand-in for XCP-ng's sm, owning its LINSTOR paths
License: LGPL-2.1-only
AutoReqProv: no
%define _binary_payload w6.gzdio
%global __os_install_post %{nil}
%global debug_package %{nil}
%description
The paths of sm's package that a LINSTOR driver replaces or uses.
%install
cp -a '%{sm_tree}/.' '%{buildroot}/'
%files
%dir /opt/xensource/sm
${SM_OWNED.join('\n')}
`;

/** The fake sm packages, version 1 and 2 (their files differ), built once per test process. */
let fakeSm: Promise<{ v1: string; v2: string }> | undefined;
export function fakeSmPackages(): Promise<{ v1: string; v2: string }> {
  fakeSm ??= (async () => {
    const work = await mkdtemp(path.join(os.tmpdir(), 'fake-sm-'));
    const out: Record<string, string> = {};
    for (const version of ['1', '2']) {
      const tree = path.join(work, `tree-${version}`);
      for (const p of SM_OWNED) {
        await mkdir(path.dirname(path.join(tree, p)), { recursive: true });
        if (p === '/opt/xensource/sm/LinstorSR') await symlink('LinstorSR.py', path.join(tree, p));
        else await writeFile(path.join(tree, p), fakeSmFile(p, version), { mode: p.endsWith('.service') || p.endsWith('.conf') ? 0o644 : 0o755 });
      }
      const top = path.join(work, `build-${version}`);
      const spec = path.join(work, 'sm.spec');
      await writeFile(spec, FAKE_SM_SPEC);
      await execa('rpmbuild', ['-bb', '--quiet', '--define', `_topdir ${top}`, '--define', `sm_version ${version}`, '--define', `sm_tree ${tree}`, spec]);
      const arch = (await readdir(path.join(top, 'RPMS')))[0]!;
      out[version] = path.join(top, 'RPMS', arch, (await readdir(path.join(top, 'RPMS', arch)))[0]!);
    }
    return { v1: out['1']!, v2: out['2']! };
  })();
  return fakeSm;
}

/** The content of a fake sm file: its driver answers with a fault naming itself, should anything run it. */
export function fakeSmFile(p: string, version: string): string {
  if (p.endsWith('LinstorSR.py')) {
    return [
      '#!/usr/bin/python3',
      `# fake sm ${version}: the Python LINSTOR driver`,
      'import sys',
      `sys.stdout.write("<?xml version='1.0'?><methodResponse><fault><value><struct><member><name>faultCode</name><value><int>1</int></value></member><member><name>faultString</name><value><string>fake sm ${version} driver</string></value></member></struct></value></fault></methodResponse>")`,
      '',
    ].join('\n');
  }
  return `#!/bin/sh\n# fake sm ${version}: ${p}\n`;
}

/** A scratch root rpm installs into: busybox as /bin/sh and the applets the scriptlets run. */
export async function scratchRoot(t: ExecutionContext, at?: string): Promise<string> {
  const root = at ?? (await mkdtemp(path.join(os.tmpdir(), 'rpm-root-')));
  if (at === undefined) t.teardown(() => rm(root, { recursive: true, force: true }));
  await mkdir(path.join(root, 'bin'), { recursive: true });
  await copyFile('/bin/busybox', path.join(root, 'bin', 'busybox'));
  for (const applet of ['sh', 'grep', 'readlink', 'mkdir', 'cp', 'mv', 'ln', 'rm', 'stat']) await symlink('busybox', path.join(root, 'bin', applet));
  return root;
}

export type Run = { stdout: string; stderr: string; exitCode: number };

/** rpm on the scratch root's database. A failing scriptlet does not fail rpm: tests check files. */
export async function rpmIn(root: string, args: readonly string[]): Promise<Run> {
  const r = await execa('rpm', ['--root', root, '--dbpath', '/var/lib/rpm', ...args], { reject: false, env: { LC_ALL: 'C' } });
  return { stdout: String(r.stdout), stderr: String(r.stderr), exitCode: r.exitCode ?? -1 };
}

/** Installs or upgrades packages in the root (no dependency checks: the root has no python3). */
export async function rpmInstall(t: ExecutionContext, root: string, args: readonly string[]): Promise<Run> {
  const r = await rpmIn(root, ['--nodeps', ...args]);
  t.is(r.exitCode, 0, r.stderr);
  t.notRegex(r.stderr, /scriptlet failed|failed to exec/, 'every scriptlet ran');
  return r;
}

/** The installed linstor-sr-switch, run by the installed runtime, on the scratch root. */
export async function installedSwitch(root: string, args: readonly string[], options: { uid?: number; env?: Record<string, string> } = {}): Promise<Run> {
  const node = path.join(root, TREE, 'node/bin/node');
  const tool = path.join(root, '/opt/xensource/bin/linstor-sr-switch');
  const argv = options.uid === undefined ? [node, tool, ...args] : ['setpriv', `--reuid=${options.uid}`, `--regid=${options.uid}`, '--clear-groups', node, tool, ...args];
  const r = await execa(argv[0]!, argv.slice(1), {
    reject: false,
    extendEnv: false,
    env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin', LINSTOR_SR_ROOT: root, LINSTOR_SR_LOG_FILE: '/dev/null', ...options.env },
  });
  return { stdout: String(r.stdout), stderr: String(r.stderr), exitCode: r.exitCode ?? -1 };
}
