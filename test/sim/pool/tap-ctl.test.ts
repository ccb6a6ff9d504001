import test from 'ava';
import { mkdir, readFile, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createVhd } from '../../../lib/vhd/index.js';
import type { SimPool } from '../../../sim/pool/pool.js';
import { controllerOn, seedResource, tmpPool } from './helpers.js';
import { tool } from '../../../sim/fixtures/host-tool.js';

const SR = '11111111-2222-3333-4444-555555555555';
const VDI = '66666666-7777-8888-9999-000000000000';
const RD = 'xcp-volume-dddd';
const DEV = `/dev/drbd/by-res/${RD}/0`;

/** Allocates, spawns, attaches and opens a tapdisk on `host` as sm does; returns pid and minor. */
async function launch(pool: SimPool, host: string, image: string, extra: string[] = []) {
  const dev = (await tool(pool, host, 'tap-ctl', ['allocate'])).stdout.trim();
  const minor = Number(/tapdev(\d+)$/.exec(dev)?.[1]);
  const pid = Number((await tool(pool, host, 'tap-ctl', ['spawn'])).stdout.trim());
  t_ok(await tool(pool, host, 'tap-ctl', ['attach', '-p', String(pid), '-m', String(minor)]));
  const open = await tool(pool, host, 'tap-ctl', ['open', '-p', String(pid), '-m', String(minor), '-a', image, ...extra]);
  return { pid, minor, open };
}
function t_ok(r: { exitCode: number; stderr: string }) {
  if (r.exitCode !== 0) throw new Error(r.stderr);
}

async function vdiPool(t: Parameters<typeof tmpPool>[0]) {
  const pool = await tmpPool(t, 2);
  const api = await controllerOn(pool, 'host1');
  await seedResource(api, pool, RD, ['host1', 'host2'], [], 16 * 1024);
  // Both replicas share the backing file in the simulator: one VHD, visible from both hosts.
  await createVhd({ root: pool.spec.hosts[0]!.root }, DEV, { sizeBytes: 8 * 1024 * 1024 });
  for (const h of pool.spec.hosts) {
    await mkdir(path.join(h.root, `dev/sm/phy/${SR}`), { recursive: true });
    await symlink(DEV, path.join(h.root, `dev/sm/phy/${SR}/${VDI}`));
  }
  return pool;
}

test('a read-write tapdisk makes the resource Primary here, lists as sm parses, and shows in openers', async (t) => {
  const pool = await vdiPool(t);
  const { pid, minor, open } = await launch(pool, 'host1', `vhd:${DEV}`);
  t.is(open.exitCode, 0, open.stderr);
  t.is(pool.runtime.primaryOf(RD), 'host1');
  t.is((await tool(pool, 'host1', 'tap-ctl', ['list'])).stdout, `pid=${pid} minor=${minor} state=0x0 args=vhd:${DEV}`);
  t.is((await tool(pool, 'host1', 'tap-ctl', ['list', '-f', DEV])).stdout, `pid=${pid} minor=${minor} state=0x0 args=vhd:${DEV}`);
  t.is((await tool(pool, 'host1', 'tap-ctl', ['list', '-f', '/dev/other'])).stdout, '');
  const openers = await readFile(pool.runtime.host('host1').local(`/sys/kernel/debug/drbd/resources/${RD}/volumes/0/openers`), 'utf8');
  t.regex(openers, new RegExp(`^tapdisk ${pid} \\d+$`, 'm'));
  const elsewhere = await launch(pool, 'host2', `vhd:${DEV}`);
  t.is(elsewhere.open.exitCode, 30, 'EROFS where another host holds it Primary');
  t.is((await tool(pool, 'host2', 'drbdadm', ['secondary', RD])).exitCode, 0);
  t.is((await tool(pool, 'host1', 'drbdadm', ['secondary', RD])).exitCode, 11, 'held open by tapdisk');
  t_ok(await tool(pool, 'host1', 'tap-ctl', ['close', '-p', String(pid), '-m', String(minor), '-t', '120']));
  t.is(pool.runtime.primaryOf(RD), undefined);
  t_ok(await tool(pool, 'host1', 'tap-ctl', ['detach', '-p', String(pid), '-m', String(minor)]));
  t_ok(await tool(pool, 'host1', 'tap-ctl', ['free', '-m', String(minor)]));
  t.is((await tool(pool, 'host1', 'tap-ctl', ['list'])).stdout, '');
});

