import test from 'ava';
import { decodeRequest } from '../../../lib/smapi/request.js';
import { VERB_SPECS, type Verb } from '../../../lib/smapi/verbs.js';
import { driverParams } from '../../../sim/xapi/index.js';
import { createSr, startPool } from './helpers/pool.js';

const BASE = ['host_ref', 'command', 'args', 'device_config'];
const SR = [...BASE, 'session_ref', 'sr_ref', 'sr_uuid', 'subtask_of'];
const VDI = [...BASE, 'session_ref', 'sr_ref', 'sr_uuid', 'vdi_ref', 'vdi_location', 'vdi_uuid', 'subtask_of', 'vdi_on_boot', 'vdi_allow_caching'];
/** spec/smapi-protocol.md §1.3: the members of each verb's struct, in xapi's order. */
const KEYS: Partial<Record<Verb, readonly string[]>> = {
  sr_get_driver_info: BASE,
  sr_probe: [...BASE, 'session_ref', 'sr_sm_config', 'subtask_of'],
  sr_create: SR, sr_attach: SR, sr_detach: SR, sr_delete: SR, sr_scan: SR, sr_update: SR,
  vdi_create: [...BASE, 'session_ref', 'sr_ref', 'vdi_type', 'sr_uuid', 'vdi_sm_config', 'subtask_of'],
  vdi_snapshot: [...VDI.slice(0, 10), 'driver_params', ...VDI.slice(10)],
  vdi_clone: [...VDI.slice(0, 10), 'driver_params', ...VDI.slice(10)],
  vdi_update: VDI, vdi_delete: VDI, vdi_resize: VDI, vdi_attach: VDI, vdi_activate: VDI, vdi_deactivate: VDI, vdi_detach: VDI,
};
/** Where each verb must run in this scenario: the pool master, or host2 where the VM runs. */
const ON_VM_HOST = new Set(['vdi_attach', 'vdi_activate', 'vdi_deactivate', 'vdi_detach']);

test('over a whole SR lifecycle, every driver run decodes with the driver\'s own parser and carries exactly its verb\'s keys and args, on the right host', async (t) => {
  const pool = await startPool(t, 3);
  const { xapi } = pool;
  const sr = await createSr(pool);
  await xapi.sr.probe(pool.ref('host1'), { 'group-name': 'g' }, 'linstor');
  const vdi = await xapi.vdi.create({ SR: sr, virtual_size: 1 << 30, name_label: 'ünïcode & <label>' });
  const snap = await xapi.vdi.snapshot(vdi);
  const clone = await xapi.vdi.clone(snap);
  await xapi.vdi.resize(vdi, 2 ** 31);
  const vm = await xapi.vm.create({ name_label: 'guest' });
  await xapi.vbd.create({ VM: vm, VDI: vdi });
  await xapi.vm.startOn(vm, pool.ref('host2'));
  await xapi.vm.cleanShutdown(vm);
  await xapi.sr.scan(sr);
  for (const ref of [clone, snap, vdi]) await xapi.vdi.destroy(ref);
  for (const pbd of Object.keys(await xapi.pbd.recordsOfSr(sr))) await xapi.pbd.unplug(pbd);
  await xapi.sr.destroy(sr);

  const runs = pool.sim.executions.filter((e) => e.kind === 'driver');
  t.deepEqual([...new Set(runs.map((r) => r.name))].sort(), Object.keys(KEYS).sort());
  for (const run of runs) {
    const verb = run.name as Verb;
    const request = decodeRequest(run.argv.slice(1));
    t.is(request.verb, verb);
    const params = driverParams(run);
    t.deepEqual(Object.keys(params), KEYS[verb], `${verb} keys`);
    t.is((params['args'] as string[]).length, VERB_SPECS[verb].args.length, `${verb} args`);
    t.is(request.hostRef, pool.ref(run.host), `${verb} host_ref names the host it ran on`);
    if (verb === 'sr_get_driver_info') continue;
    const onVmHost = ON_VM_HOST.has(verb);
    const expectedHost = onVmHost ? 'host2' : verb === 'sr_attach' || verb === 'sr_detach' ? run.host : 'host1';
    t.is(run.host, expectedHost, `${verb} runs on ${expectedHost}`);
    t.is(request.srMaster, run.host === 'host1', `${verb} SRmaster on ${run.host}`);
    t.is(run.env['LINSTOR_SR_ROOT'], pool.sim.host(run.host).root);
  }
  const create = runs.find((r) => r.name === 'vdi_create');
  t.is((driverParams(create!)['args'] as string[])[1], 'ünïcode & <label>');
});
