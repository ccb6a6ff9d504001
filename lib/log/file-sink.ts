import type { LogRecord, LogSink } from './logger.js';
import { formatRecord } from './logger.js';
import { SyslogSink, splitLines } from './syslog-sink.js';

type WinstonLogger = import('winston').Logger;

/**
 * Writes records to a file with winston's File transport (LINSTOR_SR_LOG_FILE: the simulator, tests and
 * operators who want a private log). Lines read like SMlog's: `<time> <ident>: [pid] <level>: message`.
 * winston is loaded after the current call stack, so the response is never delayed by it.
 */
export class FileSink implements LogSink {
  readonly #file: string;
  readonly #ident: string;
  readonly #pid: number;
  #queue: LogRecord[] = [];
  #logger: Promise<WinstonLogger | undefined> | undefined;

  constructor(options: { file: string; ident: string; pid?: number }) {
    this.#file = options.file;
    this.#ident = options.ident;
    this.#pid = options.pid ?? process.pid;
  }

  write(record: LogRecord): void {
    this.#queue.push(record);
    this.#logger ??= new Promise((resolve) => setImmediate(resolve)).then(() => this.#open());
    void this.#logger.then((logger) => this.#drain(logger));
  }

  async close(): Promise<void> {
    if (!this.#logger) return;
    const logger = await this.#logger;
    this.#drain(logger);
    if (!logger) return;
    await new Promise<void>((resolve) => {
      logger.on('finish', () => resolve());
      logger.end();
      setTimeout(resolve, 2000).unref();
    });
  }

  #drain(logger: WinstonLogger | undefined): void {
    const records = this.#queue;
    this.#queue = [];
    if (!logger) return;
    for (const record of records) {
      for (const line of splitLines(formatRecord(record))) logger.log({ level: record.level, message: line, time: record.time });
    }
  }

  async #open(): Promise<WinstonLogger | undefined> {
    try {
      const winston = (await import('winston')).default;
      return winston.createLogger({
        level: 'debug',
        levels: { error: 0, warn: 1, info: 2, debug: 3 },
        format: winston.format.printf(
          (info) => `${(info['time'] as Date).toISOString()} ${this.#ident}: [${this.#pid}] ${info.level}: ${String(info.message)}`,
        ),
        transports: [new winston.transports.File({ filename: this.#file })],
      });
    } catch {
      // The log file cannot be opened: lines are lost, the verb goes on.
      return undefined;
    }
  }
}

/** The sink an entry point uses: the file when LINSTOR_SR_LOG_FILE is set, syslog otherwise. */
export function defaultSink(options: { ident: string; file: string | undefined }): LogSink {
  return options.file ? new FileSink({ file: options.file, ident: options.ident }) : new SyslogSink({ ident: options.ident });
}
