import test from 'ava';
import { parseAgentArgs } from '../../agent/args.js';

test('the agent runs with defaults, each overridable', (t) => {
  t.deepEqual(parseAgentArgs([]), { socket: undefined, maxWorkers: 4, spare: 1, maxRequests: 200, maxRssMiB: 200, deadlineSeconds: 3600 });
  t.like(parseAgentArgs(['--socket', '/run/x.sock', '--max-workers', '2', '--spare', '0', '--max-requests', '5', '--max-rss-mib', '90', '--deadline', '7']), {
    socket: '/run/x.sock', maxWorkers: 2, spare: 0, maxRequests: 5, maxRssMiB: 90, deadlineSeconds: 7,
  });
});

test('bad agent options are refused with the reason', (t) => {
  for (const [argv, why] of [
    [['--socket', 'relative.sock'], /absolute/],
    [['--max-workers', '0'], /≥ 1/],
    [['--max-workers', '1.5'], /integer/],
    [['--deadline', '-1'], /integer/],
    [['--spare', '3', '--max-workers', '2'], /cannot exceed/],
    [['--bogus', '1'], /unknown option/],
    [['--spare'], /needs a value/],
  ] as const) {
    t.throws(() => parseAgentArgs(argv), { message: why });
  }
});
