import test from 'ava';
import { existsSync } from 'node:fs';
import { readlink } from 'node:fs/promises';
import { activate, deactivate, STALE_ACTIVATING_ATTEMPTS, VdiLockedError, type ActivationDeps } from '../../../lib/blktap/activation.js';
import { pauseLocal, tapPause, tapUnpause, unpauseLocal, type LocalPauseDeps } from '../../../lib/blktap/pause.js';
import { TapCtl } from '../../../lib/blktap/tap-ctl.js';
import { NotDetachedCleanlyError, type VdiSmConfig } from '../../../lib/blktap/vdi-tags.js';
import { run } from '../../../lib/exec/run.js';
import { SmLocks } from '../../../lib/host/sm-lock.js';
import { createLogger, MemorySink } from '../../../lib/log/logger.js';
import { createVhd } from '../../../lib/vhd/index.js';
import { createXapi } from '../../../lib/xapi/index.js';
import type { SimPool } from '../../../sim/pool/pool.js';
import { controllerOn, seedResource, tmpPool } from '../../sim/pool/helpers.js';

const VDI = '66666666-7777-8888-9999-000000000000';
const RD = 'xcp-volume-eeee';
const DEV = `/dev/drbd/by-res/${RD}/0`;
const log = createLogger(new MemorySink());

async function setup(t: Parameters<typeof tmpPool>[0]) {
  const pool = await tmpPool(t, 2);
  const api = await controllerOn(pool, 'host1');
  await seedResource(api, pool, RD, ['host1', 'host2'], [], 16 * 1024);
  await seedResource(api, pool, 'xcp-volume-ffff', ['host1', 'host2'], [], 16 * 1024).catch(() => undefined);
  await createVhd({ root: pool.spec.hosts[0]!.root }, DEV, { sizeBytes: 8 * 1024 * 1024 });
  await createVhd({ root: pool.spec.hosts[0]!.root }, '/dev/drbd/by-res/xcp-volume-ffff/0', { sizeBytes: 8 * 1024 * 1024 });
  const srRef = pool.xapi.db.create('SR', { type: 'linstor', name_label: 'sr' });
  const sr = String(pool.xapi.db.get('SR', srRef)['uuid']);
  const vdiRef = pool.xapi.db.create('VDI', { SR: srRef, location: VDI, sm_config: {} }, VDI);
  const xapi = createXapi({ endpoint: { socketPath: pool.xapiSockets['host1']! } });
  await xapi.client.loginWithPassword('root', '');
  const smConfig: VdiSmConfig = {
    read: async () => ({ ...(await xapi.vdi.get(vdiRef, 'sm_config')) }) as Record<string, string>,
    add: (k, v) => xapi.vdi.addToMap(vdiRef, 'sm_config', k, v),
    remove: (k) => xapi.vdi.removeFromMap(vdiRef, 'sm_config', k),
  };
  const detached: string[] = [];
  const depsFor = (host: string): ActivationDeps & LocalPauseDeps => {
    const env = { PATH: pool.pathFor(host) };
    const exec: ActivationDeps['exec'] = (file, args, options) => run(file, args, { ...options, env });
    const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
    const locks = new SmLocks({ root: pool.runtime.host(host).spec.root });
    t.teardown(() => locks.close());
    return {
      root: pool.runtime.host(host).spec.root,
      exec,
      tap: new TapCtl({ exec, log, sleep, timeScale: 0.001 }),
      locks,
      smConfig,
      hostRef: pool.xapi.host(host).ref,
      isOpenOn: async (ref) => (await xapi.host.callPlugin(ref, 'on-slave', 'is_open', { vdiUuid: VDI, srRef })) === 'True',
      hostExists: async (ref) => pool.xapi.hosts.some((h) => h.ref === ref),
      device: {
        attach: async () => ({ path: DEV, type: 'vhd' }),
        detach: async () => {
          detached.push(host);
        },
      },
      log,
      sleep,
      timeScale: 0.001,
    };
  };
  return { pool, sr, smConfig, depsFor, detached };
}

async function tapList(pool: SimPool, host: string) {
  return (await run('tap-ctl', ['list'], { env: { PATH: pool.pathFor(host) } })).stdout;
}

test('activate launches a tapdisk on the by-res path, makes the links and tags the VDI; deactivate undoes all', async (t) => {
  const { pool, sr, smConfig, depsFor, detached } = await setup(t);
  const h1 = depsFor('host1');
  await activate(h1, sr, VDI, true);
  const root = pool.runtime.host('host1').spec.root;
  t.regex(await tapList(pool, 'host1'), new RegExp(`state=0x0 args=vhd:${DEV}`));
  t.is(await readlink(`${root}/dev/sm/phy/${sr}/${VDI}`), DEV);
  t.regex(await readlink(`${root}/dev/sm/backend/${sr}/${VDI}`), /^\/dev\/xen\/blktap-2\/tapdev\d+$/);
  t.regex(await readlink(`${root}/run/blktap-control/nbd/${sr}/${VDI}`), /^\/run\/blktap-control\/nbd\d+\.\d+$/);
  t.deepEqual(await smConfig.read(), { [`host_${h1.hostRef}`]: 'RW' });
  t.is(pool.runtime.primaryOf(RD), 'host1');
  await activate(h1, sr, VDI, true); // idempotent: the same tapdisk is reused
  t.is((await tapList(pool, 'host1')).trim().split('\n').length, 1);

  await deactivate(h1, sr, VDI);
  t.is(await tapList(pool, 'host1'), '');
  t.false(existsSync(`${root}/dev/sm/backend/${sr}/${VDI}`));
  t.false(existsSync(`${root}/dev/sm/phy/${sr}/${VDI}`));
  t.deepEqual(await smConfig.read(), {});
  t.deepEqual(detached, ['host1']);
  t.is(pool.runtime.primaryOf(RD), undefined);
});

