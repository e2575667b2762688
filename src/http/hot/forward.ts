// One proxied request on the hot path: the request head re-written for the upstream
// (X-Forwarded-*, prefix stripped, hop-by-hop dropped), the response head re-written for the
// client (security headers, Vary, Connection), its body relayed with backpressure.
import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { EventLogger } from '../../supervisor/api.js';
import { logRaw } from '../access-log.js';
import { isCompressible, isEventStream } from '../encoding.js';
import { rawUpstreamError, writeRawResponse } from '../error-responses.js';
import type { EdgeState, ProxyBinding } from '../exchange.js';
import { addVary, forwardHead, HOP_BY_HOP } from '../response-headers.js';
import { afterFailure, holdLeft, type Attempts } from '../upstream-attempts.js';
import { outcomeOfError, type UpstreamOutcomeSink } from '../upstream-outcome.js';
import type { UpstreamStates } from '../upstream-state.js';
import type { HotConnection, InFlight } from '../wire/connection.js';
import type { RequestHead } from '../wire/llhttp.js';
import type { ResponseReceiver, UpstreamConn, UpstreamPool } from './pool.js';

/** What hot exchanges share. */
export interface HotProxyContext {
  readonly pool: UpstreamPool;
  readonly state: EdgeState;
  readonly states: UpstreamStates;
  readonly compress: () => boolean;
  readonly report: UpstreamOutcomeSink;
  /** Where access lines go, or null when the access log is off. */
  readonly access: () => Pick<EventLogger, 'info'> | null;
}

/** Request headers an upstream never gets from the client (hop-by-hop, or set here). */
const DROPPED: ReadonlySet<string> = new Set([
  ...HOP_BY_HOP,
  'expect',
  'x-forwarded-for',
  'x-forwarded-proto',
  'x-forwarded-host',
  'x-real-ip',
]);

/** The request head sent upstream for `head`, with `path` as its target. */
export function upstreamHead(head: RequestHead, path: string, ip: string, origin: string): string {
  const h = head.headers;
  let out = `${head.method} ${path} HTTP/1.1\r\n`;
  let prior = '';
  let host: string | undefined;
  for (let i = 0; i < h.length; i += 2) {
    const name = h[i]!;
    const value = h[i + 1]!;
    const lower = name.toLowerCase();
    if (lower === 'x-forwarded-for') prior = prior === '' ? value : `${prior}, ${value}`;
    if (DROPPED.has(lower)) continue;
    if (lower === 'host') host = value;
    out += `${name}: ${value}\r\n`;
  }
  if (host === undefined) out += `host: ${origin}\r\n`;
  return (
    out +
    `x-forwarded-for: ${prior === '' ? ip : `${prior}, ${ip}`}\r\nx-forwarded-proto: http\r\n` +
    `x-forwarded-host: ${host ?? ''}\r\nx-real-ip: ${ip}\r\nconnection: keep-alive\r\n\r\n`
  );
}

/** Small bodies go out in one buffer with their head; larger ones in a second write. */
const ONE_WRITE_BYTES = 16 * 1024;

/** `head` and a small `chunk` in one buffer. */
function withHead(head: string, chunk: Buffer): Buffer {
  const out = Buffer.allocUnsafe(head.length + chunk.length);
  out.write(head, 0, 'latin1');
  chunk.copy(out, head.length);
  return out;
}

/** Where an upstream is reached. */
export interface HotTarget {
  readonly origin: string;
  readonly host: string;
  readonly port: number;
}

/** One request in flight to an upstream. */
export class HotProxyExchange implements InFlight, ResponseReceiver, Attempts {
  retries = 0;
  holdDeadline = 0;
  epoch = 0;
  /** Cancels the wait for the program while the request is held. */
  private unhold: (() => void) | null = null;
  private upstream: UpstreamConn | null = null;
  private chunked = false;
  private headSent = false;
  /** The upstream socket paused until the client drains. */
  private paused: Socket | null = null;
  private readonly onDrain = (): void => {
    this.paused?.resume();
    this.paused = null;
  };
  /** The response head, written with the first body bytes (one write for small answers). */
  private pending: string | null = null;
  private keepAlive = false;
  private status = 0;
  private readonly startedAt = performance.now();
  private readonly ip: string;

