// The one place that opens connections to upstreams: requests through undici keep-alive pools
// (one per origin), websocket upgrades through node:http. A narrow interface: send a request,
// get the response head, stream its body where fallback/forward.ts says, or hear of its error.
import {
  request as httpRequest,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type RequestOptions,
  type ServerResponse,
} from 'node:http';
import { request as httpsRequest } from 'node:https';
import { createRequire } from 'node:module';
import type { Socket } from 'node:net';
import type { Readable, Writable } from 'node:stream';
import type { Dispatcher, Pool as UndiciPool } from 'undici';
import { watchUpgrade, type UpgradeRequest } from './upgrade.js';
import { setupSocket } from '../relay.js';
import { HOP_BY_HOP } from '../response-headers.js';
import { codingsBeyondChunked } from '../../wire/header-names.js';
import type { HotTarget } from '../pool.js';

type Pool = UndiciPool;
let PoolClass: typeof UndiciPool | undefined;

/**
 * undici's Pool alone (the same class its index exports: the index also loads fetch,
 * websockets and caches, ~8 MB of resident memory apposd has no use for), loaded by the first
 * request that takes this path: the hot path forwards most requests without it.
 */
function newPool(origin: string): Pool {
  PoolClass ??= createRequire(import.meta.url)(
    'undici/lib/dispatcher/pool.js',
  ) as typeof UndiciPool;
  return new PoolClass(origin, POOL);
}

/** An upstream origin prepared once per route. Opaque outside this file. */
export interface ProxyTarget {
  readonly url: URL;
  /** @internal */
  readonly hostname: string;
  /** @internal */
  readonly port: number;
  /** @internal The origin's base path without a trailing slash ("" for none). */
  readonly basePath: string;
  /** @internal The keep-alive pool of the origin, made by its first request. */
  readonly pool: () => Pool;
  /** @internal For websocket upgrades. */
  readonly request: typeof httpRequest;
  /** The origin for the hot path, or null when it does not take it (https). */
  readonly hot: HotTarget | null;
}

/** The per-request receiver of what the upstream did. */
export interface ProxyExchange {
  /**
   * The upstream's response head: status and headers as [name, value, ...]. Returns where the
   * body goes (written with backpressure, ended when complete), or null to drop it: the
   * upstream request is then aborted and nothing more is reported.
   */
  onUpstreamResponse(status: number, headers: string[]): Writable | null;
  /**
   * The upstream failed: could not connect, reset, or failed while answering (the sink is not
   * ended then). `retryable` is true when it failed before any response: a reset then may be a
   * pooled keep-alive connection the upstream had closed.
   */
  onUpstreamError(err: NodeJS.ErrnoException, retryable: boolean): void;
}

/** The per-upgrade receiver of what the upstream did. */
export interface UpgradeExchange {
  /** The upstream switched protocols; the sockets are piped both ways from now on. */
  onUpgraded(): void;
  /** The upstream failed before or after switching protocols. The socket is ended after. */
  onUpstreamError(err: NodeJS.ErrnoException): void;
}

/** Forwards requests and upgrades to upstreams. */
export interface UpstreamProxy {
  /** Prepares a target for `url` (an http: or https: origin, optionally with a base path). */
  target(url: URL): ProxyTarget;
  /**
   * Sends `req` to `target`. The request body is read from `body` when given (a limiter in
   * front of `req`), else from `req`. Exactly one of the exchange's callbacks reports the
   * outcome (the error callback may follow a response when the upstream dies mid-body).
   */
  web(
    req: IncomingMessage,
    res: ServerResponse,
    target: ProxyTarget,
    body: Readable | undefined,
    exchange: ProxyExchange,
  ): void;
  /** Aborts the upstream request of `req` if one is in flight; nothing more is reported. */
  abort(req: IncomingMessage): void;
  /** Forwards a websocket upgrade; the sockets are piped both ways once the upstream agrees. */
  ws(
    req: IncomingMessage,
    socket: Socket,
    head: Buffer,
    target: ProxyTarget,
    exchange: UpgradeExchange,
  ): void;
  /** Closes the pooled upstream connections. */
  close(): void;
}

const kCall = Symbol('apposd.upstreamCall');

interface ProxiedRequest extends IncomingMessage {
  [kCall]?: WebCall;
}

const POOL: UndiciPool.Options = {
  pipelining: 1,
  // No timeouts of its own: the listener's idle timeout answers 504, and event streams and
  // slow uploads may stay quiet for as long as they like.
  headersTimeout: 0,
  bodyTimeout: 0,
  // Idle pooled connections close after this (or the upstream's Keep-Alive hint, minus 1 s).
  keepAliveTimeout: 4_000,
};

/** Request headers an upstream must not get from the client (hop-by-hop, or handled here). */
const NOT_FORWARDED: ReadonlySet<string> = new Set([...HOP_BY_HOP, 'expect']);

const pathFor = (req: IncomingMessage, target: ProxyTarget): string => {
  // Origin-form by now: absolute-form targets are taken apart on arrival (server.ts).
  const path = req.url ?? '/';
  return target.basePath === '' ? path : target.basePath + path;
};

function requestHeaders(h: IncomingHttpHeaders): string[] {
  const out: string[] = [];
  for (const name in h) {
    const value = h[name];
    if (value === undefined || NOT_FORWARDED.has(name)) continue;
    if (typeof value === 'string') out.push(name, value);
    else for (const v of value) out.push(name, v);
  }
  return out;
}

