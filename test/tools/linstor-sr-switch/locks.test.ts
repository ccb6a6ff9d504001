import test from 'ava';
import { spawn } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { once } from 'node:events';
import { heldSrLocks, parseProcLocks } from '../../../tools/linstor-sr-switch/locks.js';
import { hostWithSm } from './helpers.js';

const SR = '3f1e0c2a-5b6d-4e7f-8a9b-0c1d2e3f4a5b';

test('/proc/locks lines give device, inode and holder; waiters hold nothing', (t) => {
  const text = [
    '1: POSIX  ADVISORY  WRITE 1234 fd:01:5678 0 EOF',
    '2: -> POSIX  ADVISORY  WRITE 999 fd:01:5678 0 EOF',
    '3: FLOCK  ADVISORY  WRITE 42 00:2a:77 0 EOF',
    '4: OFDLCK ADVISORY  READ  -1 103:02:9 0 EOF',
  ].join('\n');
  t.deepEqual(parseProcLocks(text), [
    { key: '253:1:5678', pid: 1234 },
    { key: '0:42:77', pid: 42 },
    { key: '259:2:9', pid: -1 },
  ]);
});

test('an fcntl lock on an SR\'s sr lock file, as sm takes it, is seen without being taken', async (t) => {
  const { root } = await hostWithSm(t);
  await mkdir(path.join(root, 'var/lock/sm', SR), { recursive: true });
  await writeFile(path.join(root, 'var/lock/sm', SR, 'gc_active'), '');
  t.deepEqual(await heldSrLocks(root), []);
  const file = path.join(root, 'var/lock/sm', SR, 'sr');
  // sm's lock.py: fcntl.lockf on the lock file, held while the verb runs.
  const holder = spawn('/usr/bin/python3', ['-c', 'import fcntl, sys\nf = open(sys.argv[1], "a")\nfcntl.lockf(f, fcntl.LOCK_EX)\nprint("held", flush=True)\nsys.stdin.read()', file], { stdio: ['pipe', 'pipe', 'inherit'] });
  t.teardown(() => holder.kill());
  await once(holder.stdout, 'data');
  const held = await heldSrLocks(root);
  t.is(held.length, 1);
  t.like(held[0], { sr: SR, lock: 'sr', pid: holder.pid });
  t.regex(held[0]!.command, /python3/);
  holder.stdin.end();
  await once(holder, 'exit');
  t.deepEqual(await heldSrLocks(root), []);
});
