import test from 'ava';
import { mkdtemp, readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { AppendFileSink } from '../../../lib/log/append-file-sink.js';
import { callEndMessage } from '../../../lib/log/call-end.js';
import { callerPid, setCallerPid } from '../../../lib/log/caller.js';

test("a call's last line: duration rounded, outcome, and this process's peak resident size in MiB", (t) => {
  const ballast = Buffer.alloc(64 * 1024 * 1024, 1); // touched pages count
  const line = callEndMessage('vdi_attach', 828.6, 'fault 46');
  t.true(ballast[0] === 1);
  const m = /^vdi_attach done in 829 ms: fault 46; peak RSS (\d+) MiB$/.exec(line);
  t.truthy(m, line);
  t.true(Number(m![1]) >= 64, line);
});

test.serial("in an agent worker the caller's pid is what the sinks write, and the last line names the worker", async (t) => {
  const file = path.join(await mkdtemp(path.join(os.tmpdir(), 'caller-')), 'log');
  setCallerPid(4242);
  try {
    t.is(callerPid(), 4242);
    t.regex(callEndMessage('vdi_attach', 1, 'ok'), new RegExp(`; peak RSS \\d+ MiB \\(agent worker ${process.pid}\\)$`));
    const sink = new AppendFileSink({ file, ident: 'SM' });
    sink.write({ time: new Date(), level: 'info', message: 'hello' });
    await sink.close();
  } finally {
    setCallerPid(undefined);
  }
  t.regex(await readFile(file, 'utf8'), /^\S+ SM: \[4242\] info: hello$/m);
  t.is(callerPid(), process.pid);
  t.notRegex(callEndMessage('vdi_attach', 1, 'ok'), /agent worker/);
});
