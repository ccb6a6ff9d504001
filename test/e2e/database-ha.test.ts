/**
 * The controller database's HA DRBD options (quorum, no auto-promote, I/O errors on lost data or quorum):
 * set by the master's sr_attach at every plug when `monitor-db-quorum` is absent or true, read back over
 * REST; a failure to set them fails the plug with sm's message; sr_delete removes them before the
 * destroy and puts them back when the destroy fails; with `monitor-db-quorum` false nobody sets them.
 */
import test from 'ava';
import type { LinstorApi } from '../../lib/linstor/index.js';
import { createSr, THIN } from '../../sim/fixtures/sr-create.js';
import { linstorOf } from '../../sim/fixtures/linstor.js';
import { startFixture, type Fixture } from '../../sim/fixtures/pool-session.js';

const DB = 'xcp-persistent-database';
/** The table of the Python driver, written out here rather than imported: this is what must be on the wire. */
const HA_OPTIONS = {
  'DrbdOptions/auto-quorum': 'disabled',
  'DrbdOptions/Resource/auto-promote': 'no',
  'DrbdOptions/Resource/on-no-data-accessible': 'io-error',
  'DrbdOptions/Resource/on-no-quorum': 'io-error',
  'DrbdOptions/Resource/on-suspended-primary-outdated': 'force-secondary',
  'DrbdOptions/Resource/quorum': 'majority',
};

/** The database RD's DrbdOptions as LINSTOR lists them now (a new client: the controller may have moved). */
async function haOptions(f: Fixture): Promise<Record<string, string>> {
  const linstor = linstorOf(f.pool);
  try {
    const props = (await linstor.resourceDefinitions.get(DB)).props ?? {};
    return Object.fromEntries(Object.entries(props).filter(([k]) => k.startsWith('DrbdOptions/')));
  } finally {
    await linstor.close();
  }
}

async function withLinstor<T>(f: Fixture, fn: (linstor: LinstorApi) => Promise<T>): Promise<T> {
  const linstor = linstorOf(f.pool);
  try {
    return await fn(linstor);
  } finally {
    await linstor.close();
  }
}

async function masterPbd(f: Fixture, sr: string): Promise<string> {
  const [ref] = Object.entries(await f.xapi.pbd.recordsOfSr(sr)).find(([, p]) => p.host === f.master) ?? [];
  return ref!;
}

test('set at every master plug, refused plug on failure, removed for sr_delete and restored when it fails; never with monitor-db-quorum false', async (t) => {
  t.timeout(15 * 60_000);
  const f = await startFixture(t, 2);
  const sr = await createSr(f, THIN);
  t.deepEqual(await haOptions(f), HA_OPTIONS, 'set by the master attach that follows the create');

  // Changed by hand: the next plug of the master puts them right.
  await withLinstor(f, (l) => l.resourceDefinitions.setProps(DB, { 'DrbdOptions/Resource/auto-promote': 'yes' }, ['DrbdOptions/Resource/on-no-quorum']));
  const pbd = await masterPbd(f, sr);
  await f.xapi.pbd.unplug(pbd);
  await f.xapi.pbd.plug(pbd);
  t.deepEqual(await haOptions(f), HA_OPTIONS);

  // LINSTOR refusing them fails the plug with sm's message.
  await f.xapi.pbd.unplug(pbd);
  f.pool.runtime.controller.sim!.controls.addFault({ method: 'PUT', path: '/v1/resource-definitions/{resource}', status: 500, message: 'refused for the test' });
  const refused = await t.throwsAsync(f.xapi.pbd.plug(pbd));
  t.true(String(refused?.message).includes(`Could not modify HA DRBD properties on volume \`${DB}\`: refused for the test`), String(refused?.message));
  await f.xapi.pbd.plug(pbd);

  // A destroy that fails (a volume made outside the driver, which the plugin's destroy refuses): the
  // options were removed first and are back afterwards.
  await withLinstor(f, (l) => l.resourceGroups.spawn('xcp-sr-linstor_group_thin_device', { resource_definition_name: 'xcp-volume-external', volume_sizes: [4096] }));
  const unplugAll = async () => {
    for (const ref of Object.keys(await f.xapi.pbd.recordsOfSr(sr))) await f.xapi.pbd.unplug(ref);
  };
  await unplugAll();
  await t.throwsAsync(f.xapi.sr.destroy(sr), { message: /SR_BACKEND_FAILURE_5007/ });
  t.deepEqual(await haOptions(f), HA_OPTIONS, 'restored after the failed destroy');
  // The same, with the restore refused (the third RD modify: xapi's attach before SR.destroy sets them,
  // sr_delete removes them, then restores them): what the destroy saw was the database without them.
  f.pool.runtime.controller.sim!.controls.addFault({ method: 'PUT', path: '/v1/resource-definitions/{resource}', nth: 3, status: 500 });
  await t.throwsAsync(f.xapi.sr.destroy(sr), { message: /SR_BACKEND_FAILURE_5007/ });
  f.pool.runtime.controller.sim!.controls.clearFaults();
  t.deepEqual(await haOptions(f), {}, 'removed before the destroy');
  for (const ref of Object.keys(await f.xapi.pbd.recordsOfSr(sr))) await f.xapi.pbd.plug(ref);
  t.deepEqual(await haOptions(f), HA_OPTIONS, 'the next master attach sets them again');

  await withLinstor(f, (l) => l.resourceDefinitions.delete('xcp-volume-external'));
  await unplugAll();
  await f.xapi.sr.destroy(sr);
  await t.throwsAsync(f.xapi.sr.getRecord(sr));

  // monitor-db-quorum false: neither sr_create nor sr_attach sets any of them.
  const quiet = await createSr(f, { ...THIN, 'monitor-db-quorum': 'False' });
  t.deepEqual(await haOptions(f), {});
  const quietPbd = await masterPbd(f, quiet);
  await f.xapi.pbd.unplug(quietPbd);
  await f.xapi.pbd.plug(quietPbd);
  t.deepEqual(await haOptions(f), {});
});
