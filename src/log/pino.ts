// The log room's one door to pino and pino-pretty: the logger factory, the pretty formatter,
// and the destination a logger writes to.
import { createRequire } from 'node:module';
import pino, { type DestinationStream, type Logger, type LoggerOptions } from 'pino';

export type { Logger };

/** A pino logger with `options`, writing serialized records to `destination`. */
export function pinoLogger(options: LoggerOptions, destination: DestinationStream): Logger {
  return pino(options, destination);
}

/** The stream `logger` writes to (what pinoLogger was given), or undefined. */
export function destinationOf(logger: Logger): unknown {
  return (logger as unknown as Record<symbol, unknown>)[pino.symbols.streamSym];
}

/**
 * One line per record: `[12:00:00.000] INFO: redis stdout | the line {"extra":"fields"}`.
 * pino-pretty is loaded on this first call only: it costs start-up time and JSON needs none of it.
 */
export function prettyFormatter(colorize: boolean): (record: string) => string {
  const require = createRequire(import.meta.url);
  const { prettyFactory } = require('pino-pretty') as typeof import('pino-pretty');
  return prettyFactory({
    colorize,
    singleLine: true,
    translateTime: 'SYS:HH:MM:ss.l',
    ignore: 'program,stream',
    messageFormat: (log, messageKey) => {
      const msg = String(log[messageKey] ?? '');
      if (typeof log.program !== 'string') return msg;
      const stream = typeof log.stream === 'string' ? ` ${log.stream}` : '';
      return `${log.program}${stream} | ${msg}`;
    },
  });
}
