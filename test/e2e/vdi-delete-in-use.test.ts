/**
 * VDI.destroy of a VDI whose DRBD device something outside XAPI holds open (Primary on a node, no VBD,
 * no sm-config host key): the driver refuses before it changes anything, with sm's VDIDelete (80) and
 * the volume manager's message; once the device is closed the same call succeeds. A destroy that LINSTOR
 * then fails leaves the VDI for the next delete, which finishes it.
 */
import test from 'ava';
import { srFixture, type SrFixture } from '../../sim/fixtures/sr.js';

const MIB = 1024 * 1024;

async function kvOf(f: SrFixture): Promise<Record<string, string>> {
  const props = await f.linstor.keyValueStore.props(`xcp-sr-${f.groupName.replace('/', '_')}`);
  return Object.fromEntries(Object.entries(props).map(([k, v]) => [k.replace(/^\//, ''), v]));
}

test('a VDI open outside XAPI on a node is not deleted: VDIDelete (80) "currently in use", nothing changed; deleted once closed', async (t) => {
  const f = await srFixture(t, { hosts: 2, redundancy: 2 });
  const ref = await f.xapi.vdi.create({ SR: f.srRef, virtual_size: 8 * MIB, name_label: 'busy' });
  const uuid = await f.xapi.vdi.getUuid(ref);
  const before = await kvOf(f);
  const rd = before[`xcp/volume/${uuid}/volume-name`]!;
  t.regex(rd, /^xcp-volume-/);

  // A process on host2 (not a tapdisk xapi knows of) holds the device: DRBD Primary there.
  t.true(await f.pool.runtime.setPrimary(rd, 'host2', true));
  const error = await t.throwsAsync(f.xapi.vdi.destroy(ref));
  t.regex(String(error?.message), /SR_BACKEND_FAILURE_80/);
  t.true(String(error?.message).includes(`Could not destroy volume \`${uuid}\` as it is currently in use`), String(error?.message));
  t.is(f.pool.xapi.executions.at(-1)?.name, 'vdi_delete', 'refused by the driver');
  t.is((await f.xapi.vdi.getRecord(ref)).uuid, uuid, 'the VDI stays in XAPI');
  t.deepEqual(await kvOf(f), before, 'and in the KV, unchanged');
  t.true((await f.placement()).has(rd), 'its resource is kept');

  t.true(await f.pool.runtime.setPrimary(rd, 'host2', false));
  await f.xapi.vdi.destroy(ref);
  t.false((await f.placement()).has(rd));
  t.deepEqual(Object.keys(await f.xapi.vdi.getAllRecords()), []);
  t.deepEqual(Object.keys(await kvOf(f)).filter((k) => k.startsWith('xcp/volume/')), []);
});

test('a destroy LINSTOR fails after the in-use check fails the verb and keeps the VDI; the next VDI.destroy finishes it', async (t) => {
  const f = await srFixture(t, { hosts: 2, redundancy: 2 });
  const ref = await f.xapi.vdi.create({ SR: f.srRef, virtual_size: 8 * MIB, name_label: 'flaky' });
  const uuid = await f.xapi.vdi.getUuid(ref);
  const rd = (await kvOf(f))[`xcp/volume/${uuid}/volume-name`]!;
  f.pool.runtime.controller.sim!.controls.addFault({ method: 'DELETE', path: '/v1/resource-definitions/{resource}', status: 500 });
  const error = await t.throwsAsync(f.xapi.vdi.destroy(ref));
  t.regex(String(error?.message), /SR_BACKEND_FAILURE_80/);
  t.is((await f.xapi.vdi.getRecord(ref)).uuid, uuid, 'the VDI stays in XAPI');
  t.is((await kvOf(f))[`xcp/volume/${uuid}/not-exists`], '1', 'marked for the repair to finish');
  await f.xapi.vdi.destroy(ref);
  t.false((await f.placement()).has(rd));
  t.deepEqual(Object.keys(await f.xapi.vdi.getAllRecords()), []);
});
