/**
 * sm's lock files (spec/blktap2.md §3.1): `/var/lock/sm/<ns>/<name>`, held with fcntl write locks so
 * that this driver and any Python sm code on the host (the GC, tapdisk-pause, resetvdis) exclude each
 * other. Node has no fcntl API and flock(2) would not exclude sm, so the locks are held by a small
 * Python helper process (dom0/sm-lock-helper.py) that dies with us, releasing them.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { hostPath } from './env.js';

/** A lock request failed for a reason other than contention (helper missing, I/O error). */
export class SmLockError extends Error {
  override name = 'SmLockError';
}

/** The lock is held by another process (non-blocking attempts only). */
export class SmLockBusyError extends SmLockError {
  override name = 'SmLockBusyError';
  readonly holderPid: number;
  constructor(lockPath: string, holderPid: number) {
    super(`${lockPath} is locked by pid ${holderPid}`);
    this.holderPid = holderPid;
  }
}

const SAFE = /^[A-Za-z0-9_-][A-Za-z0-9._-]*$/;

/** The dom0 path of sm's lock `name` in namespace `ns` (a uuid, or `.nil` when sm passes none). */
export function smLockPath(ns: string, name: string): string {
  for (const part of [ns, name]) {
    if (!SAFE.test(part) && part !== '.nil') throw new SmLockError(`invalid lock name or namespace ${JSON.stringify(part)}`);
  }
  return `/var/lock/sm/${ns}/${name}`;
}

export type SmLocksOptions = {
  /** LINSTOR_SR_ROOT: lock paths are dom0 paths opened under it. */
  readonly root: string;
  /** The helper script; by default next to the running bundle, or dom0/ in the sources. */
  readonly helper?: string;
  readonly python?: string;
};

/** A held lock; release() is idempotent. */
export type SmLockHandle = { readonly path: string; release(): Promise<void> };

function defaultHelper(): string {
  const candidates = [
    path.join(path.dirname(process.argv[1] ?? ''), 'sm-lock-helper.py'),
    // Where make install puts it, for the plugin (installed in /etc/xapi.d/plugins) and the tools.
    '/opt/xensource/sm/linstor-sr/sm-lock-helper.py',
    path.resolve(path.dirname(new URL(import.meta.url).pathname), '..', '..', 'dom0', 'sm-lock-helper.py'),
  ];
  return candidates.find((c) => existsSync(c)) ?? candidates[0]!;
}

/** Every SmLocks whose helper runs, so that the end of a call can end them all (closeLockHelpers). */
const running = new Set<SmLocks>();

/**
 * Ends every lock helper of this process, as the process's exit would: what an agent worker does after
 * each call, so that a call that forgot a lock cannot hold it into the next one.
 */
export async function closeLockHelpers(): Promise<void> {
  await Promise.all([...running].map((locks) => locks.close()));
}

