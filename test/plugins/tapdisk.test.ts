import test from 'ava';
import { activate } from '../../lib/blktap/activation.js';
import { TapCtl } from '../../lib/blktap/tap-ctl.js';
import { run } from '../../lib/exec/run.js';
import { SmLocks } from '../../lib/host/sm-lock.js';
import { createLogger, MemorySink } from '../../lib/log/logger.js';
import { createVhd } from '../../lib/vhd/index.js';
import { controllerOn, seedResource, tmpPool, tool } from '../sim/pool/helpers.js';
import { callPlugin } from './helpers.js';

const VDI = '66666666-7777-8888-9999-000000000000';
const DEV = '/dev/drbd/by-res/xcp-volume-1111/0';

test('pause, unpause and refresh answer "True" and act on the tapdisk of the host they run on', async (t) => {
  const pool = await tmpPool(t, 2);
  const api = await controllerOn(pool, 'host1');
  await seedResource(api, pool, 'xcp-volume-1111', ['host1', 'host2'], [], 16 * 1024);
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