  constructor(
    private readonly ctx: HotProxyContext,
    private readonly conn: HotConnection,
    private readonly head: RequestHead,
    private readonly b: ProxyBinding,
    private readonly target: HotTarget,
    private readonly path: string,
    private readonly sent: string,
  ) {
    this.ip = conn.socket.remoteAddress ?? '';
  }

  /** Sends the request upstream, or holds it while its program is not up. */
  start(): void {
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
  }

  onHead(status: number, headers: string[]): void {
    this.ctx.report(this.b.route, 'ok');
    this.status = status;
    const head = forwardHead(headers);
    const socket = this.conn.socket;
    const sse = isEventStream(head.contentType);
    if (sse) {
      socket.setTimeout(0);
      socket.setKeepAlive(true, 60_000);
      this.ctx.state.longLived.add(socket);
    } else if (
      this.ctx.compress() &&
      head.contentEncoding === undefined &&
      !head.noTransform &&
      isCompressible(head.contentType)
    ) {
      addVary(head);
    }
    const req = this.head;
    const bodyless = req.method === 'HEAD' || status === 204 || status === 304;
    let keep = req.keepAlive && !this.ctx.state.closing;
    if (!bodyless && head.contentLength === undefined) {
      if (req.versionMinor >= 1) this.chunked = true;
      else keep = false;
    }
    this.keepAlive = keep;
    const h = head.headers;
    let out = `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Unknown'}\r\n`;
    for (let i = 0; i < h.length; i += 2) out += `${h[i]}: ${h[i + 1]}\r\n`;
    if (this.chunked) out += 'Transfer-Encoding: chunked\r\n';
    out += keep ? 'Connection: keep-alive\r\n\r\n' : 'Connection: close\r\n\r\n';
    this.headSent = true;
    // An event stream's head goes out at once: its first event may be long in coming.
    if (sse) socket.write(out, 'latin1');
    else this.pending = out;
  }

  onBody(chunk: Buffer): void {
    const socket = this.conn.socket;
    const head = this.pending;
    this.pending = null;
    let ok: boolean;
    if (this.chunked) {
      socket.cork();
      if (head !== null) socket.write(head, 'latin1');
      socket.write(`${chunk.length.toString(16)}\r\n`, 'latin1');
      socket.write(chunk);
      ok = socket.write('\r\n', 'latin1');
      socket.uncork();
    } else if (head === null) {
      ok = socket.write(chunk);
    } else if (chunk.length <= ONE_WRITE_BYTES) {
      ok = socket.write(withHead(head, chunk));
    } else {
      socket.cork();
      socket.write(head, 'latin1');
      ok = socket.write(chunk);
      socket.uncork();
    }
    if (!ok && this.upstream !== null && this.paused === null) {
      this.paused = this.upstream.socket;
      this.paused.pause();
      socket.once('drain', this.onDrain);
    }
  }

  onEnd(): void {
    this.upstream = null;
    const head = this.pending ?? '';
    this.pending = null;
    if (this.chunked) this.conn.socket.write(`${head}0\r\n\r\n`, 'latin1');
    else if (head !== '') this.conn.socket.write(head, 'latin1');
    this.finish(false);
    this.conn.done(this.keepAlive);
  }

  onError(err: NodeJS.ErrnoException, answered: boolean): void {
    const reused = this.upstream?.reused === true;
    this.upstream = null;
    if (answered) {
      this.finish(true);
      this.conn.destroy();
      return;
    }
    const failure = { code: err.code, method: this.head.method, bodyless: true, retryable: reused };
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
    const keep = this.head.keepAlive && !this.ctx.state.closing;
    this.status = status;
    this.conn.socket.write(rawUpstreamError(status, view, keep), 'latin1');
    this.finish(false);
    this.conn.done(keep);
  }

  timedOut(): void {
    if (this.headSent) {
      this.abort();
      this.conn.destroy();
      return;
    }
    this.unhold?.();
    this.unhold = null;
    this.upstream?.abandon();
    this.upstream = null;
    this.ctx.report(this.b.route, 'timeout');
    this.status = 504;
    writeRawResponse(this.conn.socket, 504, '{"error":"upstream_timeout"}');
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
    if (this.paused !== null) {
      this.conn.socket.off('drain', this.onDrain);
      this.paused = null;
    }
    this.ctx.state.longLived.delete(this.conn.socket);
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
