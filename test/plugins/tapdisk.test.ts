import test from 'ava';
import { activate } from '../../lib/blktap/activation.js';
import { TapCtl } from '../../lib/blktap/tap-ctl.js';
import { run } from '../../lib/exec/run.js';
import { SmLocks } from '../../lib/host/sm-lock.js';
import { createLogger, MemorySink } from '../../lib/log/logger.js';
import { createVhd } from '../../lib/vhd/index.js';
import { readlink } from 'node:fs/promises';
import path from 'node:path';
import { asVdiUuid, VolumeManager } from '../../lib/volume/index.js';
import { linstorOf } from '../../sim/fixtures/linstor.js';
import { silentLogger } from '../../sim/fixtures/silent-logger.js';
import { srFixture } from '../../sim/fixtures/sr.js';
import { controllerOn, seedResource, tmpPool } from '../sim/pool/helpers.js';
import { tool } from '../../sim/fixtures/host-tool.js';
import { callPlugin } from '../../sim/fixtures/plugin.js';

const VDI = '66666666-7777-8888-9999-000000000000';
// A persistent name: unpause refreshes only xcp-volume- paths (through the SR), tested below.
const DEV = '/dev/drbd/by-res/xcp-persistent-tap/0';

test('pause, unpause and refresh answer "True" and act on the tapdisk of the host they run on', async (t) => {
  const pool = await tmpPool(t, 2);
  const api = await controllerOn(pool, 'host1');
  await seedResource(api, pool, 'xcp-persistent-tap', ['host1', 'host2'], [], 16 * 1024);
  await createVhd({ root: pool.spec.hosts[0]!.root }, DEV, { sizeBytes: 8 * 1024 * 1024 });
  const sr = '11111111-2222-3333-4444-555555555555';
  const sm: Record<string, string> = {};
  const env = { PATH: pool.pathFor('host1') };
  const exec: typeof run = (f, a, o) => run(f, a, { ...o, env });
  const log = createLogger(new MemorySink());
  const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
  const locks = new SmLocks({ root: pool.runtime.host('host1').spec.root });
  t.teardown(() => locks.close());
  await activate(
    {
      root: pool.runtime.host('host1').spec.root,
      exec,
      tap: new TapCtl({ exec, log, sleep, timeScale: 0.001 }),
      locks,
      smConfig: { read: async () => ({ ...sm }), add: async (k, v) => void (sm[k] = v), remove: async (k) => void delete sm[k] },
      hostRef: 'OpaqueRef:host1',
      isOpenOn: async () => false,
      hostExists: async () => true,
      device: { attach: async () => ({ path: DEV, type: 'vhd' }), detach: async () => undefined },
      log,
      sleep,
      timeScale: 0.001,
    },
    sr,
    VDI,
    true,
  );
  await locks.close();
  const args = { sr_uuid: sr, vdi_uuid: VDI, failfast: 'False' };
  t.is(await callPlugin(pool, 'host1', 'pause', args), 'True');
  t.regex((await tool(pool, 'host1', 'tap-ctl', ['list'])).stdout, /state=0x20/);
  t.is(await callPlugin(pool, 'host1', 'unpause', args), 'True');
  t.regex((await tool(pool, 'host1', 'tap-ctl', ['list'])).stdout, /state=0x0/);
  t.is(await callPlugin(pool, 'host1', 'refresh', args), 'True');
  t.regex((await tool(pool, 'host1', 'tap-ctl', ['list'])).stdout, new RegExp(`state=0x0 args=vhd:${DEV}`));
  t.is(await callPlugin(pool, 'host2', 'pause', args), 'True', 'nothing active on host2');
  await t.throwsAsync(callPlugin(pool, 'host1', 'pause', { ...args, failfast: 'yes' }), { message: /failfast must be True or False/ });
  await t.throwsAsync(callPlugin(pool, 'host1', 'pause', { ...args, vdi_uuid: '../x' }), { message: /vdi_uuid is not a UUID/ });
});

test('unpause re-resolves a LINSTOR VDI whose uuid moved to another resource while paused, and reopens it there', async (t) => {
  t.timeout(10 * 60_000);
  const f = await srFixture(t, { hosts: 3, redundancy: 2 });
  const mk = async () => {
    const ref = await f.xapi.vdi.create({ SR: f.srRef, virtual_size: 16 << 20, name_label: 'disk' });
    return { ref, uuid: await f.xapi.vdi.getUuid(ref) };
  };
  const a = await mk();
  const b = await mk();
  const linstor = linstorOf(f.pool);
  t.teardown(() => linstor.close());
  const open = () => VolumeManager.open({ linstor, groupName: f.groupName, logger: silentLogger(), timeScale: 0.01 });
  const rdB = (await open()).resourceName(asVdiUuid(b.uuid));
  // The host holding no replica of b: unpause must make b's device there (a diskless) before reopening.
  const holders = (await f.placement()).get(rdB) ?? [];
  const spare = ['host1', 'host2', 'host3'].find((h) => !holders.some((n) => n.split(':')[0] === h))!;
  t.truthy(spare);
  await f.startVmWith(a.ref, spare);
  const root = f.pool.runtime.host(spare).spec.root;
  const phy = path.join(root, `dev/sm/phy/${f.srUuid}/${a.uuid}`);
  const before = (await open()).devicePath(asVdiUuid(a.uuid));
  const other = (await open()).devicePath(asVdiUuid(b.uuid));
  t.is(await readlink(phy), before);
  const args = { sr_uuid: f.srUuid, vdi_uuid: a.uuid, failfast: 'False' };
  t.is(await callPlugin(f.pool, spare, 'pause', args), 'True');
  // What a snapshot or a GC leaf-coalesce does: the uuid now names another resource.
  const parked = asVdiUuid('99999999-9999-4999-8999-999999999999');
  await (await open()).rename(asVdiUuid(a.uuid), parked);
  await (await open()).rename(asVdiUuid(b.uuid), asVdiUuid(a.uuid));
  t.is(await callPlugin(f.pool, spare, 'unpause', args), 'True');
  t.is(await readlink(phy), other, 'the phy link follows the uuid');
  t.true((await f.placement()).get(rdB)!.includes(`${spare}:diskless`), 'b made available on the host without its replica');
  t.regex((await tool(f.pool, spare, 'tap-ctl', ['list'])).stdout, new RegExp(`state=0x0 args=vhd:${other}`), 'tap-ctl unpause -a on the new path');
  t.is(await callPlugin(f.pool, spare, 'refresh', args), 'True', 'refresh keeps the current path');
  t.regex((await tool(f.pool, spare, 'tap-ctl', ['list'])).stdout, new RegExp(`args=vhd:${other}`));
  const db = f.pool.xapi.db;
  const pbd = Object.values(await f.xapi.pbd.recordsOfSr(f.srRef)).find((p) => p.host === f.pool.xapi.host(spare).ref)!;
  db.set('PBD', await f.xapi.call<string>('PBD.get_by_uuid', pbd.uuid), { device_config: {} });
  await t.throwsAsync(callPlugin(f.pool, spare, 'refresh', args), { message: /Can't refresh tapdisk/ }, 'a failure, not a reopen on a stale path');
});
