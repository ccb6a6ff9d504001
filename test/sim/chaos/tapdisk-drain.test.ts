/**
 * What the chaos soak needs of the tapdisk stand-in so that its verdicts are the driver's, not the
 * simulator's: a pause waits for guest I/O in flight (tapdisk drains before it pauses), and I/O that
 * waited on a pause goes to the image the unpause opened (a snapshot's new leaf), never to the old one.
 */
import test from 'ava';
import { mkdir, mkdtemp, readFile, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createVhd, openChain, readChain } from '../../../lib/vhd/index.js';
import type { SimPool } from '../../../sim/pool/pool.js';
import { TAP_PAUSE_REQUESTED, TAP_PAUSED } from '../../../sim/pool/runtime.js';
import { controllerOn, seedResource, tmpPool } from '../pool/helpers.js';
import { tool } from '../../../sim/fixtures/host-tool.js';

const SR = '11111111-2222-3333-4444-555555555555';
const VDI = '66666666-7777-8888-9999-000000000000';
const DEV = '/dev/drbd/by-res/xcp-volume-aaaa/0';
const DEV2 = '/dev/drbd/by-res/xcp-volume-bbbb/0';

async function ok(r: Promise<{ exitCode: number; stderr: string; stdout: string }>): Promise<string> {
  const done = await r;
  if (done.exitCode !== 0) throw new Error(done.stderr);
  return done.stdout.trim();
}

async function poolWithTapdisk(t: Parameters<typeof tmpPool>[0]): Promise<{ pool: SimPool; pid: number; minor: number }> {
  const pool = await tmpPool(t, 2);
  const api = await controllerOn(pool, 'host1');
  await seedResource(api, pool, 'xcp-volume-aaaa', ['host1', 'host2'], [], 16 * 1024);
  await seedResource(api, pool, 'xcp-volume-bbbb', ['host1', 'host2'], [], 16 * 1024);
  for (const dev of [DEV, DEV2]) await createVhd({ root: pool.spec.hosts[0]!.root }, dev, { sizeBytes: 8 * 1024 * 1024 });
  const root = pool.spec.hosts[0]!.root;
  await mkdir(path.join(root, `dev/sm/phy/${SR}`), { recursive: true });
  await symlink(DEV, path.join(root, `dev/sm/phy/${SR}/${VDI}`));
  const minor = Number(/tapdev(\d+)$/.exec(await ok(tool(pool, 'host1', 'tap-ctl', ['allocate'])))?.[1]);
  const pid = Number(await ok(tool(pool, 'host1', 'tap-ctl', ['spawn'])));
  await ok(tool(pool, 'host1', 'tap-ctl', ['attach', '-p', String(pid), '-m', String(minor)]));
  await ok(tool(pool, 'host1', 'tap-ctl', ['open', '-p', String(pid), '-m', String(minor), '-a', `vhd:${DEV}`]));
  return { pool, pid, minor };
}

test('a pause waits for the guest I/O in flight; no new I/O starts once it is requested', async (t) => {
  const { pool, pid, minor } = await poolWithTapdisk(t);
  const tap = pool.runtime.host('host1').tapdisks.get(pid)!;
  tap.inflight = 1;
  let paused = false;
  const pausing = ok(tool(pool, 'host1', 'tap-ctl', ['pause', '-p', String(pid), '-m', String(minor)])).then(() => (paused = true));
  // (tap-ctl list would wait behind the pause: the pool runs tools one at a time.)
  for (let i = 0; i < 100 && !(tap.state & TAP_PAUSE_REQUESTED); i += 1) await new Promise((r) => setTimeout(r, 50));
  await new Promise((r) => setTimeout(r, 300));
  t.false(paused, 'still draining');
  t.is(tap.state, TAP_PAUSE_REQUESTED, 'pause requested, not done');
  tap.inflight = 0;
  await pausing;
  t.true(paused);
  t.is(tap.state, TAP_PAUSED);
});

test('I/O that waited on a pause goes to the image the unpause opened', async (t) => {
  const { pool, pid, minor } = await poolWithTapdisk(t);
  const file = path.join(await mkdtemp(path.join(os.tmpdir(), 'drain-')), 'data');
  const data = Buffer.alloc(4096, 0x5c);
  await writeFile(file, data);
  await ok(tool(pool, 'host1', 'tap-ctl', ['pause', '-p', String(pid), '-m', String(minor)]));
  const writing = pool.io('host1', { vdi: VDI, op: 'write', offset: 8192, file });
  await new Promise((r) => setTimeout(r, 200));
  await ok(tool(pool, 'host1', 'tap-ctl', ['unpause', '-p', String(pid), '-m', String(minor), '-a', `vhd:${DEV2}`]));
  await writing;
  const read = async (dev: string) => {
    const chain = await openChain({ root: pool.spec.hosts[0]!.root }, dev);
    try {
      return await readChain(chain, 8192, data.length);
    } finally {
      await chain.close();
    }
  };
  t.true((await read(DEV2)).equals(data), 'in the image served now');
  t.true((await read(DEV)).equals(Buffer.alloc(data.length)), 'not in the old one');
  t.is((await readFile(file)).length, data.length);
});
