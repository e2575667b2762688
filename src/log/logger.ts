// apposd's own log: one pino logger writing json or pretty text to stdout (fd 1) in-process
// (no worker threads: apposd is PID 1 and stays small), and the flush main awaits before exit.
import { isatty } from 'node:tty';
import type { LogConfig } from '../config/types.js';
import { LogDestination } from './destination.js';
import { fdSink } from './fd-sink.js';
import { type Logger, pinoLogger, prettyFormatter } from './pino.js';

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