function pythonOf(options: { python?: string }): string {
  return options.python ?? (existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3');
}

function spawnHelper(python: string, helper: string): ChildProcess {
  return spawn(python, ['-I', '-S', helper], { stdio: ['pipe', 'pipe', 'ignore'] });
}

/** A helper started ahead of need (prepareLockHelper), for the next SmLocks of this process to take. */
let prepared: { child: ChildProcess; python: string; helper: string } | undefined;

/**
 * Starts a helper now for the next SmLocks of this process that needs one: an agent worker calls it
 * once a call has ended, so that the next call's first lock does not wait for Python to start. It is a
 * fresh process holding no lock, as the one that SmLocks would have started; idle, it keeps nothing
 * alive. Returns its pid.
 */
export function prepareLockHelper(options: { python?: string; helper?: string } = {}): number | undefined {
  const python = pythonOf(options);
  const helper = options.helper ?? defaultHelper();
  const current = prepared;
  if (current && current.python === python && current.helper === helper && current.child.exitCode === null && current.child.signalCode === null) return current.child.pid;
  current?.child.stdin?.end();
  const child = spawnHelper(python, helper);
  const forget = () => {
    if (prepared?.child === child) prepared = undefined;
  };
  child.on('error', forget);
  child.on('exit', forget);
  child.stdin!.on('error', () => undefined);
  for (const handle of [child, child.stdin, child.stdout] as unknown as { unref?: () => void }[]) handle?.unref?.();
  prepared = { child, python, helper };
  return child.pid;
}

/** The prepared helper if it suits (same interpreter and script) and still runs; it is no longer prepared. */
function takePrepared(python: string, helper: string): ChildProcess | undefined {
  const p = prepared;
  if (!p || p.python !== python || p.helper !== helper || p.child.exitCode !== null || p.child.signalCode !== null) return undefined;
  prepared = undefined;
  p.child.removeAllListeners('exit');
  p.child.removeAllListeners('error');
  return p.child;
}

/** One helper process per SR session (a driver call opens one), started on first use. */
export class SmLocks {
  readonly #options: SmLocksOptions;
  #child: ChildProcess | undefined;
  #nextId = 0;
  readonly #pending = new Map<string, { resolve: (reply: string) => void; reject: (e: Error) => void }>();

  constructor(options: SmLocksOptions) {
    this.#options = options;
  }

  /** Waits for the lock (sm's `acquire`). */
  async acquire(ns: string, name: string): Promise<SmLockHandle> {
    return this.#take(ns, name, 'acquire');
  }

  /** Takes the lock or throws SmLockBusyError at once (sm's `acquireNoblock`). */
  async tryAcquire(ns: string, name: string): Promise<SmLockHandle> {
    return this.#take(ns, name, 'try');
  }

  /**
   * Starts the helper now rather than at the first lock request, so that its start overlaps other work
   * (the collector's XAPI login and controller discovery). An idle helper never keeps the process alive.
   */
  start(): void {
    this.#start();
  }

  /** Ends the helper: every lock it holds is released by the kernel. */
  async close(): Promise<void> {
    const child = this.#child;
    this.#child = undefined;
    running.delete(this);
    if (!child) return;
    await new Promise<void>((resolve) => {
      child.once('exit', () => resolve());
      // An idle helper is unreferenced: without this, a process with nothing else to do would end here,
      // before the helper's exit, and skip what its caller does after close() (exit status, last logs).
      this.#keepAlive(child, true);
      child.stdin?.end();
      setTimeout(() => {
        child.kill('SIGKILL');
        resolve();
      }, 2000).unref();
    });
  }

  async #take(ns: string, name: string, verb: 'acquire' | 'try'): Promise<SmLockHandle> {
    const dom0 = smLockPath(ns, name);
    const local = hostPath(this.#options.root, dom0);
    const reply = await this.#request(verb, local);
    if (reply.startsWith('busy ')) throw new SmLockBusyError(dom0, Number(reply.slice(5)));
    if (reply !== 'ok') throw new SmLockError(`${verb} ${dom0}: ${reply}`);
    let released = false;
    return {
      path: dom0,
      release: async () => {
        if (released) return;
        released = true;
        const r = await this.#request('release', local);
        if (r !== 'ok') throw new SmLockError(`release ${dom0}: ${r}`);
      },
    };
  }

  #request(verb: string, localPath: string): Promise<string> {
    const child = this.#start();
    const id = String((this.#nextId += 1));
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { resolve, reject });
      this.#keepAlive(child, true);
      child.stdin!.write(`${id} ${verb} ${localPath}\n`);
    });
  }

  #start(): ChildProcess {
    if (this.#child) return this.#child;
    const python = pythonOf(this.#options);
    const helper = this.#options.helper ?? defaultHelper();
    const child = takePrepared(python, helper) ?? spawnHelper(python, helper);
    const failAll = (error: Error) => {
      for (const p of this.#pending.values()) p.reject(error);
      this.#pending.clear();
      if (this.#child === child) {
        this.#child = undefined;
        running.delete(this);
      }
    };
    child.on('error', (e) => failAll(new SmLockError(`cannot run the lock helper: ${e.message}`, { cause: e })));
    child.on('exit', (code) => failAll(new SmLockError(`the lock helper exited (${code})`)));
    child.stdin!.on('error', () => undefined);
    createInterface({ input: child.stdout! }).on('line', (line) => {
      const space = line.indexOf(' ');
      const waiter = this.#pending.get(line.slice(0, space));
      if (!waiter) return;
      this.#pending.delete(line.slice(0, space));
      if (this.#pending.size === 0) this.#keepAlive(child, false);
      waiter.resolve(line.slice(space + 1));
    });
    this.#keepAlive(child, false);
    this.#child = child;
    running.add(this);
    return child;
  }

  /**
   * The helper keeps this process alive only while a request waits for its answer: an idle helper
   * (holding locks or not) must not stop the driver from exiting — it exits when our pipe closes.
   */
  #keepAlive(child: ChildProcess, on: boolean): void {
    for (const handle of [child, child.stdin, child.stdout] as unknown as { ref?: () => void; unref?: () => void }[]) {
      if (on) handle?.ref?.();
      else handle?.unref?.();
    }
  }
}