function responseHeaders(h: IncomingHttpHeaders): string[] {
  const out: string[] = [];
  for (const name in h) {
    const value = h[name];
    if (value === undefined) continue;
    if (typeof value === 'string') out.push(name, value);
    else for (const v of value) out.push(name, v);
  }
  return out;
}

const hasNoBody = (req: IncomingMessage): boolean =>
  req.headers['transfer-encoding'] === undefined &&
  (req.headers['content-length'] === undefined || req.headers['content-length'] === '0');

/** undici's errors in the shape fallback/forward.ts reads: a closed or reset socket is ECONNRESET. */
function asErrno(err: Error): NodeJS.ErrnoException {
  const e = err as NodeJS.ErrnoException & { cause?: NodeJS.ErrnoException };
  if (e.code !== 'UND_ERR_SOCKET') return e;
  const code = e.cause?.code ?? 'ECONNRESET';
  return Object.assign(new Error(e.message), { code });
}

const aborted = (): Error =>
  Object.assign(new Error('aborted by apposd'), { code: 'ECONNABORTED' });

/** One request to an upstream: undici's handler, reporting to the exchange exactly once. */
class WebCall implements Dispatcher.DispatchHandler {
  private controller: Dispatcher.DispatchController | null = null;
  private sink: Writable | null = null;
  private responded = false;
  /** The outcome was reported (or the call aborted): nothing more is. */
  done = false;

  constructor(private readonly exchange: ProxyExchange) {}

  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.controller = controller;
    if (this.done) controller.abort(aborted());
  }

  onResponseStart(
    controller: Dispatcher.DispatchController,
    status: number,
    headers: IncomingHttpHeaders,
  ): void {
    if (this.done || status < 200) return;
    const raw = responseHeaders(headers);
    // A coding beside or in place of chunked: 502, as on the hot path (pool.ts).
    if (codingsBeyondChunked(raw)) {
      this.done = true;
      controller.abort(aborted());
      const err = Object.assign(new Error('unknown transfer coding'), { code: 'EPROTO' });
      this.exchange.onUpstreamError(err, false);
      return;
    }
    this.responded = true;
    const sink = this.exchange.onUpstreamResponse(status, raw);
    if (sink === null) this.abort();
    else this.sink = sink;
  }

  onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer): void {
    const sink = this.sink;
    if (sink === null || this.done) return;
    if (!sink.write(chunk)) {
      controller.pause();
      sink.once('drain', () => controller.resume());
    }
  }

  onResponseEnd(): void {
    if (this.done) return;
    this.done = true;
    this.sink?.end();
  }

  onResponseError(_controller: Dispatcher.DispatchController | undefined, err: Error): void {
    if (this.done) return;
    this.done = true;
    this.exchange.onUpstreamError(asErrno(err), !this.responded);
  }

  abort(): void {
    if (this.done) return;
    this.done = true;
    this.controller?.abort(aborted());
  }
}

/** The client went away (or the exchange ended): an upstream request still running is cut. */
function onClientClose(this: ServerResponse): void {
  (this.req as ProxiedRequest)[kCall]?.abort();
}

/** Creates the proxy with its keep-alive pools (one per upstream origin). */
export function createUpstreamProxy(): UpstreamProxy {
  const pools = new Map<string, Pool>();

  return {
    target(url) {
      const tls = url.protocol === 'https:';
      const pool = (): Pool => {
        let p = pools.get(url.origin);
        if (p === undefined) {
          p = newPool(url.origin);
          pools.set(url.origin, p);
        }
        return p;
      };
      const port = Number(url.port) || (tls ? 443 : 80);
      const hot =
        url.protocol === 'http:'
          ? { origin: url.origin, host: url.hostname, port, authority: url.host }
          : null;
      return {
        url,
        hostname: url.hostname,
        port,
        basePath: url.pathname.replace(/\/+$/, ''),
        pool,
        request: tls ? httpsRequest : httpRequest,
        hot,
      };
    },
    web(req, res, target, body, exchange) {
      const r = req as ProxiedRequest;
      if (r[kCall] === undefined) res.on('close', onClientClose);
      const call = new WebCall(exchange);
      r[kCall] = call;
      target.pool().dispatch(
        {
          method: req.method as Dispatcher.HttpMethod,
          path: pathFor(req, target),
          headers: requestHeaders(req.headers),
          body: body ?? (hasNoBody(req) ? null : req),
        },
        call,
      );
    },
    abort(req) {
      (req as ProxiedRequest)[kCall]?.abort();
    },
    ws(req, socket, head, target, exchange) {
      // A GET asking for websocket alone: server.ts answered any other before routing.
      setupSocket(socket);
      if (head.length > 0) socket.unshift(head);
      const options: RequestOptions = {
        hostname: target.hostname,
        port: target.port,
        method: req.method,
        path: pathFor(req, target),
        headers: req.headers,
        agent: false,
      };
      const upstreamReq = target.request(options) as UpgradeRequest;
      watchUpgrade(upstreamReq, socket, exchange);
      upstreamReq.end();
    },
    close() {
      for (const pool of pools.values()) pool.destroy().catch(() => undefined);
      pools.clear();
    },
  };
}
