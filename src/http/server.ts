// apposd's public HTTP listener (in place of nginx): one node:http server whose requests are
// dispatched by longest prefix and answered on the raw request (/api/health, the proxy, small
// static files from memory) or by one fastify instance (large static files, misses, 404s);
// websocket upgrades; hardening limits; access log; the shutdown sequence (stop, drain, cut).
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import fastify, { type FastifyInstance } from 'fastify';
import type { HttpConfig } from '../config/types.js';
import type { SupervisorApi } from '../supervisor/api.js';
import type { UpstreamSource } from '../upstreams/api.js';
import { accessLogger, logUpgradeWhenDone, logWhenDone, type HttpLogger } from './access-log.js';
import { handleClientError } from './client-errors.js';
import { CompressedCache } from './compressed-cache.js';
import type { FileCache } from './file-cache.js';
import { sendJson, sendTooLarge, writeRawResponse } from './error-responses.js';
import { Forwarder, type EdgeState, type ProxyBinding } from './forward.js';
import { answerHealth, type HealthOptions } from './health.js';
import { createUpstreamProxy } from './proxy.js';
import {
  HEALTH_PATH,
  compileRoutes,
  createMatcher,
  pathOf,
  type Prefixed,
  type StaticRoute,
} from './routes.js';
import { setSecurityHeaders } from './security-headers.js';
import { StaticMemory } from './static-memory.js';
import { staticPlugin } from './static.js';
import { UpstreamStates } from './upstream-state.js';

/** Timeouts and limits of the listener; the defaults suit production. */
export interface HttpLimits {
  /** Time a client has to send complete request headers (408 after). */
  readonly headersTimeoutMs: number;
  /** Inactivity allowed on a connection with a request in progress (not SSE or websockets). */
  readonly idleTimeoutMs: number;
  /** How long an idle keep-alive connection stays open. */
  readonly keepAliveTimeoutMs: number;
  /** Total size of a request's headers (431 beyond). */
  readonly maxHeaderBytes: number;
  /** Requests (and upgrades) that may wait per program during a `hold`. */
  readonly maxHeldRequests: number;
}

/** Production defaults of {@link HttpLimits}. */
export const DEFAULT_LIMITS: HttpLimits = {
  headersTimeoutMs: 20_000,
  idleTimeoutMs: 60_000,
  keepAliveTimeoutMs: 65_000,
  maxHeaderBytes: 16 * 1024,
  maxHeldRequests: 1000,
};

/** What {@link createHttpServer} needs. */
export interface HttpServerOptions {
  readonly http: HttpConfig;
  readonly supervisor: SupervisorApi;
  /** Probed upstreams (routes with `probe:`): looked up by name like programs. */
  readonly upstreams?: UpstreamSource;
  /** A pino logger (or anything with the same debug/info/warn/error signature). */
  readonly logger: HttpLogger;
  readonly limits?: Partial<HttpLimits>;
}

/** The listener's address. */
export interface EdgeAddress {
  readonly host: string;
  readonly port: number;
}

/** The public listener. */
export interface HttpEdge {
  /** Starts listening on `http.host:http.port`; resolves with the bound address (port 0 = any). */
  listen(): Promise<EdgeAddress>;
  /** The bound address, or null when not listening. */
  address(): EdgeAddress | null;
  /**
   * Stops accepting connections; /api/health answers 503 `stopping`; held requests fail with
   * 503; requests on open connections are still served, with `Connection: close`.
   */
  beginShutdown(): void;
  /**
   * Shuts down (calling beginShutdown first if needed): websockets and event streams are cut at
   * once, other in-flight requests may finish for up to `deadlineMs` milliseconds, then every
   * remaining connection is destroyed. Resolves when all is closed.
   */
  close(deadlineMs: number): Promise<void>;
  /**
   * Applies a reloaded `http` section without a restart: routes, max_body, compress and
   * access_log. A changed listen address needs a restart.
   */
  setRoutes(http: HttpConfig): void;
}

/** A static route with its files in memory. */
interface StaticBinding {
  readonly route: StaticRoute;
  readonly files: FileCache;
}

interface Entry extends Prefixed {
  readonly proxy: ProxyBinding | undefined;
  readonly static: StaticBinding | undefined;
  readonly label: string;
}

