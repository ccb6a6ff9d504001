import test from 'ava';
import type { StandInBehaviour } from '../../../sim/xapi/stand-in-driver.js';
import { createSr, startPool, type TestPool } from './helpers/pool.js';

// One pool for the table: the behaviours are per verb, and each case sets then clears its own.
const shared: { pool?: Promise<TestPool> } = {};
const cleanups: Array<() => Promise<void>> = [];
test.serial.before(async () => {
  shared.pool = startPool({ teardown: (fn) => cleanups.push(fn) }, 1, { driverTimeoutMs: 5000 });
  await shared.pool;
});
test.after.always(async () => {
  for (const fn of cleanups) await fn();
});

async function srOf(pool: TestPool): Promise<string> {
  const [sr] = await pool.xapi.sr.getAll();
  return sr ?? createSr(pool);
}

type Case = { behaviour: StandInBehaviour; code: string; params: (sr: string) => readonly (string | RegExp)[] };

const CASES: Record<string, Case> = {
  'fault 38 on sr_update becomes SR_OPERATION_NOT_SUPPORTED [sr]': { behaviour: { fault: [38, 'not implemented'] }, code: 'SR_OPERATION_NOT_SUPPORTED', params: (sr) => [sr] },
  'fault 39 becomes SR_NOT_EMPTY []': { behaviour: { fault: [39, 'The SR is not empty'] }, code: 'SR_NOT_EMPTY', params: () => [] },
  'fault 24 becomes VDI_IN_USE []': { behaviour: { fault: [24, 'The VDI is currently in use'] }, code: 'VDI_IN_USE', params: () => [] },
  'fault 16 becomes SR_DEVICE_IN_USE []': { behaviour: { fault: [16, 'The SR device is currently in use'] }, code: 'SR_DEVICE_IN_USE', params: () => [] },
  'any other fault becomes SR_BACKEND_FAILURE_<n> ["", faultString, stderr]': {
    behaviour: { fault: [47, 'The SR is not available [opterr=no controller]'], stderr: 'trace line' },
    code: 'SR_BACKEND_FAILURE_47', params: () => ['', 'The SR is not available [opterr=no controller]', 'trace line'],
  },
  'a crash (non-zero exit) becomes SR_BACKEND_FAILURE ["non-zero exit", stdout, stderr]': {
    behaviour: { crash: true, stderr: 'Segmentation fault' }, code: 'SR_BACKEND_FAILURE', params: () => ['non-zero exit', '', 'Segmentation fault'],
  },
  'garbage on stdout becomes SR_BACKEND_FAILURE [parse error, stdout, stderr]': {
    behaviour: { garbage: 'hello <not xml' }, code: 'SR_BACKEND_FAILURE', params: () => [/./, 'hello <not xml', ''],
  },
  'a non-nil answer to a nil verb is refused': {
    behaviour: { reply: '<methodResponse><params><param><value>surprise</value></param></params></methodResponse>' },
    code: 'INTERNAL_ERROR', params: () => [/sr_update: expected nil/],
  },
  'a hanging driver is killed at the timeout: SR_BACKEND_FAILURE ["received signal: SIGKILL (timed out)", …]': {
    behaviour: { hang: true }, code: 'SR_BACKEND_FAILURE', params: () => [/timed out/, '', ''],
  },
};

for (const [title, c] of Object.entries(CASES)) {
  test.serial(title, async (t) => {
    const pool = await shared.pool!;
    const sr = await srOf(pool);
    pool.driver.setBehaviour('sr_update', c.behaviour);
    const error = (await t.throwsAsync(pool.xapi.sr.update(sr))) as unknown as { code: string; params: string[] };
    pool.driver.setBehaviour('sr_update', undefined);
    t.is(error.code, c.code);
    const expected = c.params(sr);
    t.is(error.params.length, expected.length, JSON.stringify(error.params));
    expected.forEach((p, i) => (typeof p === 'string' ? t.is(error.params[i], p) : t.regex(error.params[i] ?? '', p)));
    // The simulator keeps serving, and the recorded run says what happened.
    await pool.xapi.sr.update(sr);
    const failed = pool.sim.executions.filter((e) => e.name === 'sr_update' && e.outcome.kind === 'error').at(-1);
    t.like(failed?.outcome, { kind: 'error', code: c.code });
  });
}

test.serial('fault 144 on a VDI verb becomes VDI_MISSING [sr, vdi]', async (t) => {
  const pool = await shared.pool!;
  const sr = await srOf(pool);
  const vdi = await pool.xapi.vdi.create({ SR: sr, virtual_size: 1 << 20 });
  pool.driver.setBehaviour('vdi_update', { fault: [144, 'VDI could not be found'] });
  const error = await t.throwsAsync(pool.xapi.vdi.update(vdi));
  pool.driver.setBehaviour('vdi_update', undefined);
  t.like(error, { code: 'VDI_MISSING', params: [sr, vdi] });
});

test.serial('a VDI result without location is an XML parse failure, and no VDI row is invented', async (t) => {
  const pool = await shared.pool!;
  const sr = await srOf(pool);
  const before = (await pool.xapi.vdi.getAll()).length;
  pool.driver.setBehaviour('vdi_create', {
    reply: '<methodResponse><params><param><value><struct><member><name>uuid</name><value>x</value></member></struct></value></param></params></methodResponse>',
  });
  const error = (await t.throwsAsync(pool.xapi.vdi.create({ SR: sr, virtual_size: 1 }))) as unknown as { code: string; params: string[] };
  pool.driver.setBehaviour('vdi_create', undefined);
  t.is(error.code, 'SR_BACKEND_FAILURE');
  t.is(error.params[0], '');
  t.regex(error.params[1] ?? '', /^XML parse failure: /);
  t.is(error.params[2], '<struct> missing field: location');
  t.is((await pool.xapi.vdi.getAll()).length, before);
});

test.serial('an armed fault point reaches the next run of that verb on that host only', async (t) => {
  const pool = await shared.pool!;
  const sr = await srOf(pool);
  pool.sim.armFault('host1', 'sr_update', 'sr_update:start:throw');
  await pool.xapi.sr.update(sr);
  await pool.xapi.sr.update(sr);
  const [first, second] = pool.sim.executions.filter((e) => e.name === 'sr_update').slice(-2);
  t.is(first?.env['LINSTOR_SR_FAULTS'], 'sr_update:start:throw');
  t.is(second?.env['LINSTOR_SR_FAULTS'], undefined);
});

test('stop() kills driver runs still in flight, and system.listMethods lists the served methods', async (t) => {
  const pool = await startPool(t, 1);
  const methods = await pool.xapi.client.callWithoutSession<string[]>('system.listMethods');
  t.true(methods.includes('VDI.db_introduce') && methods.includes('host.call_plugin'));
  const sr = await createSr(pool);
  pool.driver.setBehaviour('sr_update', { hang: true });
  const pending = pool.xapi.sr.update(sr).catch((error: unknown) => error);
  for (let i = 0; i < 200 && pool.sim.processes.size === 0; i += 1) await new Promise((resolve) => setTimeout(resolve, 25));
  const [pid] = [...pool.sim.processes];
  t.truthy(pid);
  await pool.sim.stop();
  await pending;
  await new Promise((resolve) => setTimeout(resolve, 200));
  t.throws(() => process.kill(pid!, 0), { code: 'ESRCH' });
});
