// Process tests: the built dist/linstor-health on a simulated host — a table for people (colours only on
// a terminal), --json for scripts, the exit status by the worst problem.
import test from 'ava';
import { execa } from 'execa';
import { mkdir, utimes, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { asVdiUuid, VolumeManager } from '../../lib/volume/index.js';
import { writeZip } from '../../lib/zip/zip.js';
import { setHostPower } from '../../sim/pool/failover.js';
import type { SimPool } from '../../sim/pool/pool.js';
import { silentLogger } from '../../sim/fixtures/silent-logger.js';
import { srFixture } from '../../sim/fixtures/sr.js';

const TOOL = path.join(path.dirname(fileURLToPath(import.meta.url)), '../../dist/linstor-health');
const VDI = '33333333-4444-4555-8666-777777777777';

function envOf(pool: SimPool, host: string): Record<string, string> {
  const h = pool.spec.hosts.find((x) => x.name === host)!;
  return { PATH: pool.pathFor(host), LINSTOR_SR_ROOT: h.root, LINSTOR_SR_XAPI_SOCKET: pool.xapiSockets[host]!, LINSTOR_SR_TIME_SCALE: '0.01' };
}

async function run(pool: SimPool, host: string, args: string[]) {
  const r = await execa(TOOL, args, { reject: false, extendEnv: false, stripFinalNewline: false, env: envOf(pool, host) });
  return { stdout: String(r.stdout), stderr: String(r.stderr), code: r.exitCode };
}

type Json = { status: string; nodes: Record<string, string>; errors: { code: number }[]; vdis: { vdi: string; name: string; resource: string; replicas: { node: string; diskful: boolean; 'disk-state': string }[] }[] };

test('the report: healthy, then a degraded replica and an offline node; --json; colours only on a terminal', async (t) => {
  t.timeout(6 * 60_000);
  const f = await srFixture(t, { hosts: 3, redundancy: 2 });
  const volumes = await VolumeManager.open({ linstor: f.linstor, groupName: f.groupName, logger: silentLogger(), timeScale: 0.01 });
  const rd = await volumes.create(asVdiUuid(VDI), 64 << 20);
  await volumes.setMetadata(asVdiUuid(VDI), { type: 'user', vdi_type: 'aio', name_label: 'web-data' });
  f.pool.xapi.db.create('VDI', { SR: f.srRef, name_label: 'web-data', virtual_size: String(64 << 20) }, VDI);

  const healthy = await run(f.pool, 'host2', []);
  t.is(healthy.code, 0, healthy.stderr);
  t.regex(healthy.stdout, /^Controller: linstor:\/\/127\.\d+\.\d+\.1\n/);
  t.regex(healthy.stdout, /host3\s+ONLINE/);
  t.regex(healthy.stdout, new RegExp(`${VDI}\\s+web-data\\s+${rd}\\s+host\\d\\s+diskful\\s+UpToDate`));
  t.regex(healthy.stdout, /xcp-sr-linstor_group_thin_device\s+\d+\.\d GiB\s+10\.0 GiB/);
  t.regex(healthy.stdout, /Problems\n  none\n\nOverall: healthy\n$/);
  t.false(healthy.stdout.includes('\u001b['), 'no colours into a pipe');

  const placed = (await f.linstor.resources.view()).filter((r) => r.name === rd && !(r.flags ?? []).includes('DISKLESS')).map((r) => r.node_name).sort();
  const down = ['host2', 'host3'].find((h) => !placed.includes(h)) ?? 'host3';
  const degraded = placed.find((n) => n !== down)!;
  await f.pool.runtime.controller.sim!.setResourceState(rd, degraded, { diskState: 'Outdated' });
  const warnings = await run(f.pool, 'host2', ['--json']);
  t.is(warnings.code, 1, 'only warnings: exit 1');
  const w = JSON.parse(warnings.stdout) as Json;
  t.is(w.status, 'warning');
  t.deepEqual(w.errors.map((e) => e.code), [0x1040003], 'VOLUME_INTERNAL_UNVERIFIED_STATE for Outdated');

  await f.pool.runtime.controller.sim!.setResourceState(rd, degraded, { diskState: 'Inconsistent' });
  await setHostPower(f.pool.runtime, f.pool.xapi, down, false);
  const bad = await run(f.pool, 'host1', ['--json']);
  t.is(bad.code, 2, 'an error: exit 2');
  const b = JSON.parse(bad.stdout) as Json;
  t.is(b.status, 'error');
  t.is(b.nodes[down], 'OFFLINE');
  t.true(b.errors.some((e) => e.code === 0x1020000) && b.errors.some((e) => e.code === 0x2040001));
  const entry = b.vdis.find((v) => v.vdi === VDI)!;
  t.is(entry.name, 'web-data');
  t.is(entry.resource, rd);
  t.deepEqual(entry.replicas.filter((r) => r.diskful).map((r) => [r.node, r['disk-state']]), placed.map((n) => [n, n === degraded ? 'Inconsistent' : 'UpToDate']));

  // On a terminal (script(1) gives the tool a pty): coloured; --no-color turns it off.
  const env = envOf(f.pool, 'host1');
  const tty = await execa('script', ['-qec', TOOL, '/dev/null'], { reject: false, extendEnv: false, env: { ...env, PATH: `${env['PATH']}:/usr/bin:/bin` } });
  t.is(tty.exitCode, 2);
  t.true(String(tty.stdout).includes('\u001b[31merror\u001b[0m'), 'severity in red');
  t.regex(String(tty.stdout), /OFFLINE/);
  const plain = await execa('script', ['-qec', `${TOOL} --no-color`, '/dev/null'], { reject: false, extendEnv: false, env: { ...env, PATH: `${env['PATH']}:/usr/bin:/bin` } });
  t.false(String(plain.stdout).includes('\u001b['));

  t.is((await run(f.pool, 'host1', ['-g', 'other_vg'])).code, 3, 'no such SR: the check could not run');
  t.is((await run(f.pool, 'host1', ['--bogus'])).code, 3);
});

test('a -g that is not a group name is refused before XAPI is asked anything', async (t) => {
  for (const bad of ['--group-name=-x', '--group-name=vg;ls', '--group-name=../etc']) {
    const r = await execa(TOOL, [bad], { reject: false, extendEnv: false, env: { PATH: process.env['PATH'] ?? '', LINSTOR_SR_ROOT: '/nonexistent-root', LINSTOR_SR_XAPI_SOCKET: '/nonexistent-socket' } });
    t.is(r.exitCode, 3, bad);
    t.regex(String(r.stderr), /^linstor-health: invalid group name .* (starts with -|has characters outside|contains '\.\.')/, bad);
  }
});

test('the newest database backup on this host and its age, in the table and in --json; none on a host without backups', async (t) => {
  t.timeout(3 * 60_000);
  const f = await srFixture(t, { hosts: 2, redundancy: 2 });
  const root = f.pool.spec.hosts.find((h) => h.name === 'host1')!.root;
  await mkdir(path.join(root, 'var/lib/linstor.d/db-backups'), { recursive: true });
  for (const [file, ageS] of [['linstor_database_backup-20260101_100000-create.zip', 7200], ['linstor_database_backup-20260101_110000-auto.zip', 600]] as const) {
    const at = path.join(root, 'var/lib/linstor.d/db-backups', file);
    await writeFile(at, writeZip([{ name: 'linstordb.mv.db', data: Buffer.from('db') }]));
    await utimes(at, Date.now() / 1000 - ageS, Date.now() / 1000 - ageS);
  }
  const table = await run(f.pool, 'host1', []);
  t.regex(table.stdout, /\nDatabase backup: linstor_database_backup-20260101_110000-auto\.zip, 1\d min ago\n/);
  const json = JSON.parse((await run(f.pool, 'host1', ['--json'])).stdout) as { 'database-backup': { file: string; 'age-seconds': number } };
  t.is(json['database-backup'].file, 'linstor_database_backup-20260101_110000-auto.zip');
  t.true(json['database-backup']['age-seconds'] >= 600 && json['database-backup']['age-seconds'] < 700);
  t.regex((await run(f.pool, 'host2', [])).stdout, /\nDatabase backup: none on this host/);
});
