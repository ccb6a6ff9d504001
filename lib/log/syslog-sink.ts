import { spawn, type ChildProcess } from 'node:child_process';
import type { LogRecord, LogSink } from './logger.js';
import { formatRecord } from './logger.js';

/** syslog facility local2 (what /var/log/SMlog collects) × 8 + severity. */
const PRIORITY: Record<LogRecord['level'], number> = { debug: 151, info: 150, warn: 148, error: 147 };
/** sm splits long messages so that syslog does not truncate them. */
const MAX_LINE = 950;

export type SyslogSinkOptions = {
  /** syslog ident: `SM` for the driver and plugin, `SMGC` for the collector. */
  readonly ident: string;
  /** Write to this file instead of syslog (LINSTOR_SR_LOG_FILE). */
  readonly file?: string | undefined;
  readonly pid?: number;
};

type Winston = typeof import('winston');
type WinstonLogger = import('winston').Logger;

/**
 * Sends records to SMlog through winston: a transport that feeds `logger --prio-prefix -t <ident>`
 * (Node cannot write to /dev/log itself), or winston's File transport when a log file is set.
 * Records are queued and winston is loaded only after the current call stack — the response is never
 * delayed by logging, and a missing `logger` binary only loses log lines, never fails a verb.
 */
export class SyslogSink implements LogSink {
  readonly #options: SyslogSinkOptions;
  #queue: LogRecord[] = [];
  #started: Promise<WinstonLogger | undefined> | undefined;
  #child: ChildProcess | undefined;

  constructor(options: SyslogSinkOptions) {
    this.#options = options;
  }

  write(record: LogRecord): void {
    this.#queue.push(record);
    this.#started ??= new Promise((resolve) => setImmediate(resolve)).then(() => this.#start());
    void this.#started.then((w) => this.#drain(w));
  }

  async close(): Promise<void> {
    if (!this.#started) return;
    const logger = await this.#started;
    this.#drain(logger);
    if (!logger) return;
    await new Promise<void>((resolve) => {
      logger.on('finish', () => resolve());
      logger.end();
      setTimeout(resolve, 2000).unref();
    });
    const child = this.#child;
    if (child?.stdin && !child.stdin.destroyed) {
      await new Promise<void>((resolve) => {
        child.stdin!.end(() => resolve());
        setTimeout(resolve, 2000).unref();
      });
    }
    child?.unref();
  }

  #drain(logger: WinstonLogger | undefined): void {
    const records = this.#queue;
    this.#queue = [];
    if (!logger) return;
    for (const record of records) {
      for (const line of splitLines(formatRecord(record))) {
        logger.log({ level: record.level, message: line, time: record.time });
      }
    }
  }

  async #start(): Promise<WinstonLogger | undefined> {
    try {
      const winston: Winston = (await import('winston')).default;
      const pid = this.#options.pid ?? process.pid;
      if (this.#options.file) {
        const file = this.#options.file;
        return winston.createLogger({
          level: 'debug',
          levels: { error: 0, warn: 1, info: 2, debug: 3 },
          format: winston.format.printf(
            (info) => `${(info['time'] as Date).toISOString()} ${this.#options.ident}: [${pid}] ${info.level}: ${String(info.message)}`,
          ),
          transports: [new winston.transports.File({ filename: file })],
        });
      }
      const Transport = (await import('winston-transport')).default;
      const child = spawn('logger', ['--prio-prefix', '-t', this.#options.ident], {
        stdio: ['pipe', 'ignore', 'ignore'],
        detached: false,
      });
      child.on('error', () => undefined); // no logger binary: lines are lost, the verb goes on
      child.stdin?.on('error', () => undefined);
      this.#child = child;
      class LoggerTransport extends Transport {
        override log(info: Record<string, unknown>, next: () => void): void {
          const level = info['level'] as LogRecord['level'];
          if (child.stdin && !child.stdin.destroyed) child.stdin.write(`<${PRIORITY[level] ?? 150}>[${pid}] ${String(info['message'])}\n`);
          next();
        }
      }
      return winston.createLogger({
        level: 'debug',
        levels: { error: 0, warn: 1, info: 2, debug: 3 },
        transports: [new LoggerTransport()],
      });
    } catch {
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