test('guest I/O goes through the active tapdisk, waits while paused, and is refused where the VDI is not active', async (t) => {
  const pool = await vdiPool(t);
  const { pid, minor } = await launch(pool, 'host1', `vhd:${DEV}`);
  const dir = await import('node:fs/promises').then((f) => f.mkdtemp(path.join(os.tmpdir(), 'io-')));
  const input = path.join(dir, 'in');
  const output = path.join(dir, 'out');
  const data = Buffer.alloc(5000, 0xab);
  await writeFile(input, data);
  t.deepEqual(await pool.io('host1', { vdi: VDI, op: 'write', offset: 1234, file: input }), { bytes: 5000 });
  await pool.io('host1', { vdi: VDI, op: 'read', offset: 1000, length: 6000, file: output });
  const back = await readFile(output);
  t.true(back.subarray(234, 5234).equals(data));
  t.is(back[0], 0);
  await t.throwsAsync(pool.io('host2', { vdi: VDI, op: 'read', offset: 0, length: 512, file: output }), { message: /not active on host2/ });

  t_ok(await tool(pool, 'host1', 'tap-ctl', ['pause', '-p', String(pid), '-m', String(minor)]));
  t.is((await tool(pool, 'host1', 'tap-ctl', ['list', '-m', String(minor)])).stdout, `pid=${pid} minor=${minor} state=0x20 args=vhd:${DEV}`);
  t.is(pool.runtime.primaryOf(RD), undefined, 'a paused tapdisk has closed the device');
  let done = false;
  const pending = pool.io('host1', { vdi: VDI, op: 'read', offset: 1234, length: 10, file: output }).then(() => (done = true));
  await new Promise((r) => setTimeout(r, 300));
  t.false(done, 'I/O waits while paused');
  t_ok(await tool(pool, 'host1', 'tap-ctl', ['unpause', '-p', String(pid), '-m', String(minor)]));
  await pending;
  t.true(done);
  t.true((await readFile(output)).equals(data.subarray(0, 10)));
});

test('with no UpToDate replica anywhere an open or unpause fails with ENODATA (61); a sync source is enough', async (t) => {
  const pool = await vdiPool(t);
  const sim = pool.runtime.controller.sim!;
  const { pid, minor } = await launch(pool, 'host1', `vhd:${DEV}`);
  t_ok(await tool(pool, 'host1', 'tap-ctl', ['pause', '-p', String(pid), '-m', String(minor)]));
  for (const node of ['host1', 'host2']) await sim.setResourceState(RD, node, { diskState: 'Inconsistent' });
  const unpause = await tool(pool, 'host1', 'tap-ctl', ['unpause', '-p', String(pid), '-m', String(minor)]);
  t.is(unpause.exitCode, 61, unpause.stderr);
  t.is((await tool(pool, 'host1', 'tap-ctl', ['list', '-m', String(minor)])).stdout, `pid=${pid} minor=${minor} state=0x20 args=vhd:${DEV}`, 'still paused');
  t.is((await launch(pool, 'host2', `vhd:${DEV}`, ['-R'])).open.exitCode, 61);
  // A resync: one replica UpToDate (the source), the other Inconsistent.
  for (const node of ['host1', 'host2']) await sim.setResourceState(RD, node, { diskState: 'UpToDate' });
  await sim.setSyncing(RD, 60_000);
  t_ok(await tool(pool, 'host1', 'tap-ctl', ['unpause', '-p', String(pid), '-m', String(minor)]));
  t.is(pool.runtime.primaryOf(RD), 'host1');
});
