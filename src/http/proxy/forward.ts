// One proxied request on the hot path: the request head re-written for the upstream
// (X-Forwarded-*, prefix stripped, hop-by-hop dropped), its body (request-body.ts), and the
// exchange's life (hold, retries, 502/503/504, abort, access line); respond.ts writes the
// response.
import type { AccessLog } from '../access-log.js';
import { logRaw } from '../access-log.js';
import { rawUpstreamError, writeRawResponse } from './error-responses.js';
import type { EdgeState, ProxyBinding } from './binding.js';
import { HOP_BY_HOP } from './response-headers.js';
import { HeaderNames } from '../wire/header-names.js';
import { afterFailure, holdLeft, type Attempts } from './attempts.js';
import { outcomeOfError, type UpstreamOutcomeSink } from './upstream-outcome.js';
import type { UpstreamStates } from './upstream-state.js';
import type { HotConnection, InFlight } from '../wire/connection.js';
import type { RequestHead } from '../wire/llhttp.js';
import type { HotTarget, ResponseReceiver, UpstreamConn, UpstreamPool } from './pool.js';
import { RequestBody, type BodyEvents, type BodyFrame, type BodyLimits } from './request-body.js';
import { HotResponse, type ResponseOwner } from './respond.js';

/** What hot exchanges share. */
export interface HotProxyContext extends BodyLimits {
  readonly pool: UpstreamPool;
  readonly state: EdgeState;
  readonly states: UpstreamStates;
  readonly compress: () => boolean;
  readonly report: UpstreamOutcomeSink;
  /** Where access lines go, or null when the access log is off. */
  readonly access: () => AccessLog | null;
}

/** The headers the edge sets for the upstream in place of what the client sent. */
export const FORWARDED: readonly string[] = [
  'x-forwarded-for',
  'x-forwarded-proto',
  'x-forwarded-host',
  'x-real-ip',
];

/** X-Forwarded-* and X-Real-IP lines: `prior` is the client's own X-Forwarded-For, if any. */
export function forwardedLines(prior: string, ip: string, host: string): string {
  return (
    `x-forwarded-for: ${prior === '' ? ip : `${prior}, ${ip}`}\r\nx-forwarded-proto: http\r\n` +
    `x-forwarded-host: ${host}\r\nx-real-ip: ${ip}\r\n`
  );
}

/** What upstreamHead does with a request header, by name: passed on unless named here. */
const enum Sent {
  /** Never sent on: hop-by-hop, or set here. */
  Dropped,
  /** Dropped, its value chained into the X-Forwarded-For sent. */
  ForwardedFor,
  /** Passed on and kept for X-Forwarded-Host. */
  Host,
}

const REQUEST_NAMES = new HeaderNames<Sent>([
  ['x-forwarded-for', Sent.ForwardedFor],
  ['host', Sent.Host],
  ...[...HOP_BY_HOP, 'expect', ...FORWARDED]
    .filter((n) => n !== 'x-forwarded-for')
    .map((n): [string, Sent] => [n, Sent.Dropped]),
]);

/** The request head sent upstream for `head`, with `path` as its target (its body chunked). */
export function upstreamHead(
  head: RequestHead,
  path: string,
  ip: string,
  origin: string,
  chunked = false,
): string {
  const h = head.headers;
  let out = `${head.method} ${path} HTTP/1.1\r\n`;
  let prior = '';
  let host: string | undefined;
  for (let i = 0; i < h.length; i += 2) {
    const name = h[i]!;
    const value = h[i + 1]!;
    const sent = REQUEST_NAMES.get(name);
    if (sent === Sent.Dropped) continue;
    if (sent === Sent.ForwardedFor) {
      prior = prior === '' ? value : `${prior}, ${value}`;
      continue;
    }
    if (sent === Sent.Host) host = value;
    out += `${name}: ${value}\r\n`;
  }
  if (host === undefined) out += `host: ${origin}\r\n`;
  if (chunked) out += 'transfer-encoding: chunked\r\n';
  return `${out}${forwardedLines(prior, ip, host ?? '')}connection: keep-alive\r\n\r\n`;
}

const CONTINUE = 'HTTP/1.1 100 Continue\r\n\r\n';
const REQUEST_TIMEOUT = '{"error":"request_timeout"}';
const UPSTREAM_TIMEOUT = '{"error":"upstream_timeout"}';

