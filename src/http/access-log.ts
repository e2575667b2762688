// One access-log line per request (and per websocket, when it closes) through the logger:
// method, path (no query: it may carry tokens), status, duration, upstream, client address.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { EventLogger } from '../supervisor/api.js';

/** The slice of a pino logger the edge uses. */
export type HttpLogger = Pick<EventLogger, 'debug' | 'info' | 'warn' | 'error'>;

const round1 = (ms: number): number => Math.round(ms * 10) / 10;

/** Logs `req` once its response closes (finished or cut). */
export function logWhenDone(
  log: HttpLogger,
  req: IncomingMessage,
  res: ServerResponse,
  path: string,
  upstream: string,
): void {
  const start = performance.now();
  res.once('close', () => {
    const line: Record<string, unknown> = {
      method: req.method,
      path,
      status: res.statusCode,
      ms: round1(performance.now() - start),
      upstream,
      ip: req.socket.remoteAddress,
    };
    if (!res.writableFinished) line.aborted = true;
    log.info(line, 'http request');
  });
}

/** Logs a websocket (or refused upgrade) once its socket closes; `status()` is read then. */
export function logUpgradeWhenDone(
  log: HttpLogger,
  req: IncomingMessage,
  socket: NodeJS.EventEmitter,
  path: string,
  upstream: string,
  status: () => number,
): void {
  const start = performance.now();
  const ip = req.socket.remoteAddress;
  socket.once('close', () => {
    log.info(
      {
        method: req.method,
        path,
        status: status(),
        ms: round1(performance.now() - start),
        upstream,
        ip,
        upgrade: true,
      },
      'http request',
    );
  });
}
