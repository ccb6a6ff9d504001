import test from 'ava';
import { execa, type ResultPromise } from 'execa';
import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { closeLockHelpers, prepareLockHelper, SmLockBusyError, SmLockError, SmLocks, smLockPath } from '../../../lib/host/sm-lock.js';

const PY = '/usr/bin/python3';
const SR = '11111111-2222-3333-4444-555555555555';

/** A Python process locking like sm's lock.py (fcntl F_SETLKW write lock on the whole file). */
function pythonHolder(file: string): { proc: ResultPromise; ready: Promise<void> } {
  const script = [
    'import fcntl, os, sys, time',
    'os.makedirs(os.path.dirname(sys.argv[1]), exist_ok=True)',
    'f = open(sys.argv[1], "w")',
    'fcntl.lockf(f, fcntl.LOCK_EX)',
    'print("locked", flush=True)',
    'sys.stdin.readline()',
  ].join('\n');
  const proc = execa(PY, ['-c', script, file], { reject: false, stdin: 'pipe' });
  const ready = new Promise<void>((resolve) => proc.stdout!.on('data', () => resolve()));
  return { proc, ready };
}

/** Whether Python can take the lock right now (F_SETLK, non-blocking). */
async function pythonCanLock(file: string): Promise<boolean> {
  const script = 'import fcntl, sys\nf = open(sys.argv[1], "w")\ntry:\n  fcntl.lockf(f, fcntl.LOCK_EX | fcntl.LOCK_NB); print("yes")\nexcept OSError: print("no")';
  return (await execa(PY, ['-c', script, file])).stdout === 'yes';
}

async function root(): Promise<string> {
  return mkdtemp(path.join(os.tmpdir(), 'smlock-'));
}

test('lock paths are sm\'s, and names that could escape the folder are refused', (t) => {
  t.is(smLockPath(SR, 'sr'), `/var/lock/sm/${SR}/sr`);
  t.is(smLockPath('.nil', 'x'), '/var/lock/sm/.nil/x');
  t.throws(() => smLockPath('../etc', 'passwd'), { instanceOf: SmLockError });
  t.throws(() => smLockPath(SR, 'a/b'), { instanceOf: SmLockError });
  t.throws(() => smLockPath(SR, '.hidden'), { instanceOf: SmLockError });
});

test('a lock we hold excludes sm\'s fcntl locks, and is released on release', async (t) => {
  const r = await root();
  const locks = new SmLocks({ root: r });
  t.teardown(() => locks.close());
  const handle = await locks.acquire(SR, 'sr');
  const file = path.join(r, `var/lock/sm/${SR}/sr`);
  t.false(await pythonCanLock(file));
  await handle.release();
  t.true(await pythonCanLock(file));
});

// Serial: it ends the helpers of every SmLocks in this process, the other tests' included.
test.serial('closeLockHelpers frees every lock still held, as the end of the process would', async (t) => {
  const r = await root();
  const [a, b] = [new SmLocks({ root: r }), new SmLocks({ root: r })];
  t.teardown(async () => {
    await a.close();
    await b.close();
  });
  await a.acquire(SR, 'sr');
  await b.acquire(SR, 'other');
  t.false(await pythonCanLock(path.join(r, `var/lock/sm/${SR}/sr`)));
  await closeLockHelpers();
  t.true(await pythonCanLock(path.join(r, `var/lock/sm/${SR}/sr`)));
  t.true(await pythonCanLock(path.join(r, `var/lock/sm/${SR}/other`)));
  // The instances stay usable: a later call starts a new helper.
  const again = await a.tryAcquire(SR, 'sr');
  t.false(await pythonCanLock(path.join(r, `var/lock/sm/${SR}/sr`)));
  await again.release();
});

test.serial('a helper prepared ahead is the one the next SmLocks takes; the one after starts its own', async (t) => {
  const r = await root();
  const [a, b, probe] = [new SmLocks({ root: r }), new SmLocks({ root: r }), new SmLocks({ root: r })];
  t.teardown(async () => {
    for (const l of [a, b, probe]) await l.close();
  });
  const pid = prepareLockHelper();
  t.is(prepareLockHelper(), pid, 'prepared once');
  await a.acquire(SR, 'sr');
  await b.acquire(SR, 'other');
  const holder = async (name: string) => (await probe.tryAcquire(SR, name).then(() => undefined, (e: SmLockBusyError) => e.holderPid));
  t.is(await holder('sr'), pid);
  const other = await holder('other');
  t.true(other !== undefined && other !== pid);
});

