/**
 * vdi_epoch_begin/end (no-ops that still take the slave's volume lock) and vdi_update's refusal of
 * names XML cannot carry, run as xapi runs them on the simulated pool.
 */
import test from 'ava';
import { execSm } from '../../sim/xapi/sm-exec.js';
import { srNames } from '../../lib/volume/index.js';
import { srFixture } from '../../sim/fixtures/sr.js';

/** The `locked` argument of a recorded lockVdi call (its args struct is one of the call's params). */
function lockedArg(params: readonly unknown[]): unknown {
  for (const p of params) if (p !== null && typeof p === 'object' && 'locked' in p) return (p as Record<string, unknown>)['locked'];
  return undefined;
}

test('vdi_epoch_begin/end succeed on master and slave, change nothing, and the slave takes then releases the volume lock on the master', async (t) => {
  t.timeout(10 * 60_000);
  const f = await srFixture(t, { hosts: 2, redundancy: 2 });
  const vdi = await f.xapi.vdi.create({ SR: f.srRef, virtual_size: 8 << 20, name_label: 'epoch' });
  const uuid = await f.xapi.vdi.getUuid(vdi);
  const kv = () => f.linstor.keyValueStore.props(srNames(f.groupName).kv);
  const before = await kv();
  const run = (verb: string, host: string) => execSm(f.pool.xapi, { verb, host: f.pool.xapi.host(host).ref, sr: f.srRef, vdi, args: [] });
  for (const host of ['host1', 'host2']) {
    const from = f.pool.xapi.executions.length;
    t.is(await run('vdi_epoch_begin', host), null);
    t.is(await run('vdi_epoch_end', host), null);
    const locks = f.pool.xapi.executions
      .slice(from)
      .filter((e) => e.kind === 'plugin' && e.name === 'lockVdi')
      .map((e) => `${e.host}:${lockedArg(e.params) === 'True' ? 'lock' : 'unlock'}`);
    t.deepEqual(locks, host === 'host2' ? ['host1:lock', 'host1:unlock', 'host1:lock', 'host1:unlock'] : [], `lockVdi calls for ${host}`);
  }
  t.deepEqual(await kv(), before, 'the KV is as it was (lock released, nothing written)');
  t.is(await f.xapi.vdi.get(vdi, 'name_label'), 'epoch');
  t.truthy(uuid);
});

test('vdi_update with a character XML 1.0 cannot carry in a name is IllegalXMLChar (447) and leaves the KV metadata unchanged', async (t) => {
  t.timeout(10 * 60_000);
  const f = await srFixture(t, { hosts: 2, redundancy: 2 });
  const vdi = await f.xapi.vdi.create({ SR: f.srRef, virtual_size: 8 << 20, name_label: 'clean' });
  const uuid = await f.xapi.vdi.getUuid(vdi);
  const metadata = async () => {
    const kv = await f.linstor.keyValueStore.props(srNames(f.groupName).kv);
    return kv[`xcp/volume/${uuid}/metadata`] ?? kv[`/xcp/volume/${uuid}/metadata`];
  };
  const before = await metadata();
  // xapi stores any string; the driver must not write a name that XML-RPC cannot carry back. (The
  // simulator drops C0 controls when it encodes; U+FFFE, also outside XML 1.0, gets through as xapi's did.)
  f.pool.xapi.db.set('VDI', vdi, { name_label: 'bad\uFFFEname' });
  const error = await t.throwsAsync(f.xapi.vdi.update(vdi));
  t.regex(String(error?.message), /SR_BACKEND_FAILURE_447/);
  t.is(await metadata(), before);
  f.pool.xapi.db.set('VDI', vdi, { name_label: 'clean again', name_description: 'tab\tand newline\n are legal' });
  await f.xapi.vdi.update(vdi);
  t.like(JSON.parse((await metadata())!) as object, { name_label: 'clean again', name_description: 'tab\tand newline\n are legal' });
  // vdi_update also runs on a slave (the volume lock taken through the master first).
  f.pool.xapi.db.set('VDI', vdi, { name_label: 'from a slave' });
  await execSm(f.pool.xapi, { verb: 'vdi_update', host: f.pool.xapi.host('host2').ref, sr: f.srRef, vdi, args: [] });
  t.like(JSON.parse((await metadata())!) as object, { name_label: 'from a slave' });
});
