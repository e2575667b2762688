// The one place that talks to http-proxy: a narrow interface that sends a request (or a
// websocket upgrade) to an upstream and hands back its response or its error. Keep-alive pool
// to upstreams; everything about what to do with a response lives in forward.ts.
import { Agent, type ClientRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import type { Socket } from 'node:net';
import type { Readable } from 'node:stream';
import httpProxy from 'http-proxy';

/** An upstream origin prepared once per route. Opaque outside this file. */
export interface ProxyTarget {
  readonly url: URL;
  /** @internal http-proxy's per-call options. */
  readonly options: httpProxy.ServerOptions;
}

/** The per-request receiver of what the upstream did. */
export interface ProxyExchange {
  /** The upstream's response, headers received, body not yet read. */
  onUpstreamResponse(upstream: IncomingMessage): void;
  /**
   * The upstream failed: could not connect, reset, or failed while answering. `reused` tells
   * whether the request went out on a pooled keep-alive connection (a stale one is retryable).
   */
  onUpstreamError(err: NodeJS.ErrnoException, reused: boolean): void;
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
  /** Aborts the upstream request of `req` if one is in flight. */
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

const kExchange = Symbol('apposd.exchange');
const kUpstreamReq = Symbol('apposd.upstreamRequest');

interface ProxiedRequest extends IncomingMessage {
  [kExchange]?: ProxyExchange | UpgradeExchange;
  [kUpstreamReq]?: ClientRequest;
}

const STRIP_ON_UPGRADE = ['server', 'x-powered-by'];

const POOL = {
  keepAlive: true,
  keepAliveMsecs: 1000,
  maxFreeSockets: 256,
  scheduling: 'lifo',
  // Closes pooled connections idle this long; requests in flight are not affected.
  timeout: 30_000,
} as const;

/** Creates the proxy with its keep-alive pools (one for http:, one for https: upstreams). */
export function createUpstreamProxy(): UpstreamProxy {
  const agent = new Agent(POOL);
  const tlsAgent = new HttpsAgent(POOL);
  const proxy = httpProxy.createProxyServer({
    selfHandleResponse: true,
    xfwd: false,
    prependPath: true,
  });

  proxy.on('proxyReq', (upstreamReq, req) => {
    (req as ProxiedRequest)[kUpstreamReq] = upstreamReq;
  });
  proxy.on('proxyRes', (upstreamRes, req) => {
    const exchange = (req as ProxiedRequest)[kExchange] as ProxyExchange | undefined;
    if (exchange) exchange.onUpstreamResponse(upstreamRes);
    else upstreamRes.destroy();
  });
  proxy.on('proxyReqWs', (upstreamReq, req) => {
    const exchange = (req as ProxiedRequest)[kExchange] as UpgradeExchange | undefined;
    upstreamReq.on('upgrade', (upstreamRes: IncomingMessage) => {
      for (const name of STRIP_ON_UPGRADE) delete upstreamRes.headers[name];
      exchange?.onUpgraded();
    });
  });
  // Reached only when a callback is missing; kept so that http-proxy never throws.
  proxy.on('error', () => undefined);

  const onWebError = (err: Error, req: IncomingMessage): void => {
    const r = req as ProxiedRequest;
    const exchange = r[kExchange] as ProxyExchange | undefined;
    const reused = r[kUpstreamReq]?.reusedSocket === true;
    exchange?.onUpstreamError(err as NodeJS.ErrnoException, reused);
  };
  const onWsError = (err: Error, req: IncomingMessage): void => {
    const exchange = (req as ProxiedRequest)[kExchange] as UpgradeExchange | undefined;
    exchange?.onUpstreamError(err as NodeJS.ErrnoException);
  };

  return {
    target(url) {
      const tls = url.protocol === 'https:';
      const target = {
        protocol: url.protocol,
        hostname: url.hostname,
        host: url.hostname,
        port: Number(url.port) || (tls ? 443 : 80),
        path: url.pathname === '/' ? '' : url.pathname,
      };
      return { url, options: { target, agent: tls ? tlsAgent : agent } };
    },
    web(req, res, target, body, exchange) {
      const r = req as ProxiedRequest;
      r[kExchange] = exchange;
      r[kUpstreamReq] = undefined;
      const options = body ? { ...target.options, buffer: body } : target.options;
      proxy.web(req, res, options, onWebError);
    },
    abort(req) {
      const upstreamReq = (req as ProxiedRequest)[kUpstreamReq];
      if (upstreamReq && !upstreamReq.destroyed) upstreamReq.destroy();
    },
    ws(req, socket, head, target, exchange) {
      (req as ProxiedRequest)[kExchange] = exchange;
      proxy.ws(req, socket, head, { ...target.options, agent: false }, onWsError);
    },
    close() {
      agent.destroy();
      tlsAgent.destroy();
      proxy.close();
    },
  };
}
