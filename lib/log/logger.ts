import { learnSessions, redact, redactText, type KnownSessions } from './redact.js';

/** Syslog severities, the subset we use, lowest to highest. */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
export type LogData = Readonly<Record<string, unknown>>;

/** One log event, already redacted. */
export type LogRecord = {
  readonly time: Date;
  readonly level: LogLevel;
  readonly message: string;
  readonly data?: LogData | undefined;
};

/** Where records go: syslog, a file, memory (tests). close() flushes; it must never throw. */
export interface LogSink {
  write(record: LogRecord): void;
  close(): Promise<void>;
}

/** The logger every layer receives (injected, never global). Logging never throws. */
export interface Logger {
  debug(message: string, data?: LogData): void;
  info(message: string, data?: LogData): void;
  warn(message: string, data?: LogData): void;
  error(message: string, data?: LogData): void;
  /** A logger whose lines are prefixed with `[scope]`. */
  child(scope: string): Logger;
  /** Flushes and releases the sink. */
  close(): Promise<void>;
}

const LEVELS: Record<LogLevel, number> = { debug: 0, info: 1, warn: 2, error: 3 };

export function createLogger(sink: LogSink, options: { minLevel?: LogLevel; scope?: string } = {}): Logger {
  return scopedLogger(sink, options, new Set());
}

/** A logger and its children share `sessions`: a session ref one of them logged is masked in all. */
function scopedLogger(sink: LogSink, options: { minLevel?: LogLevel; scope?: string }, sessions: KnownSessions): Logger {
  const min = LEVELS[options.minLevel ?? 'debug'];
  const prefix = options.scope ? `[${options.scope}] ` : '';
  const emit = (level: LogLevel, message: string, data?: LogData): void => {
    if (LEVELS[level] < min) return;
    try {
      learnSessions(data, sessions);
      const safe = data === undefined ? undefined : (redact(data, sessions) as LogData);
      sink.write({ time: new Date(), level, message: prefix + redactText(message, sessions), data: safe });
    } catch {
      // A log line must never fail a verb (DESIGN.md "Logging"); there is nowhere left to report this.
    }
  };
  return {
    debug: (m, d) => emit('debug', m, d),
    info: (m, d) => emit('info', m, d),
    warn: (m, d) => emit('warn', m, d),
    error: (m, d) => emit('error', m, d),
    child: (scope) => scopedLogger(sink, { minLevel: options.minLevel ?? 'debug', scope: prefix ? `${options.scope}:${scope}` : scope }, sessions),
    close: () => sink.close(),
  };
}

/** Renders a record as one text line: the message, then the data as compact JSON. */
export function formatRecord(record: LogRecord): string {
  if (record.data === undefined || Object.keys(record.data).length === 0) return record.message;
  let json: string;
  try {
    json = JSON.stringify(record.data, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
  } catch {
    json = '[unserialisable data]';
  }
  return `${record.message} ${json}`;
}

/** A sink that keeps records in memory; tests read `records`. */
export class MemorySink implements LogSink {
  readonly records: LogRecord[] = [];
  write(record: LogRecord): void {
    this.records.push(record);
  }
  async close(): Promise<void> {}
  /** All lines as formatted text, for assertions. */
  text(): string {
    return this.records.map((r) => `${r.level} ${formatRecord(r)}`).join('\n');
  }
}
