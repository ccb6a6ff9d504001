/**
 * sr_delete's undo (spec/sm-linstor.md §2.3): when the plugin's `destroy` fails once drbd-reactor is off
 * everywhere, drbd-reactor is re-enabled on every host (controller host first), the fault is
 * LinstorSRDelete (5007), and the SR is still usable; once the cause is gone, SR.destroy succeeds.
 */
import test from 'ava';
import { srNames } from '../../lib/volume/index.js';
import { createSr, THIN } from '../../sim/fixtures/sr-create.js';
import { linstorOf } from '../../sim/fixtures/linstor.js';
import { startFixture } from '../../sim/fixtures/pool-session.js';

const HOSTS = ['host1', 'host2'];

test('a destroy refused for a volume made outside the driver re-enables drbd-reactor everywhere and keeps the SR; the next SR.destroy succeeds', async (t) => {
  t.timeout(15 * 60_000);
  const f = await startFixture(t, 2);
  const sr = await createSr(f, THIN);
  const linstor = linstorOf(f.pool);
  t.teardown(() => linstor.close());
  // Created with linstor's own CLI, say: in the SR's resource group, unknown to the KV, so the driver's
  // emptiness check passes and the plugin's destroy (which lists resource definitions) refuses.
  await linstor.resourceGroups.spawn(srNames(THIN['group-name']).resourceGroup, { resource_definition_name: 'xcp-volume-external', volume_sizes: [4096] });
  const unplugAll = async () => {
    for (const pbd of Object.keys(await f.xapi.pbd.recordsOfSr(sr))) await f.xapi.pbd.unplug(pbd);
  };
  await unplugAll();
  const error = await t.throwsAsync(f.xapi.sr.destroy(sr));
  t.regex(String(error?.message), /SR_BACKEND_FAILURE_5007/);
  const deletes = f.pool.xapi.executions.filter((e) => e.kind === 'driver' && e.name === 'sr_delete');
  t.regex(deletes.at(-1)?.stdout ?? '', /destroy failed on host\d/, 'the fault names the step (the T\/F plugin logs its reason)');
  t.true(HOSTS.every((h) => f.pool.runtime.host(h).unit('drbd-reactor').enabled), 'drbd-reactor re-enabled on every host');
  t.truthy(f.pool.runtime.controller.runningOn, 'a controller runs again');
  t.truthy(f.pool.runtime.controller.state()!.resourceDefinitions['XCP-PERSISTENT-DATABASE'], 'the database volume is kept');

  // Still a working SR.
  for (const pbd of Object.keys(await f.xapi.pbd.recordsOfSr(sr))) await f.xapi.pbd.plug(pbd);
  await f.xapi.sr.scan(sr);
  const relinked = linstorOf(f.pool);
  t.teardown(() => relinked.close());
  await relinked.resourceDefinitions.delete('xcp-volume-external');
  await unplugAll();
  await f.xapi.sr.destroy(sr);
  await t.throwsAsync(f.xapi.sr.getRecord(sr));
  t.false(HOSTS.some((h) => f.pool.runtime.host(h).unit('drbd-reactor').enabled));
});
