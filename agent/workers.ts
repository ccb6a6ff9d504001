/**
 * The agent's warm workers (agent/worker.ts), each one call at a time. A connection reserves a worker
 * before its launcher commits (reserve), so the agent never queues a call: with every worker busy and
 * `maxWorkers` reached the launcher hears `busy` and runs the call itself — a call that calls back into
 * this host (a verb calling the plugin) can never wait for a worker its own caller holds.
 * A worker is replaced after `maxRequests` calls or when it grew past `maxRssBytes` (a leak stays in
 * one worker); one that dies or outlives its call's deadline takes only that call with it.
 */
import { fork, type ChildProcess } from 'node:child_process';
import type { AgentAnswer, AgentRequest } from './frame.js';
import type { FromWorker, ToWorker } from './ipc.js';

export type WorkersOptions = {
  /** The worker bundle (dist/linstor-sr-agent-worker.cjs). */
  readonly script: string;
  /** The Node runtime for workers (the agent's own by default). */
  readonly execPath?: string;
  readonly maxWorkers: number;
  /** Idle (or starting) workers kept ready beyond the busy ones. */
  readonly spare: number;
  readonly maxRequests: number;
  readonly maxRssBytes: number;
  /** Idle workers beyond `spare` stop after this long. */
  readonly idleMs: number;
  /** What the agent logs: `warn` for a call that died, `info` for routine replacements. */
  readonly onEvent?: (level: 'info' | 'warn', message: string) => void;
};

type State = 'starting' | 'idle' | 'reserved' | 'busy' | 'gone';

class Worker {
  readonly child: ChildProcess;
  state: State = 'starting';
  /** Reserved before it finished starting: the call waits for `ready`. */
  reservedEarly = false;
  calls = 0;
  idleSince = Date.now();
  readonly #readyWaiters: (() => void)[] = [];
  #current: { id: number; settle: (answer: AgentAnswer | undefined) => void } | undefined;

