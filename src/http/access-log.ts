// One access-log line per request (and per websocket, when it closes) through the logger:
// method, path (no query: it may carry tokens), status, duration, upstream, client address.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { infoLineWriter } from '../log/logger.js';
import type { EventLogger } from '../supervisor/api.js';

/**
 * The slice of a pino logger the edge uses. With pino's `child`, access lines go through a
 * child without redaction: their fields are fixed and never secret, and redaction would
 * double the cost of every line.
 */
export type HttpLogger = Pick<EventLogger, 'debug' | 'info' | 'warn' | 'error'> & {
  child?(bindings: object, options: { redact: string[] }): Pick<EventLogger, 'info'>;
};

/** One access line's fields, in the order they are written; undefined ones are left out. */
export interface AccessLine {
  readonly method: string | undefined;
  readonly path: string;
  readonly status: number;
  /** Milliseconds from the request's arrival, to 0.1. */
  readonly ms: number;
  readonly upstream: string;
  readonly ip: string | undefined;
  /** The response was cut before its end. */
  readonly aborted?: true;
  /** A websocket (or a refused upgrade). */
  readonly upgrade?: true;
}

/** Where access lines go (one call per line, message "http request"). */
export type AccessLog = (line: AccessLine) => void;

const MESSAGE = 'http request';

/** Characters a JSON string must escape (and lone surrogates, which JSON.stringify escapes). */
// eslint-disable-next-line no-control-regex -- JSON escapes the control characters
const NEEDS_ESCAPE = /["\\\u0000-\u001f\ud800-\udfff]/;

/** `s` as a JSON string, as JSON.stringify writes it. */
function jsonString(s: string): string {
  return NEEDS_ESCAPE.test(s) ? JSON.stringify(s) : `"${s}"`;
}

/**
 * `<before>"<name>":<value as JSON><after>` for the value last given, made again only when the
 * value changes: lines in a row mostly repeat their method, route and client.
 */
class Member {
  private last: string | undefined;
  private text = '';

  constructor(
    private readonly before: string,
    private readonly name: string,
    private readonly after: string,
  ) {}

  of(value: string): string {
    if (value !== this.last) {
      this.last = value;
      this.text = `${this.before}"${this.name}":${jsonString(value)}${this.after}`;
    }
    return this.text;
  }
}

/** Serialises lines' fields as JSON object members (see infoLineWriter), in one template each. */
function membersWriter(): (l: AccessLine) => string {
  const method = new Member('', 'method', ',');
  const upstream = new Member(',', 'upstream', '');
  const ip = new Member(',', 'ip', '');
  return (l) => {
    let out = l.method === undefined ? '' : method.of(l.method);
    out += `"path":${jsonString(l.path)},"status":${l.status},"ms":${l.ms}${upstream.of(l.upstream)}`;
    if (l.ip !== undefined) out += ip.of(l.ip);
    if (l.aborted === true) out += ',"aborted":true';
    if (l.upgrade === true) out += ',"upgrade":true';
    return out;
  };
}

/**
 * Where the edge's access lines go: straight to apposd's own logger's destination, serialised
 * here (a third of pino's cost per line), or, for any other logger, through `log`'s child
 * without redaction (or `log` itself).
 */
export function accessLogger(log: HttpLogger): AccessLog {
  const write = infoLineWriter(log, MESSAGE);
  if (write !== undefined) {
    const members = membersWriter();
    return (line) => write(members(line));
  }
  const target = typeof log.child === 'function' ? log.child({}, { redact: [] }) : log;
  return (line) => target.info(line, MESSAGE);
}

const round1 = (ms: number): number => Math.round(ms * 10) / 10;

const kLine = Symbol('apposd.accessLine');

interface Pending {
  readonly log: AccessLog;
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
  p.log({
    method: p.method,
    path: p.path,
    status: this.statusCode,
    ms: round1(performance.now() - p.start),
    upstream: p.upstream,
    ip: p.ip,
    aborted: this.writableFinished ? undefined : true,
  });
}

/** Logs `req` once its response closes (finished or cut). */
export function logWhenDone(
  log: AccessLog,
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
  log: AccessLog,
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
  log: AccessLog,
  method: string | undefined,
  path: string,
  status: number,
  start: number,
  upstream: string,
  ip: string | undefined,
): void {
  const ms = round1(performance.now() - start);
  log({ method, path, status, ms, upstream, ip, upgrade: true });
}

/** Logs a request served without a ServerResponse (the hot path), once it ended. */
export function logRaw(
  log: AccessLog,
  method: string,
  path: string,
  status: number,
  start: number,
  upstream: string,
  ip: string,
  aborted: boolean,
): void {
  const ms = round1(performance.now() - start);
  log({ method, path, status, ms, upstream, ip, aborted: aborted ? true : undefined });
}