test('a second read-write activation elsewhere is refused while the first host still has it open', async (t) => {
  const { sr, smConfig, depsFor } = await setup(t);
  await activate(depsFor('host1'), sr, VDI, true);
  await t.throwsAsync(activate(depsFor('host2'), sr, VDI, true), { instanceOf: NotDetachedCleanlyError });
  t.deepEqual(Object.keys(await smConfig.read()), [`host_${depsFor('host1').hostRef}`], 'nothing left by the refused attempt');
});

test('an `activating` key left by a dead activation is removed after a minute of attempts, read-write or read-only', async (t) => {
  const { sr, smConfig, depsFor } = await setup(t);
  const h1 = depsFor('host1');
  const warnings: string[] = [];
  const seen = { ...h1, log: { ...h1.log, warn: (m: string) => warnings.push(m), info: () => undefined, child: () => h1.log } as typeof h1.log };
  await smConfig.add('activating', 'True');
  await activate(seen, sr, VDI, true);
  t.deepEqual(await smConfig.read(), { [`host_${h1.hostRef}`]: 'RW' }, 'activated; the stale key is gone');
  t.is(warnings.length, 1);
  t.regex(warnings[0]!, new RegExp(`stayed through ${STALE_ACTIVATING_ATTEMPTS} attempts`));
  await deactivate(h1, sr, VDI);
  await smConfig.add('activating', 'True');
  await activate(seen, sr, VDI, false);
  t.deepEqual(await smConfig.read(), { [`host_${h1.hostRef}`]: 'RO' }, 'read-only too');
  await deactivate(h1, sr, VDI);
});

test('a stale host key (tapdisk gone) is dropped by the reset check', async (t) => {
  const { sr, smConfig, depsFor } = await setup(t);
  const h1 = depsFor('host1');
  await smConfig.add(`host_${h1.hostRef}`, 'RW');
  const h2 = depsFor('host2');
  await activate(h2, sr, VDI, true);
  t.deepEqual(await smConfig.read(), { [`host_${h2.hostRef}`]: 'RW' });
});

test('this host\'s own key left in the other mode by a killed activation is dropped when nothing serves the VDI here', async (t) => {
  const { sr, smConfig, depsFor } = await setup(t);
  const h2 = depsFor('host2');
  await smConfig.add(`host_${h2.hostRef}`, 'RW');
  await activate(h2, sr, VDI, false);
  t.deepEqual(await smConfig.read(), { [`host_${h2.hostRef}`]: 'RO' }, 'read-only over a stale read-write key');
  await deactivate(h2, sr, VDI);
  await smConfig.add(`host_${h2.hostRef}`, 'RO');
  await activate(h2, sr, VDI, true);
  t.deepEqual(await smConfig.read(), { [`host_${h2.hostRef}`]: 'RW' }, 'read-write over a stale read-only key');
  // Still served here read-write: a read-only activation is refused, and the key stays.
  await t.throwsAsync(activate(h2, sr, VDI, false), { instanceOf: NotDetachedCleanlyError });
  t.deepEqual(await smConfig.read(), { [`host_${h2.hostRef}`]: 'RW' });
  await deactivate(h2, sr, VDI);
});

test('pause and unpause through the fan-out; activation and deactivation wait while paused', async (t) => {
  const { pool, sr, smConfig, depsFor } = await setup(t);
  const h1 = depsFor('host1');
  await activate(h1, sr, VDI, true);
  const byRef = new Map(['host1', 'host2'].map((h) => [depsFor(h).hostRef, depsFor(h)]));
  const call = async (ref: string, fn: 'pause' | 'unpause' | 'refresh') => {
    const d = byRef.get(ref)!;
    return String(fn === 'pause' ? await pauseLocal(d, sr, VDI, false) : await unpauseLocal(d, sr, VDI, false)) === 'true' ? 'True' : 'False';
  };
  t.true(await tapPause(smConfig, call, log, sr, VDI));
  t.regex(await tapList(pool, 'host1'), /state=0x20/);
  t.is((await smConfig.read())['paused'], 'true');
  t.is(pool.runtime.primaryOf(RD), undefined, 'a paused tapdisk has closed the device');
  await t.throwsAsync(deactivate(h1, sr, VDI), { instanceOf: VdiLockedError });
  await t.throwsAsync(activate(h1, sr, VDI, true), { instanceOf: VdiLockedError });
  t.true(await tapUnpause(smConfig, call, log, sr, VDI));
  t.regex(await tapList(pool, 'host1'), /state=0x0/);
  t.false('paused' in (await smConfig.read()));
});