  constructor(child: ChildProcess) {
    this.child = child;
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  /** Resolves once the worker is ready, or at once when it is (or is gone: its caller checks). */
  whenReady(): Promise<void> {
    if (this.state !== 'starting') return Promise.resolve();
    return new Promise((resolve) => this.#readyWaiters.push(resolve));
  }

  markReady(): void {
    this.reservedEarly = false;
    for (const w of this.#readyWaiters.splice(0)) w();
  }

  begin(id: number, settle: (answer: AgentAnswer | undefined) => void): void {
    this.#current = { id, settle };
  }

  settle(id: number, answer: AgentAnswer | undefined): void {
    if (this.#current?.id !== id) return;
    const { settle } = this.#current;
    this.#current = undefined;
    settle(answer);
  }

  /** The call in progress ends without an answer (the worker died or was killed). */
  abandon(): void {
    if (this.#current) this.settle(this.#current.id, undefined);
    for (const w of this.#readyWaiters.splice(0)) w();
  }
}

export class Workers {
  readonly #options: WorkersOptions;
  readonly #all = new Set<Worker>();
  #nextId = 0;
  #closed = false;
  readonly #idleTimer: NodeJS.Timeout;

  constructor(options: WorkersOptions) {
    this.#options = options;
    this.#idleTimer = setInterval(() => this.#shrink(), Math.max(1000, Math.floor(options.idleMs / 2)));
    this.#idleTimer.unref();
    this.#topUp();
  }

  /** A worker for one call, or undefined when every allowed worker is busy. */
  reserve(): Worker | undefined {
    if (this.#closed) return undefined;
    let worker = [...this.#all].find((w) => w.state === 'idle') ?? [...this.#all].find((w) => w.state === 'starting' && !w.reservedEarly);
    if (!worker && this.#all.size < this.#options.maxWorkers) worker = this.#spawn();
    if (!worker) return undefined;
    if (worker.state === 'starting') worker.reservedEarly = true;
    else worker.state = 'reserved';
    this.#topUp();
    return worker;
  }

  /** The launcher left before sending its call: the worker is free again. */
  release(worker: Worker): void {
    if (worker.state === 'reserved') {
      worker.state = 'idle';
      worker.idleSince = Date.now();
    } else if (worker.state === 'starting') {
      worker.reservedEarly = false;
    }
  }

  /**
   * Runs the call on its reserved worker, or on another when that one died before the call reached it.
   * Resolves with the answer, or undefined when the call died without one (its worker exited, or was
   * killed at the deadline or with its launcher) or no worker could take it.
   */
  async run(reserved: Worker, request: AgentRequest, deadlineMs: number, call: { signal?: AbortSignal; onWorker?: (worker: Worker) => void } = {}): Promise<AgentAnswer | undefined> {
    let worker = reserved;
    await worker.whenReady();
    // The reserved worker died before it got the call (so the call ran nowhere): another one takes it,
    // unless the launcher is gone meanwhile (its call goes with it).
    for (let tries = 0; worker.state === 'gone' && tries < 3 && call.signal?.aborted !== true; tries += 1) {
      const other = this.reserve();
      if (!other) return undefined;
      worker = other;
      call.onWorker?.(worker);
      await worker.whenReady();
    }
    if (worker.state === 'gone' || call.signal?.aborted === true) {
      this.release(worker);
      return undefined;
    }
    const id = (this.#nextId += 1);
    worker.state = 'busy';
    worker.calls += 1;
    return new Promise<AgentAnswer | undefined>((resolve) => {
      const timer = setTimeout(() => {
        this.#event('warn', `call ${id} (${describe(request)}) passed its deadline of ${deadlineMs} ms: killing worker ${worker.pid}`);
        this.kill(worker);
      }, deadlineMs);
      timer.unref();
      worker.begin(id, (answer) => {
        clearTimeout(timer);
        resolve(answer);
      });
      const message: ToWorker = { id, request };
      worker.child.send(message, (error) => {
        if (error) this.kill(worker);
      });
    });
  }

  /** Ends a worker and the call it runs, as SIGKILL ends a driver. */
  kill(worker: Worker): void {
    if (worker.state === 'gone') return;
    worker.child.kill('SIGKILL');
    this.#gone(worker);
  }

  /**
   * Waits until no call runs (or `ms` passed): what a stopping agent does after closing its socket, so
   * that an upgrade or a restart of the unit lets the calls in progress finish. True when none is left.
   */
  async drain(ms: number): Promise<boolean> {
    this.#closed = true;
    const deadline = Date.now() + ms;
    const busy = () => [...this.#all].some((w) => w.state === 'busy' || w.state === 'reserved' || w.reservedEarly);
    while (busy() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    return !busy();
  }

  async close(): Promise<void> {
    this.#closed = true;
    clearInterval(this.#idleTimer);
    const exits = [...this.#all].map((w) => new Promise<void>((resolve) => {
      if (w.child.exitCode !== null || w.child.signalCode !== null) resolve();
      else w.child.once('exit', () => resolve());
    }));
    for (const w of [...this.#all]) this.kill(w);
    await Promise.all(exits);
  }

  #spawn(): Worker {
    const child = fork(this.#options.script, [], {
      execPath: this.#options.execPath ?? process.execPath,
      // Not the agent's own V8 flags (its small young generation): a worker allocates like a driver.
      execArgv: [],
      // stdout is the launcher's, never the worker's: nothing may reach a terminal or a journal from there.
      stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
      serialization: 'json',
    });
    const worker = new Worker(child);
    this.#all.add(worker);
    child.on('message', (message: FromWorker) => this.#onMessage(worker, message));
    child.on('exit', (code, signal) => {
      if (worker.state !== 'gone') this.#event(worker.state === 'busy' ? 'warn' : 'info', `worker ${worker.pid} exited (${signal ?? code})${worker.state === 'busy' ? ' during a call' : ''}`);
      this.#gone(worker);
    });
    child.on('error', (error) => {
      this.#event('warn', `worker ${worker.pid ?? '?'}: ${error.message}`);
      this.#gone(worker);
    });
    return worker;
  }

  #onMessage(worker: Worker, message: FromWorker): void {
    if (message.type === 'ready') {
      if (worker.state === 'starting') {
        if (worker.reservedEarly) worker.state = 'reserved';
        else {
          worker.state = 'idle';
          worker.idleSince = Date.now();
        }
      }
      worker.markReady();
    } else if (message.type === 'done') {
      worker.settle(message.id, message.answer);
      if (worker.calls >= this.#options.maxRequests || message.rss > this.#options.maxRssBytes) {
        this.#event('info', `worker ${worker.pid} replaced after ${worker.calls} calls at ${Math.round(message.rss / 1048576)} MiB`);
        this.#retire(worker);
      } else {
        worker.state = 'idle';
        worker.idleSince = Date.now();
      }
    }
    this.#topUp();
  }

  #retire(worker: Worker): void {
    worker.state = 'gone';
    this.#all.delete(worker);
    worker.child.disconnect();
    this.#topUp();
  }

  #gone(worker: Worker): void {
    worker.state = 'gone';
    worker.reservedEarly = false;
    this.#all.delete(worker);
    worker.abandon();
    this.#topUp();
  }

  #topUp(): void {
    if (this.#closed) return;
    const ready = () => [...this.#all].filter((w) => w.state === 'idle' || (w.state === 'starting' && !w.reservedEarly)).length;
    while (ready() < this.#options.spare && this.#all.size < this.#options.maxWorkers) this.#spawn();
  }

  #shrink(): void {
    const idle = [...this.#all].filter((w) => w.state === 'idle').sort((a, b) => a.idleSince - b.idleSince);
    const now = Date.now();
    for (const w of idle.slice(0, Math.max(0, idle.length - this.#options.spare))) {
      if (now - w.idleSince >= this.#options.idleMs) this.#retire(w);
    }
  }

  #event(level: 'info' | 'warn', message: string): void {
    this.#options.onEvent?.(level, message);
  }
}

function describe(request: AgentRequest): string {
  const first = request.argv[0] ?? '';
  const method = /<methodName>([^<]{1,64})<\/methodName>/.exec(first)?.[1];
  return `${request.kind} ${method ?? first.slice(0, 32)}`;
}
