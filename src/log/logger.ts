// apposd's own log: one pino logger writing json or pretty text to stdout (fd 1) in-process
// (no worker threads: apposd is PID 1 and stays small), and the flush main awaits before exit.
import { isatty } from 'node:tty';
import type { LogConfig } from '../config/types.js';
import { LogDestination } from './destination.js';
import { fdSink } from './fd-sink.js';
import { type Logger, destinationOf, pinoLogger, prettyFormatter } from './pino.js';

/** Field paths censored in every record, a safety net behind "never log secrets". */
export const REDACT_PATHS: readonly string[] = [
  'env',
  '*.env',
  'password',
  '*.password',
  'token',
  '*.token',
  'secret',
  '*.secret',
];

export interface LoggerOptions {
  /** Whether the output is a terminal; decides the format when `cfg.format` is absent. */
  isTTY?: boolean;
  /** File descriptor to write to; default 1 (stdout). Tests pass a temp file's fd. */
  fd?: number;
}

export interface AppLogger {
  logger: Logger;
  /** Resolves once everything logged so far has reached the fd (or after `timeoutMs`). */
  flush(timeoutMs?: number): Promise<void>;
}

/** Default bound on flush(): never hold up the daemon's exit forever on a stuck stdout. */
const FLUSH_TIMEOUT_MS = 5_000;

/**
 * Builds apposd's logger. json when `cfg.format` is 'json', or absent on a non-TTY; otherwise
 * pino-pretty formats each record in-process. Records carry `level` as a label and `time` in
 * epoch ms, and no pid or hostname.
 */
export function createLogger(cfg: LogConfig, opts: LoggerOptions = {}): AppLogger {
  const fd = opts.fd ?? 1;
  const isTTY = opts.isTTY ?? isatty(fd);
  const format = cfg.format ?? (isTTY ? 'pretty' : 'json');
  const destination = new LogDestination(
    fdSink(fd),
    format === 'pretty' ? prettyFormatter(isTTY) : undefined,
  );
  const logger = pinoLogger(
    {
      level: cfg.level,
      base: null,
      formatters: { level: (label) => ({ level: label }) },
      redact: { paths: [...REDACT_PATHS], censor: '[redacted]' },
    },
    destination,
  );
  plainLoggers.add(logger);
  return {
    logger,
    flush: (timeoutMs = FLUSH_TIMEOUT_MS) =>
      new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, timeoutMs);
        timer.unref();
        destination.flush(() => {
          clearTimeout(timer);
          resolve();
        });
      }),
  };
}

/** Loggers createLogger made: the shape of their records is known here (see infoLineWriter). */
const plainLoggers = new WeakSet<object>();

/** What infoLineWriter hands records to: the logger's destination. */
interface RecordSink {
  write(record: string): unknown;
}

/**
 * For a logger createLogger made (undefined for any other): a writer of info records with the
 * message `msg` and fields the caller serialised (`"a":1,"b":"x"`, as JSON object members). It
 * writes the record pino would (level label, epoch-ms time, the fields, the message last)
 * straight to the logger's destination, at pino's level check. For records written once per
 * request whose fields are fixed, never secret and plain (no redaction or serializer applies):
 * pino's generic path built them from many small strings at ~1.2 us a record, three times this.
 */
export function infoLineWriter(
  logger: object,
  msg: string,
): ((fields: string) => void) | undefined {
  if (!plainLoggers.has(logger)) return undefined;
  const pino = logger as Logger;
  const sink = destinationOf(pino) as RecordSink;
  const tail = `,"msg":${JSON.stringify(msg)}}\n`;
  // The record's start, made again each millisecond (not per record: the time is a double).
  let time = -1;
  let start = '';
  return (fields) => {
    if (!pino.isLevelEnabled('info')) return;
    const now = Date.now();
    if (now !== time) {
      time = now;
      start = `{"level":"info","time":${now},`;
    }
    sink.write(start + fields + tail);
  };
}
