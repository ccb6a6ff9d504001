import test from 'ava';
import { callEndMessage } from '../../../lib/log/call-end.js';

test("a call's last line: duration rounded, outcome, and this process's peak resident size in MiB", (t) => {
  const ballast = Buffer.alloc(64 * 1024 * 1024, 1); // touched pages count
  const line = callEndMessage('vdi_attach', 828.6, 'fault 46');
  t.true(ballast[0] === 1);
  const m = /^vdi_attach done in 829 ms: fault 46; peak RSS (\d+) MiB$/.exec(line);
  t.truthy(m, line);
  t.true(Number(m![1]) >= 64, line);
});
