// The installed package runs: its launcher on its own Node runtime, and a simulated pool whose hosts
// have the RPM installed in their roots, switched with `linstor-sr-switch enable --pool`, runs a verb
// through the installed driver and plugins (the simulator runs a host's own /opt/xensource/sm/LinstorSR
// and its plugins, with the #! interpreter installed under that host's root).
import test from 'ava';
import { execa } from 'execa';
import { readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { HostOutcome } from '../../tools/linstor-sr-switch/pool.js';
import { srFixture } from '../../sim/fixtures/sr.js';
import { testWith, toolsPresent } from '../helpers/packaging-tools.js';
import { runBuilt } from '../helpers/run-built.js';
import { smapiCall } from '../helpers/smapi-call.js';
import { builtPackage, fakeSmPackages, installedSwitch, rpmInstall, scratchRoot, TREE, testNodeDist } from './helpers.js';

let ours = '';
let smV1 = '';

if (toolsPresent(['rpm', 'rpmbuild', 'busybox'])) test.before(async () => {
  const [built, fake] = await Promise.all([builtPackage(), fakeSmPackages()]);
  ours = built.file;
  smV1 = fake.v1;
});

testWith(['rpm', 'rpmbuild', 'busybox'], 'XAPI\'s entry, once enabled, runs the installed driver on the installed runtime: sr_get_driver_info as dist/ answers it', async (t) => {
  const root = await scratchRoot(t);
  await rpmInstall(t, root, ['-i', smV1, ours]);
  t.is((await installedSwitch(root, ['enable'])).exitCode, 0);
  // The runtime is the one NODE_DIST gave the package.
  const shipped = (await execa(path.join(root, TREE, 'node/bin/node'), ['--version'])).stdout;
  t.is(shipped, (await execa(path.join(testNodeDist(), 'bin/node'), ['--version'])).stdout);
  // Record how the runtime is run, then run it: the launcher must exec it, not a node found on PATH.
  const node = path.join(root, TREE, 'node/bin/node');
  await rename(node, `${node}.real`);
  await writeFile(node, `#!/bin/sh\nprintf '%s\\n' "$0" "$1" > ${root}/runtime-argv\nexec ${node}.real "$@"\n`, { mode: 0o755 });
  const call = smapiCall('sr_get_driver_info');
  const r = await execa(path.join(root, 'opt/xensource/sm/LinstorSR'), [call], { env: { PATH: '/nonexistent', ORIGINATOR: 'SM', LINSTOR_SR_LOG_FILE: '/dev/null' }, extendEnv: false, reject: false });
  t.is(r.exitCode, 0, r.stderr);
  t.is(r.stdout, (await runBuilt('LinstorSR', [call])).stdout);
  t.deepEqual((await readFile(path.join(root, 'runtime-argv'), 'utf8')).trim().split('\n'), [node, path.join(root, TREE, 'LinstorSR')]);
});

testWith(['rpm', 'rpmbuild', 'busybox'], 'a simulated pool whose hosts run the installed tree: enable --pool through the plugin, status --pool, vdi_create by the installed driver', async (t) => {
  t.timeout(5 * 60_000);
  // host3 has no linstor-sr package: a mixed pool, host3 keeps sm's driver.
  const f = await srFixture(t, { hosts: 3 });
  const { pool } = f;
  const packaged = pool.spec.hosts.slice(0, 2);
  // Each installed tree holds a Node runtime (over 100 MiB): drop them once the test is done (ava runs
  // this teardown before the fixture's, which stops the pool; nothing runs from the trees by then).
  t.teardown(async () => {
    for (const host of packaged) await rm(path.join(host.root, TREE), { recursive: true, force: true });
  });
  for (const host of packaged) {
    await scratchRoot(t, host.root);
    await rpmInstall(t, host.root, ['-i', smV1, ours]);
  }
  const onHost1 = (args: string[]) =>
    installedSwitch(pool.spec.hosts[0]!.root, [...args, '--json'], { env: { PATH: pool.pathFor('host1'), LINSTOR_SR_XAPI_SOCKET: pool.xapiSockets['host1']! } });
  const before = JSON.parse((await onHost1(['status', '--pool'])).stdout) as HostOutcome[];
  const notInstalled = "linstor-sr is not installed (no linstor-sr-switch plugin): this host runs sm's driver";
  t.deepEqual(before.map((o) => (o.ok ? [o.host, o.report.state, o.report.sm] : [o.host, o.error])), [['host1', 'disabled', '1-1'], ['host2', 'disabled', '1-1'], ['host3', notInstalled]]);
  // Every host that can switches; the command fails for the one that cannot.
  const enabled = await onHost1(['enable', '--pool']);
  t.is(enabled.exitCode, 1, enabled.stdout + enabled.stderr);
  // Each host switched itself, through its own installed plugin.
  const switched = pool.xapi.executions.filter((e) => e.kind === 'plugin' && e.plugin === 'linstor-sr-switch' && e.name === 'enable');
  t.deepEqual(switched.map((e) => [e.host, e.argv[0], e.outcome.kind]), packaged.map((h) => [h.name, path.join(h.root, 'etc/xapi.d/plugins/linstor-sr-switch'), 'ok']));
  const after = JSON.parse((await onHost1(['status', '--pool'])).stdout) as HostOutcome[];
  t.deepEqual(after.map((o) => o.host), ['host1', 'host2', 'host3']);
  for (const o of after.slice(0, 2)) {
    t.true(o.ok, JSON.stringify(o));
    if (o.ok) t.deepEqual([o.report.state, o.report.paths.map((p) => p.now), o.report.problems], ['enabled', ['linstor-sr', 'linstor-sr', 'linstor-sr', 'linstor-sr'], []]);
  }
  // The table an operator reads.
  const table = await installedSwitch(pool.spec.hosts[0]!.root, ['status', '--pool'], { env: { PATH: pool.pathFor('host1'), LINSTOR_SR_XAPI_SOCKET: pool.xapiSockets['host1']! } });
  t.regex(table.stdout, /^host2\s+enabled\s+linstor-sr\s+1-1\s+\S+\s+none$/m);
  t.regex(table.stdout, /^host3\s+-\s+-\s+-\s+-\s+linstor-sr is not installed/m);
  // One verb, as xapi runs it: host1's own installed driver makes the volume.
  const volumes = async () => (await f.linstor.resourceDefinitions.list()).filter((rd) => rd.name.startsWith('xcp-volume-')).length;
  t.is(await volumes(), 0);
  const vdi = await f.xapi.vdi.create({ SR: f.srRef, virtual_size: 8 << 20, name_label: 'installed' });
  t.is(await f.xapi.call<string>('VDI.get_name_label', vdi), 'installed');
  t.is(await volumes(), 1);
  const runs = pool.xapi.executions.filter((e) => e.kind === 'driver' && e.name === 'vdi_create');
  t.deepEqual(runs.map((r) => r.argv[0]), [path.join(pool.spec.hosts[0]!.root, 'opt/xensource/sm/LinstorSR')]);
});
