// One access-log line per request (and per websocket, when it closes) through the logger:
// method, path (no query: it may carry tokens), status, duration, upstream, client address.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { EventLogger } from '../supervisor/api.js';

/**
 * The slice of a pino logger the edge uses. With pino's `child`, access lines go through a
 * child without redaction: their fields are fixed and never secret, and redaction would
 * double the cost of every line.
 */
export type HttpLogger = Pick<EventLogger, 'debug' | 'info' | 'warn' | 'error'> & {
  child?(bindings: object, options: { redact: string[] }): Pick<EventLogger, 'info'>;
};

const round1 = (ms: number): number => Math.round(ms * 10) / 10;

const kLine = Symbol('apposd.accessLine');

interface Pending {
  readonly log: Pick<EventLogger, 'info'>;
  readonly method: string | undefined;
  /** Read when the request arrives: the socket may be detached by the time it closes. */
  readonly ip: string | undefined;
  readonly path: string;
  readonly upstream: string;
  readonly start: number;
}

interface LoggedResponse extends ServerResponse {
  [kLine]?: Pending;
}

function onResponseClose(this: LoggedResponse): void {
  const p = this[kLine];
  if (p === undefined) return;
  this[kLine] = undefined;
  const line: Record<string, unknown> = {
    method: p.method,
    path: p.path,
    status: this.statusCode,
    ms: round1(performance.now() - p.start),
    upstream: p.upstream,
    ip: p.ip,
  };
  if (!this.writableFinished) line.aborted = true;
  p.log.info(line, 'http request');
}

/** The logger access lines go to: `log` itself, or its child without redaction. */
export function accessLogger(log: HttpLogger): Pick<EventLogger, 'info'> {
  return typeof log.child === 'function' ? log.child({}, { redact: [] }) : log;
}

/** Logs `req` once its response closes (finished or cut). */
export function logWhenDone(
  log: Pick<EventLogger, 'info'>,
  req: IncomingMessage,
  res: ServerResponse,
  path: string,
  upstream: string,
): void {
  (res as LoggedResponse)[kLine] = {
    log,
    method: req.method,
    ip: req.socket.remoteAddress,
    path,
    upstream,
    start: performance.now(),
  };
  res.on('close', onResponseClose);
}

/** Logs a websocket (or refused upgrade) once its socket closes; `status()` is read then. */
export function logUpgradeWhenDone(
  log: Pick<EventLogger, 'info'>,
  req: IncomingMessage,
  socket: NodeJS.EventEmitter,
  path: string,
  upstream: string,
  status: () => number,
): void {
  const start = performance.now();
  const ip = req.socket.remoteAddress;
  socket.once('close', () => logUpgrade(log, req.method, path, status(), start, upstream, ip));
}

/** Logs a websocket (or refused upgrade) that closed, `start` being when it arrived. */
export function logUpgrade(
  log: Pick<EventLogger, 'info'>,
  method: string | undefined,
  path: string,
  status: number,
  start: number,
  upstream: string,
  ip: string | undefined,
): void {
  log.info(
    { method, path, status, ms: round1(performance.now() - start), upstream, ip, upgrade: true },
    'http request',
  );
}

/** Logs a request served without a ServerResponse (the hot path), once it ended. */
export function logRaw(
  log: Pick<EventLogger, 'info'>,
  method: string,
  path: string,
  status: number,
  start: number,
  upstream: string,
  ip: string,
  aborted: boolean,
): void {
  const line: Record<string, unknown> = {
    method,
    path,
    status,
    ms: round1(performance.now() - start),
    upstream,
    ip,
  };
  if (aborted) line.aborted = true;
  log.info(line, 'http request');
}