test('a lock held by a Python sm process makes tryAcquire busy with its pid, and acquire wait for it', async (t) => {
  const r = await root();
  const file = path.join(r, `var/lock/sm/${SR}/running`);
  const holder = pythonHolder(file);
  await holder.ready;
  const locks = new SmLocks({ root: r });
  t.teardown(() => locks.close());
  const busy = await t.throwsAsync(locks.tryAcquire(SR, 'running'), { instanceOf: SmLockBusyError });
  t.is(busy?.holderPid, holder.proc.pid ?? -1);
  let acquired = false;
  const pending = locks.acquire(SR, 'running').then((h) => {
    acquired = true;
    return h;
  });
  await new Promise((res) => setTimeout(res, 500));
  t.false(acquired, 'waits while the Python holder has it');
  holder.proc.stdin!.write('release\n');
  const handle = await pending;
  t.true(acquired);
  await holder.proc;
  await handle.release();
});

test('re-acquiring in one process nests, as sm\'s per-process locks do', async (t) => {
  const r = await root();
  const locks = new SmLocks({ root: r });
  t.teardown(() => locks.close());
  const a = await locks.acquire(SR, 'sr');
  const b = await locks.tryAcquire(SR, 'sr');
  const file = path.join(r, `var/lock/sm/${SR}/sr`);
  await a.release();
  t.false(await pythonCanLock(file), 'still held once');
  await b.release();
  t.true(await pythonCanLock(file));
});

test('locks die with the process that took them', async (t) => {
  const r = await root();
  const file = path.join(r, `var/lock/sm/${SR}/sr`);
  const script = `
    import { SmLocks } from ${JSON.stringify(path.resolve('lib/host/sm-lock.ts'))};
    const locks = new SmLocks({ root: ${JSON.stringify(r)} });
    await locks.acquire(${JSON.stringify(SR)}, 'sr');
    console.log('locked');
    setTimeout(() => {}, 60000);
  `;
  const child = execa(process.execPath, ['--import=tsx', '--input-type=module', '-e', script], { reject: false });
  await new Promise<void>((resolve) => child.stdout!.on('data', () => resolve()));
  t.false(await pythonCanLock(file));
  child.kill('SIGKILL');
  await child;
  for (let i = 0; i < 50 && !(await pythonCanLock(file)); i += 1) await new Promise((res) => setTimeout(res, 50));
  t.true(await pythonCanLock(file));
});

test('a process holding only idle locks still exits on its own', async (t) => {
  const r = await root();
  const script = `
    import { SmLocks } from ${JSON.stringify(path.resolve('lib/host/sm-lock.ts'))};
    const locks = new SmLocks({ root: ${JSON.stringify(r)} });
    await locks.acquire(${JSON.stringify(SR)}, 'sr');
    console.log('done');
  `;
  const result = await execa(process.execPath, ['--import=tsx', '--input-type=module', '-e', script], { timeout: 20000 });
  t.is(result.stdout, 'done');
});

test('a helper started ahead of use serves locks, and does not keep an idle process alive', async (t) => {
  const r = await root();
  const script = `
    import { SmLocks } from ${JSON.stringify(path.resolve('lib/host/sm-lock.ts'))};
    const locks = new SmLocks({ root: ${JSON.stringify(r)} });
    locks.start();
    locks.start();
    const h = await locks.tryAcquire(${JSON.stringify(SR)}, 'gc_active');
    console.log(h.path);
  `;
  const result = await execa(process.execPath, ['--import=tsx', '--input-type=module', '-e', script], { timeout: 20000 });
  t.is(result.stdout, `/var/lock/sm/${SR}/gc_active`);
});

test('close waits for the helper to exit, so that what the process does after it still runs', async (t) => {
  const r = await root();
  const script = `
    import { SmLocks } from ${JSON.stringify(path.resolve('lib/host/sm-lock.ts'))};
    const locks = new SmLocks({ root: ${JSON.stringify(r)} });
    locks.start();
    await locks.close();
    console.log('after close');
    process.exitCode = 3;
  `;
  const result = await execa(process.execPath, ['--import=tsx', '--input-type=module', '-e', script], { timeout: 20000, reject: false });
  t.is(result.stdout, 'after close');
  t.is(result.exitCode, 3);
});
