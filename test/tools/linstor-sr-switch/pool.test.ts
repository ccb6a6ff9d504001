import test from 'ava';
import { poolHealthy, renderPool, type HostOutcome } from '../../../tools/linstor-sr-switch/pool.js';
import type { StatusReport } from '../../../tools/linstor-sr-switch/report.js';

const report = (state: 'enabled' | 'disabled', now: 'linstor-sr' | 'sm', problems: string[] = []): StatusReport => ({
  state, sm: '3.2.12-8.3', linstorSr: '0.1.0-1', problems,
  paths: ['/opt/xensource/sm/LinstorSR', '/opt/xensource/sm/LinstorSR.py'].map((path) => ({ path, role: 'r', now, backup: now === 'sm' ? 'none' : 'sm' })),
});

test('the pool table has one line per host, a refusal on one line', (t) => {
  const outcomes: HostOutcome[] = [
    { host: 'host1', ok: true, report: report('enabled', 'linstor-sr') },
    { host: 'host2', ok: true, report: report('disabled', 'sm') },
    { host: 'host3', ok: false, error: 'SR x: lock sr is held by pid 1 (python3)\nenable refused: nothing changed' },
  ];
  t.is(
    renderPool(outcomes),
    [
      'HOST   STATE     IMPLEMENTATION  SM          LINSTOR-SR  PROBLEMS',
      'host1  enabled   linstor-sr      3.2.12-8.3  0.1.0-1     none',
      'host2  disabled  sm              3.2.12-8.3  0.1.0-1     none',
      'host3  -         -               -           -           SR x: lock sr is held by pid 1 (python3); enable refused: nothing changed',
      '',
    ].join('\n'),
  );
  t.false(poolHealthy(outcomes));
  t.true(poolHealthy(outcomes.slice(0, 2)), 'a mixed pool is a healthy pool');
  t.false(poolHealthy([{ host: 'host1', ok: true, report: report('enabled', 'sm', ['x']) }]));
});
