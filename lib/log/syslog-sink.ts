import { spawn, type ChildProcess } from 'node:child_process';
import type { LogRecord, LogSink } from './logger.js';
import { formatRecord } from './logger.js';
import { callerPid } from './caller.js';

/** syslog facility local2 (what /var/log/SMlog collects) × 8 + severity. */
const PRIORITY: Record<LogRecord['level'], number> = { debug: 151, info: 150, warn: 148, error: 147 };
/** sm splits long messages so that syslog does not truncate them. */
const MAX_LINE = 950;

export type SyslogSinkOptions = {
  /** syslog ident: `SM` for the driver and plugin, `SMGC` for the collector. */
  readonly ident: string;
  readonly pid?: number;
  /** The `logger` program (util-linux, on every dom0); resolved on PATH by default. */
  readonly loggerPath?: string;
};

/**
 * Sends records to SMlog the way sm's util.SMlog does (facility local2, ident SM, `[pid] message`), through
 * `logger --prio-prefix -t <ident>` — Node cannot write to /dev/log itself. Records are queued and the
 * `logger` process is started only after the current call stack, so the response is never delayed; a
 * missing `logger` loses log lines, never a verb. It is detached on close: the verb's exit does not
 * wait for syslog.
 *
 * 2026-11-24: the one-shot driver and plugin write to `logger` directly rather than through a winston
 * transport: loading winston costs about 40 ms of CPU per verb, more than the rest of sr_get_driver_info.
 * winston serves the file log (FileSink) and the long-running processes.
 */
export class SyslogSink implements LogSink {
  readonly #options: SyslogSinkOptions;
  #queue: string[] = [];
  #child: ChildProcess | undefined;
  #scheduled = false;
  #failed = false;

  readonly #pid: number;

  constructor(options: SyslogSinkOptions) {
    this.#options = options;
    this.#pid = options.pid ?? callerPid();
  }

  write(record: LogRecord): void {
    const pid = this.#pid;
    for (const line of splitLines(formatRecord(record))) this.#queue.push(`<${PRIORITY[record.level]}>[${pid}] ${line}\n`);
    if (!this.#scheduled) {
      this.#scheduled = true;
      setImmediate(() => {
        this.#scheduled = false;
        this.#flush();
      });
    }
  }

  async close(): Promise<void> {
    this.#flush();
    const child = this.#child;
    if (!child?.stdin || child.stdin.destroyed) return;
    await new Promise<void>((resolve) => {
      child.stdin!.end(() => resolve());
      setTimeout(resolve, 1000).unref();
    });
    child.unref();
  }

  #flush(): void {
    if (this.#queue.length === 0 || this.#failed) return;
    const child = this.#start();
    const text = this.#queue.join('');
    this.#queue = [];
    if (child?.stdin && !child.stdin.destroyed) child.stdin.write(text);
  }

  #start(): ChildProcess | undefined {
    if (this.#child) return this.#child;
    try {
      const child = spawn(this.#options.loggerPath ?? 'logger', ['--prio-prefix', '-t', this.#options.ident], {
        stdio: ['pipe', 'ignore', 'ignore'],
        detached: true,
      });
      // No logger binary, or it died: lines are lost, the verb goes on.
      child.on('error', () => {
        this.#failed = true;
      });
      child.stdin?.on('error', () => {
        this.#failed = true;
      });
      this.#child = child;
      return child;
    } catch {
      this.#failed = true;
      return undefined;
    }
  }
}

/** Splits on newlines and at MAX_LINE characters, as SMlog readers expect. */
export function splitLines(text: string): string[] {
  const out: string[] = [];
  for (const line of text.split('\n')) {
    for (let i = 0; i < line.length || i === 0; i += MAX_LINE) out.push(line.slice(i, i + MAX_LINE));
  }
  return out;
}