/** One request in flight to an upstream. */
export class HotProxyExchange
  implements InFlight, ResponseReceiver, Attempts, ResponseOwner, BodyEvents
{
  retries = 0;
  holdDeadline = 0;
  epoch = 0;
  /** Cancels the wait for the program while the request is held. */
  private unhold: (() => void) | null = null;
  private upstream: UpstreamConn | null = null;
  /** The response being written, once its head arrived. */
  private res: HotResponse | null = null;
  private status = 0;
  private readonly startedAt = performance.now();
  private readonly ip: string;
  private readonly body: RequestBody | null;

  constructor(
    private readonly ctx: HotProxyContext,
    private readonly conn: HotConnection,
    private readonly head: RequestHead,
    private readonly b: ProxyBinding,
    private readonly target: HotTarget,
    private readonly path: string,
    private readonly sent: string,
    private readonly frame: BodyFrame | null = null,
  ) {
    this.ip = conn.ip;
    this.body = frame === null ? null : new RequestBody(conn.socket, frame.length, ctx, this);
  }

  /** Sends the request upstream, or holds it while its program is not up. */
  start(): void {
    // As node:http's 'checkContinue': the 100 goes out at once, held or not.
    if (this.frame?.expectContinue) this.conn.socket.write(CONTINUE, 'latin1');
    const view = this.b.view;
    if (view !== null && !view.up) this.hold();
    else this.begin();
  }

  /** Sends the request upstream. */
  private begin(): void {
    if (this.b.view !== null) this.epoch = this.b.view.epoch;
    const t = this.target;
    const up = this.ctx.pool.acquire(t.origin, t.host, t.port);
    this.upstream = up;
    up.send(this.sent, this.head.method === 'HEAD', this);
    const body = this.body;
    if (body === null) return;
    body.attach(up.socket);
    this.conn.readBody(body);
  }

  /** True once the request body (if any) was all read; else neither side is kept alive. */
  private bodyRead(): boolean {
    if (this.body === null || this.body.complete) return true;
    this.upstream?.noReuse();
    return false;
  }

  onHead(status: number, headers: string[]): void {
    this.ctx.report(this.b.route, 'ok');
    this.status = status;
    // Not kept alive over a request body left unread.
    const req = this.bodyRead() ? this.head : { ...this.head, keepAlive: false };
    this.res = new HotResponse(
      this,
      this.conn.socket,
      this.ctx.state,
      req,
      status,
      headers,
      this.ctx.compress(),
    );
  }

  onBody(chunk: Buffer): boolean {
    return this.res?.body(chunk, this.upstream?.socket ?? null) ?? true;
  }

  onEnd(): void {
    this.upstream = null;
    this.res?.end();
  }

  responded(res: HotResponse): void {
    this.finish(false);
    this.conn.done(res.keepAlive);
  }

  responseFailed(): void {
    this.abort();
    this.conn.destroy();
  }

  onError(err: NodeJS.ErrnoException, answered: boolean): void {
    const reused = this.upstream?.reused === true;
    this.upstream = null;
    if (answered) {
      this.finish(true);
      this.conn.destroy();
      return;
    }
    // Only a bodyless request is sent again or held: a body read so far is gone.
    const bodyless = this.body === null;
    const failure = { code: err.code, method: this.head.method, bodyless, retryable: reused };
    const next = afterFailure(this, failure, this.b.route, this.b.view, this.ctx.states);
    if (next === 'send') this.begin();
    else if (next === 'hold') this.hold();
    else {
      this.ctx.report(this.b.route, outcomeOfError(err.code));
      this.unavailable();
    }
  }

  /** Waits (bounded by the route's hold) for the program to turn up, then sends; else 503. */
  private hold(): void {
    const view = this.b.view!;
    const left = holdLeft(this, this.b.route, view, this.ctx.states);
    const cancel =
      left > 0
        ? this.ctx.states.waitReady(view, left, (ready) => {
            this.unhold = null;
            if (ready) this.begin();
            else this.unavailable();
          })
        : undefined;
    if (cancel === undefined) this.unavailable();
    else this.unhold = cancel;
  }

  /** Answers the state-aware 502/503 (CONTRACT.md "Upstream errors"). */
  private unavailable(): void {
    const view = this.b.view;
    const status = view !== null && !view.up ? 503 : 502;
    // Not over a request body left unread, or partly read.
    const keep = this.head.keepAlive && !this.ctx.state.closing && this.body === null;
    this.status = status;
    this.conn.socket.write(rawUpstreamError(status, view, keep), 'latin1');
    this.finish(false);
    this.conn.done(keep);
  }

  timedOut(): void {
    // 408 while the client had not sent all of its body, as node:http's path answers.
    if (this.res === null && !this.bodyRead()) {
      this.refuse(408, () => writeRawResponse(this.conn.socket, 408, REQUEST_TIMEOUT));
      return;
    }
    if (this.res === null) this.ctx.report(this.b.route, 'timeout');
    this.refuse(504, () => writeRawResponse(this.conn.socket, 504, UPSTREAM_TIMEOUT));
  }

  /** Answers `status` (by `write`) in place of the upstream, and closes; cuts once answered. */
  refuse(status: number, write: () => void): void {
    if (this.res !== null) {
      this.abort();
      this.conn.destroy();
      return;
    }
    this.unhold?.();
    this.unhold = null;
    this.upstream?.abandon();
    this.upstream = null;
    this.status = status;
    write();
    this.finish(false);
    this.conn.done(false);
  }

  abort(): void {
    this.unhold?.();
    this.unhold = null;
    this.upstream?.abandon();
    this.upstream = null;
    this.finish(true);
  }

  private finish(aborted: boolean): void {
    this.body?.drop();
    this.res?.release();
    const log = this.ctx.access();
    if (log === null || this.status === -1) return;
    logRaw(
      log,
      this.head.method,
      this.path,
      this.status,
      this.startedAt,
      this.b.route.label,
      this.ip,
      aborted,
    );
    this.status = -1;
  }
}
