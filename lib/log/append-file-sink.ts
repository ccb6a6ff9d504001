import { appendFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import type { LogRecord, LogSink } from './logger.js';
import { formatRecord } from './logger.js';
import { splitLines } from './syslog-sink.js';
import { callerPid } from './caller.js';

/**
 * The lines FileSink writes (`<ISO time> <ident>: [pid] <level>: message`, one per line as winston's File
 * transport appends them, its directory created likewise), appended synchronously without winston: for the
 * driver's sr_get_driver_info fast path (driver/entry.ts), where loading winston would cost more than the
 * whole answer. test/lib/log/append-file-sink.test.ts checks that both sinks write the same text.
 */
export class AppendFileSink implements LogSink {
  readonly #file: string;
  readonly #ident: string;
  readonly #pid: number;
  #failed = false;

  constructor(options: { file: string; ident: string; pid?: number }) {
    this.#file = options.file;
    this.#ident = options.ident;
    this.#pid = options.pid ?? callerPid();
  }

  write(record: LogRecord): void {
    if (this.#failed) return;
    const prefix = `${record.time.toISOString()} ${this.#ident}: [${this.#pid}] ${record.level}: `;
    const text = splitLines(formatRecord(record))
      .map((line) => `${prefix}${line}\n`)
      .join('');
    try {
      mkdirSync(path.dirname(this.#file), { recursive: true });
      appendFileSync(this.#file, text);
    } catch {
      // The log file cannot be written: lines are lost, the verb goes on (as with FileSink).
      this.#failed = true;
    }
  }

  async close(): Promise<void> {}
}
