import test from 'ava';
import { execa } from 'execa';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { ROOT } from '../helpers/run-built.js';
import { runScenarios } from './runner.js';
import { CheckError, expectXapiError, type Scenario } from './scenario.js';
import { startSimulatedPool } from './simulated-pool.js';

test('npm run conformance runs the scenarios against a mixed pool it starts (host2 with the pre-2026 plugin) and ends with "N passed, 0 failed", exit 0', async (t) => {
  // The storage scenarios create and destroy an SR and attach VDIs: minutes on a loaded CI machine.
  t.timeout(20 * 60_000);
  const pkg = JSON.parse(await readFile(path.join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
  t.is(pkg.scripts['conformance'], 'npm run build && node --import=tsx test/conformance/run.ts');
  const env = { XAPI_URL: '', CONFORMANCE_LEGACY_HOSTS: 'host2' };
  const result = await execa('node', ['--import=tsx', 'test/conformance/run.ts'], { cwd: ROOT, reject: false, env, timeout: 20 * 60_000 });
  const lines = result.stdout.trim().split('\n');
  t.is(result.exitCode, 0, result.stdout + result.stderr);
  t.regex(lines[0] ?? '', /^# conformance against the simulated pool at .* \(pre-2026 plugin on host2\)$/);
  t.true(lines.some((l) => /^ok - LINSTOR version guard/.test(l)), 'the version guard ran (it needs the simulated pool\'s controls)');
  t.regex(lines.at(-1) ?? '', /^(\d+) passed, 0 failed$/);
  t.true(Number(/^(\d+)/.exec(lines.at(-1) ?? '')?.[1]) >= 10);
  t.false(lines.some((l) => l.startsWith('not ok')));
});

test('a failing scenario is reported "not ok" and counted; a skipped one is neither passed nor failed', async (t) => {
  const pool = await startSimulatedPool(1);
  t.teardown(() => pool.stop());
  const scenarios: Scenario[] = [
    { name: 'passes', run: async ({ xapi }) => expectXapiError(xapi.vdi.getRecord('OpaqueRef:none'), 'HANDLE_INVALID') },
    { name: 'fails', run: async () => { throw new CheckError('expected 1, got 2'); } },
    { name: 'expects the wrong error', run: async ({ xapi }) => expectXapiError(xapi.vdi.getRecord('OpaqueRef:none'), 'UUID_INVALID') },
    { name: 'skips', run: async () => ({ skip: 'not here' }) },
  ];
  const summary = await runScenarios(scenarios, pool.target);
  t.like(summary, { passed: 1, failed: 2, skipped: 1 });
  t.regex(summary.lines[1] ?? '', /^not ok - fails: expected 1, got 2$/);
  t.regex(summary.lines[2] ?? '', /^not ok - expects the wrong error: error code: expected "UUID_INVALID", got "HANDLE_INVALID"$/);
  t.is(summary.lines.at(-1), '1 passed, 2 failed');
});
