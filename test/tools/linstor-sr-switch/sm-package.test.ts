import test from 'ava';
import type { Exec } from '../../../lib/exec/run.js';
import { queryOwnVersion, querySmPackage, RpmQueryError } from '../../../tools/linstor-sr-switch/sm-package.js';

/** An rpm that answers `stdout` with `exitCode`, recording its argv. */
function fakeRpm(stdout: string, exitCode = 0, stderr = ''): { exec: Exec; calls: string[][] } {
  const calls: string[][] = [];
  return { calls, exec: async (file, args) => (calls.push([file, ...args]), { stdout, stderr, exitCode }) };
}

const SM_QUERY = [
  '3.2.12-8.3',
  '8',
  '/opt/xensource/sm\t\t',
  '/opt/xensource/sm/LinstorSR\t\tLinstorSR.py',
  `/opt/xensource/sm/LinstorSR.py\t${'a'.repeat(64)}\t`,
  `/opt/xensource/sm/LVMSR.py\t${'b'.repeat(64)}\t`,
  `/etc/xapi.d/plugins/linstor-manager\t${'c'.repeat(64)}\t`,
  '',
].join('\n');

test('sm\'s managed files are read from the RPM database: digests, link targets, the algorithm', async (t) => {
  const { exec, calls } = fakeRpm(SM_QUERY);
  const sm = await querySmPackage(exec, '/scratch');
  t.is(sm?.version, '3.2.12-8.3');
  t.is(sm?.algorithm, 'sha256');
  t.deepEqual([...(sm?.files ?? [])], [
    ['/opt/xensource/sm/LinstorSR', { kind: 'link', target: 'LinstorSR.py' }],
    ['/opt/xensource/sm/LinstorSR.py', { kind: 'file', digest: 'a'.repeat(64) }],
    ['/etc/xapi.d/plugins/linstor-manager', { kind: 'file', digest: 'c'.repeat(64) }],
  ]);
  t.deepEqual(calls[0]!.slice(1, 5), ['--root', '/scratch', '--dbpath', '/var/lib/rpm']);
  const onDom0 = fakeRpm(SM_QUERY);
  await querySmPackage(onDom0.exec, '/');
  t.deepEqual(onDom0.calls[0]!.slice(1, 2), ['-q'], 'rpm\'s own database on dom0');
});

test('sm not installed is no error; a broken database is', async (t) => {
  t.is(await querySmPackage(fakeRpm('package sm is not installed\n', 1).exec, '/'), undefined);
  t.is(await queryOwnVersion(fakeRpm('package linstor-sr is not installed\n', 1).exec, '/'), undefined);
  t.is(await queryOwnVersion(fakeRpm('0.1.0-1').exec, '/'), '0.1.0-1');
  await t.throwsAsync(querySmPackage(fakeRpm('', 1, 'error: cannot open Packages database').exec, '/'), { instanceOf: RpmQueryError, message: /cannot open Packages database/ });
  await t.throwsAsync(querySmPackage(fakeRpm('1-1\n99\n').exec, '/'), { instanceOf: RpmQueryError, message: /digest algorithm "99"/ });
});
