// A LINSTOR node of another version stops every SR and VDI verb, as sm's volume manager does.
import test from 'ava';
import { callPlugin } from '../../sim/fixtures/plugin.js';
import { srFixture } from '../../sim/fixtures/sr.js';

const MESSAGE = 'Some linstor nodes are not using the same version. Incriminated nodes are: host2,host3';

/** What `xostor-sim node` posts to the pool's control endpoint. */
async function setStatus(controlUrl: string, node: string, status: string): Promise<void> {
  const res = await fetch(`${controlUrl}/node`, { method: 'POST', body: JSON.stringify({ node, connection_status: status }), headers: { 'content-type': 'application/json' } });
  if (!res.ok) throw new Error(await res.text());
}

test('nodes in VERSION_MISMATCH: SR and VDI verbs answer SRUnavailable naming them, healthCheck reports an error; back ONLINE all works', async (t) => {
  const f = await srFixture(t, { hosts: 3 });
  const vdi = await f.xapi.vdi.create({ SR: f.srRef, virtual_size: 8 * 1024 * 1024, name_label: 'before' });
  await setStatus(f.pool.controlUrl, 'host2', 'VERSION_MISMATCH');
  await setStatus(f.pool.controlUrl, 'host3', 'VERSION_MISMATCH');
  const refused = async (what: string, call: () => Promise<unknown>) => {
    const error = await t.throwsAsync(call, undefined, what);
    t.regex(String(error?.message), /SR_BACKEND_FAILURE_47/, what);
    t.true(String(error?.message).includes(MESSAGE), `${what}: ${String(error?.message)}`);
  };
  await refused('SR.scan', () => f.xapi.sr.scan(f.srRef));
  await refused('VDI.create', () => f.xapi.vdi.create({ SR: f.srRef, virtual_size: 8 * 1024 * 1024, name_label: 'during' }));
  await refused('VDI.snapshot', () => f.xapi.call('VDI.snapshot', vdi, {}));
  await refused('VDI.destroy', () => f.xapi.call('VDI.destroy', vdi));
  const report = JSON.parse(await callPlugin(f.pool, 'host1', 'healthCheck', { groupName: f.groupName })) as { errors: { code: number; message?: string }[] };
  t.true(report.errors.some((e) => e.code === 0x2010000 && e.message === MESSAGE), JSON.stringify(report.errors));

  await setStatus(f.pool.controlUrl, 'host2', 'ONLINE');
  await setStatus(f.pool.controlUrl, 'host3', 'ONLINE');
  await f.xapi.vdi.create({ SR: f.srRef, virtual_size: 8 * 1024 * 1024, name_label: 'after' });
  await f.xapi.call('VDI.destroy', vdi);
});
