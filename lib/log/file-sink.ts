import type { LogRecord, LogSink } from './logger.js';
import { formatRecord } from './logger.js';
import { SyslogSink, splitLines } from './syslog-sink.js';
import { callerPid } from './caller.js';

type WinstonLogger = import('winston').Logger;

/** How long close() waits for the file to take the last lines: a stuck disk must not hold the verb. */
const CLOSE_TIMEOUT_MS = 2000;

/**
 * Writes records to a file with winston's File transport (LINSTOR_SR_LOG_FILE: the simulator, tests and
 * operators who want a private log). Lines read like SMlog's: `<time> <ident>: [pid] <level>: message`.
 * winston is loaded after the current call stack, so the response is never delayed by it.
 *
 * close() ends the logger only once the transport has taken every line: winston's end() ends the
 * transport while the logger may still hold lines the transport has not drained (a long record is
 * dozens of lines), and the pipe then writes them into the ended transport ("write after end").
 */
export class FileSink implements LogSink {
  readonly #file: string;
  readonly #ident: string;
  readonly #pid: number;
  #queue: LogRecord[] = [];
  #logger: Promise<WinstonLogger | undefined> | undefined;
  /** Lines handed to winston, and lines its transport has taken. */
  #sent = 0;
  #taken = 0;
  #waiters: (() => void)[] = [];
  #ended = false;

  constructor(options: { file: string; ident: string; pid?: number }) {
    this.#file = options.file;
    this.#ident = options.ident;
    this.#pid = options.pid ?? callerPid();
  }

  write(record: LogRecord): void {
    if (this.#ended) return;
    this.#queue.push(record);
    this.#logger ??= new Promise((resolve) => setImmediate(resolve)).then(() => this.#open());
    void this.#logger.then((logger) => this.#drain(logger));
  }

  async close(): Promise<void> {
    if (!this.#logger || this.#ended) return;
    const logger = await this.#logger;
    this.#drain(logger);
    if (!logger) {
      this.#ended = true;
      return;
    }
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, CLOSE_TIMEOUT_MS);
      timer.unref();
      const done = (): void => {
        clearTimeout(timer);
        resolve();
      };
      void this.#allTaken().then(() => {
        this.#ended = true;
        logger.on('finish', done);
        logger.end();
      });
    });
  }

  /** Resolves once the transport has taken every line sent so far (records queued meanwhile included). */
  async #allTaken(): Promise<void> {
    for (;;) {
      if (this.#queue.length > 0 && this.#logger) this.#drain(await this.#logger);
      if (this.#taken >= this.#sent) return;
      await new Promise<void>((resolve) => this.#waiters.push(resolve));
    }
  }

  #drain(logger: WinstonLogger | undefined): void {
    const records = this.#queue;
    this.#queue = [];
    if (!logger || this.#ended) return;
    for (const record of records) {
      for (const line of splitLines(formatRecord(record))) {
        this.#sent += 1;
        logger.log({ level: record.level, message: line, time: record.time });
      }
    }
  }

  async #open(): Promise<WinstonLogger | undefined> {
    try {
      const winston = (await import('winston')).default;
      const transport = new winston.transports.File({ filename: this.#file });
      transport.on('logged', () => {
        this.#taken += 1;
        if (this.#taken < this.#sent) return;
        for (const wake of this.#waiters.splice(0)) wake();
      });
      const logger = winston.createLogger({
        level: 'debug',
        levels: { error: 0, warn: 1, info: 2, debug: 3 },
        format: winston.format.printf(
          (info) => `${(info['time'] as Date).toISOString()} ${this.#ident}: [${this.#pid}] ${info.level}: ${String(info.message)}`,
        ),
        transports: [transport],
      });
      // A file that fails later (disk full, removed directory) loses lines; an unhandled 'error' would end the verb.
      logger.on('error', () => undefined);
      return logger;
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