test('a pause refused by a later host unpauses the hosts that paused and drops the mark', async (t) => {
  const { pool, sr, smConfig, depsFor } = await setup(t);
  const h1 = depsFor('host1');
  await activate(h1, sr, VDI, true);
  await smConfig.add('host_OpaqueRef:refuses', 'RW');
  const call = async (ref: string, fn: 'pause' | 'unpause' | 'refresh') => {
    if (ref !== h1.hostRef) return 'False';
    return String(fn === 'pause' ? await pauseLocal(h1, sr, VDI, true) : await unpauseLocal(h1, sr, VDI, false)) === 'true' ? 'True' : 'False';
  };
  t.false(await tapPause(smConfig, call, log, sr, VDI, true));
  t.regex(await tapList(pool, 'host1'), /state=0x0/, 'host1 runs again');
  t.false('paused' in (await smConfig.read()));
});

test('an unpause that fails on one host still unpauses the hosts after it; the mark stays for a retry', async (t) => {
  const { pool, sr, smConfig, depsFor } = await setup(t);
  const h1 = depsFor('host1');
  await activate(h1, sr, VDI, true);
  // The unreachable host comes first in the key order.
  const own = `host_${h1.hostRef}`;
  const mode = (await smConfig.read())[own] ?? 'RW';
  await smConfig.remove(own);
  await smConfig.add('host_OpaqueRef:00-unreachable', 'RW');
  await smConfig.add(own, mode);
  const call = async (ref: string, fn: 'pause' | 'unpause' | 'refresh') => {
    if (ref !== h1.hostRef) {
      if (fn === 'pause') return 'True';
      throw new Error('HOST_OFFLINE');
    }
    return String(fn === 'pause' ? await pauseLocal(h1, sr, VDI, false) : await unpauseLocal(h1, sr, VDI, false)) === 'true' ? 'True' : 'False';
  };
  t.true(await tapPause(smConfig, call, log, sr, VDI));
  t.regex(await tapList(pool, 'host1'), /state=0x20/);
  t.false(await tapUnpause(smConfig, call, log, sr, VDI));
  t.regex(await tapList(pool, 'host1'), /state=0x0/, 'host1 runs again although a host before it failed');
  t.is((await smConfig.read())['paused'], 'true', 'paused stays: one host may still be frozen');
});

test('unpause re-points a LINSTOR VDI to its current resource', async (t) => {
  const { pool, sr, depsFor } = await setup(t);
  const h1 = depsFor('host1');
  await activate(h1, sr, VDI, true);
  t.true(await pauseLocal(h1, sr, VDI, false));
  const moved = '/dev/drbd/by-res/xcp-volume-ffff/0';
  t.true(await unpauseLocal({ ...h1, refreshPath: async () => moved }, sr, VDI, false));
  const root = pool.runtime.host('host1').spec.root;
  t.is(await readlink(`${root}/dev/sm/phy/${sr}/${VDI}`), moved);
  t.regex(await tapList(pool, 'host1'), new RegExp(`args=vhd:${moved}`));
});

test('an unpause that finds no UpToDate replica anywhere (ENODATA) is retried until one is back', async (t) => {
  const { pool, sr, depsFor } = await setup(t);
  const h1 = depsFor('host1');
  await activate(h1, sr, VDI, true);
  t.true(await pauseLocal(h1, sr, VDI, false));
  const sim = pool.runtime.controller.sim!;
  const setDisks = async (diskState: string) => {
    for (const node of ['host1', 'host2']) await sim.setResourceState(RD, node, { diskState });
  };
  // Both replicas lose their data while the tapdisk is paused; it comes back during the second wait.
  await setDisks('Inconsistent');
  let waits = 0;
  const sleep = async () => {
    waits += 1;
    if (waits === 2) await setDisks('UpToDate');
  };
  t.true(await unpauseLocal({ ...h1, tap: new TapCtl({ exec: h1.exec, log, sleep, timeScale: 1 }) }, sr, VDI, false));
  t.is(waits, 2);
  const unpauses = pool.runtime.host('host1').toolCalls.filter((c) => c.tool === 'tap-ctl' && c.argv[0] === 'unpause');
  t.is(unpauses.length, 3, 'two answered ENODATA, the third reopened the image');
  t.regex(await tapList(pool, 'host1'), new RegExp(`state=0x0 args=vhd:${DEV}`));
});

test('pausing where nothing is active succeeds; failfast refuses a held VDI lock', async (t) => {
  const { sr, depsFor } = await setup(t);
  const h2 = depsFor('host2');
  t.true(await pauseLocal(h2, sr, VDI, false));
  const other = new SmLocks({ root: h2.root });
  t.teardown(() => other.close());
  const held = await other.acquire(VDI, 'vdi');
  await t.throwsAsync(pauseLocal(h2, sr, VDI, true), { message: /VDI already locked/ });
  await held.release();
});