interface Edge {
  readonly match: (path: string) => Entry | undefined;
  readonly accessLog: boolean;
  readonly compress: boolean;
}

const kStatic = Symbol('apposd.staticRoute');
interface EdgeRequest extends IncomingMessage {
  [kStatic]?: StaticRoute;
}

const NOT_FOUND = '{"error":"not_found"}';

function onSocketError(this: Socket): void {
  this.destroy();
}

/** Creates the public listener (not yet listening). */
export async function createHttpServer(opts: HttpServerOptions): Promise<HttpEdge> {
  const limits: HttpLimits = { ...DEFAULT_LIMITS, ...opts.limits };
  const log = opts.logger;
  const access = accessLogger(log);
  const state: EdgeState = { closing: false, longLived: new Set() };
  const proxy = createUpstreamProxy();
  const states = new UpstreamStates(opts.supervisor, limits.maxHeldRequests, opts.upstreams);
  const cache = new CompressedCache();
  let listenOn = { host: opts.http.host, port: opts.http.port };
  // What memory does not serve goes to @fastify/static (toFastify is ready before any request).
  const memory = new StaticMemory(
    cache,
    () => state.closing,
    (req, res, route) => {
      (req as EdgeRequest)[kStatic] = route;
      toFastify(req, res);
    },
  );

  const compile = (http: HttpConfig): Edge => {
    const routes = compileRoutes(http.routes);
    memory.retain(new Set(routes.flatMap((r) => (r.kind === 'static' ? [r.root] : []))));
    const entries: Entry[] = routes.map((route) =>
      route.kind === 'proxy'
        ? {
            path: route.path,
            index: route.index,
            label: route.label,
            static: undefined,
            proxy: {
              route,
              target: proxy.target(route.upstream),
              view: route.program === null ? null : states.view(route.program),
            },
          }
        : {
            path: route.path,
            index: route.index,
            label: route.label,
            static: { route, files: memory.filesOf(route.root) },
            proxy: undefined,
          },
    );
    return { match: createMatcher(entries), accessLog: http.accessLog, compress: http.compress };
  };
  let edge = compile(opts.http);
  const settingsOf = (http: HttpConfig) => ({ maxBody: http.maxBody, compress: http.compress });
  const forwarder = new Forwarder(
    proxy,
    states,
    state,
    log,
    settingsOf(opts.http),
    opts.supervisor,
  );

  const server: Server = createServer({
    headersTimeout: limits.headersTimeoutMs,
    requestTimeout: 0,
    maxHeaderSize: limits.maxHeaderBytes,
    connectionsCheckingInterval: Math.min(1000, limits.headersTimeoutMs),
  });
  // Slow headers must meet headersTimeout (408) before the idle timeout cuts the connection.
  server.timeout = Math.max(limits.idleTimeoutMs, limits.headersTimeoutMs + 1000);
  server.keepAliveTimeout = limits.keepAliveTimeoutMs;

  let fastifyHandler: ((req: IncomingMessage, res: ServerResponse) => void) | undefined;
  const app: FastifyInstance = fastify({
    serverFactory: (handler) => {
      fastifyHandler = handler;
      return server;
    },
    logger: false,
    return503OnClosing: false,
    forceCloseConnections: false,
    clientErrorHandler: handleClientError,
  });

  await app.register(staticPlugin, {
    routeOf: (req) => (req as EdgeRequest)[kStatic],
    compress: () => edge.compress,
    cache,
  });
  app.setNotFoundHandler((_request, reply) => {
    reply.code(404).type('application/json; charset=utf-8').send(NOT_FOUND);
  });
  app.setErrorHandler((err: { statusCode?: number; message?: string }, request, reply) => {
    const status = err.statusCode !== undefined && err.statusCode >= 400 ? err.statusCode : 500;
    if (status >= 500) log.error({ path: pathOf(request.url), err: err.message }, 'http error');
    reply
      .code(status)
      .type('application/json; charset=utf-8')
      .send(status >= 500 ? '{"error":"internal"}' : '{"error":"bad_request"}');
  });
  await app.ready();

  const toFastify = (req: IncomingMessage, res: ServerResponse): void => {
    setSecurityHeaders(res);
    if (state.closing) res.setHeader('Connection', 'close');
    fastifyHandler!(req, res);
  };

  const health: HealthOptions = {
    supervisor: opts.supervisor,
    upstreams: opts.upstreams,
    stopping: () => state.closing,
  };

  const onRequest = (req: IncomingMessage, res: ServerResponse): void => {
    const current = edge;
    const path = pathOf(req.url ?? '/');
    if (path === HEALTH_PATH) {
      if (current.accessLog) logWhenDone(access, req, res, path, 'health');
      answerHealth(req, res, health);
      return;
    }
    const entry = current.match(path);
    if (current.accessLog) logWhenDone(access, req, res, path, entry ? entry.label : 'none');
    if (entry?.proxy) {
      forwarder.handle(req, res, entry.proxy);
      return;
    }
    if (entry?.static) {
      memory.handle(req, res, entry.static.route, entry.static.files, current.compress);
      return;
    }
    toFastify(req, res);
  };
  server.on('request', onRequest);

  server.on('timeout', (socket: Socket) => {
    const res = (socket as Socket & { _httpMessage?: ServerResponse | null })._httpMessage;
    if (!res || res.headersSent) {
      socket.destroy();
      return;
    }
    if (res.req.complete) {
      proxy.abort(res.req);
      sendJson(res, 504, '{"error":"upstream_timeout"}', [], true);
    } else {
      sendJson(res, 408, '{"error":"request_timeout"}', [], true);
    }
  });

  server.on('checkContinue', (req: IncomingMessage, res: ServerResponse) => {
    const length = Number(req.headers['content-length']);
    if (length > forwarder.settings.maxBody) {
      if (edge.accessLog) logWhenDone(access, req, res, pathOf(req.url ?? '/'), 'none');
      sendTooLarge(res);
      return;
    }
    delete req.headers.expect;
    res.writeContinue();
    onRequest(req, res);
  });

  server.on('upgrade', (req: IncomingMessage, duplex: Duplex, head: Buffer) => {
    const socket = duplex as Socket;
    socket.on('error', onSocketError);
    const current = edge;
    const path = pathOf(req.url ?? '/');
    const entry = current.match(path);
    let status = 404;
    if (current.accessLog) {
      logUpgradeWhenDone(access, req, socket, path, entry ? entry.label : 'none', () => status);
    }
    if (state.closing) {
      status = 503;
      writeRawResponse(socket, 503, '{"error":"shutting_down"}');
      return;
    }
    if (!entry?.proxy || path === HEALTH_PATH) {
      writeRawResponse(socket, 404, NOT_FOUND);
      return;
    }
    state.longLived.add(socket);
    socket.once('close', () => state.longLived.delete(socket));
    const up = forwarder.upgrade(req, socket, head, entry.proxy);
    if (up) socket.prependOnceListener('close', () => (status = up.status));
  });

  let closed: Promise<void> | undefined;
  const beginShutdown = (): void => {
    if (state.closing) return;
    state.closing = true;
    states.beginShutdown();
    closed = new Promise((resolve) => {
      if (!server.listening) resolve();
      else server.close(() => resolve());
    });
  };

  return {
    listen() {
      return new Promise((resolve, reject) => {
        const onError = (err: Error): void => reject(err);
        server.once('error', onError);
        server.listen(listenOn.port, listenOn.host, () => {
          server.off('error', onError);
          const a = server.address();
          const port = typeof a === 'object' && a ? a.port : listenOn.port;
          listenOn = { host: listenOn.host, port };
          resolve({ host: listenOn.host, port });
        });
      });
    },
    address() {
      const a = server.address();
      return typeof a === 'object' && a ? { host: listenOn.host, port: a.port } : null;
    },
    beginShutdown,
    async close(deadlineMs: number) {
      beginShutdown();
      for (const longLived of state.longLived) longLived.destroy();
      const sweep = setInterval(() => server.closeIdleConnections(), 50);
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        closed,
        new Promise<void>((resolve) => (timer = setTimeout(resolve, Math.max(0, deadlineMs)))),
      ]);
      clearInterval(sweep);
      clearTimeout(timer);
      server.closeAllConnections();
      await closed;
      states.close();
      proxy.close();
      cache.clear();
      memory.clear();
      await app.close();
    },
    setRoutes(http: HttpConfig) {
      edge = compile(http);
      forwarder.settings = settingsOf(http);
    },
  };
}
