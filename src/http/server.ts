// apposd's public HTTP listener (in place of nginx): one node:http server whose requests are
// dispatched by longest prefix and answered on the raw request (/api/health, the proxy, small
// static files from memory) or by one fastify instance (large static files, misses, 404s);
// websocket upgrades; hardening limits; access log; the shutdown sequence (stop, drain, cut).
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { HttpConfig } from '../config/types.js';
import { accessLogger, logUpgradeWhenDone, logWhenDone } from './access-log.js';
import { CompressedCache } from './static/compressed-cache.js';
import { defaultMaxConnections } from './wire/connection-limit.js';
import { ConnectionGuard, responseOf } from './wire/connections.js';
import {
  DEFAULT_LIMITS,
  type HttpEdge,
  type HttpLimits,
  type HttpServerOptions,
} from './edge-api.js';
import {
  sendJson,
  sendTooLarge,
  writeRawRefusal,
  writeRawResponse,
} from './proxy/error-responses.js';
import { handleClientError } from './wire/client-errors.js';
import { compileEdge, type Edge } from './dispatch-table.js';
import type { EdgeState } from './proxy/binding.js';
import { Forwarder } from './proxy/fallback/forward.js';
import { answerHealth, type HealthOptions } from './health/answer.js';
import { acceptWithReadCallback } from './wire/accept.js';
import { attachHotPath } from './wire/listener.js';
import { oneAtATime } from './wire/pipeline.js';
import { createUpstreamProxy } from './proxy/fallback/undici.js';
import { HEALTH_PATH, pathOf, type StaticRoute } from './routes.js';
import { isName } from './wire/header-names.js';
import {
  absoluteForm,
  checkCodings,
  checkHandshake,
  checkRequest,
  checkVersion,
  NOT_ROUTABLE,
  takesUpgrade,
  withoutUpgrade,
  type Refusal,
} from './wire/request-target.js';
import { handToNodeHttp } from './wire/connection.js';
import { setSecurityHeaders } from './security-headers.js';
import { StaticMemory } from './static/memory.js';
import { lazyStaticFallback } from './static/fallback.js';
import type { UpstreamOutcomeSink } from './proxy/upstream-outcome.js';
import { supervisorSource, UpstreamStates } from './proxy/upstream-state.js';

export {
  DEFAULT_LIMITS,
  type EdgeAddress,
  type HttpEdge,
  type HttpLimits,
  type HttpServerOptions,
} from './edge-api.js';

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
  const states = new UpstreamStates(
    supervisorSource(opts.supervisor),
    limits.maxHeldRequests,
    opts.upstreams,
  );
  const cache = new CompressedCache();
  let listenOn = { host: opts.http.host, port: opts.http.port };
  // What memory does not serve goes to @fastify/static (loaded by the first such request).
  const memory = new StaticMemory(
    cache,
    () => state.closing,
    (req, res, route) => {
      (req as EdgeRequest)[kStatic] = route;
      toFastify(req, res);
    },
  );

  const compile = (http: HttpConfig): Edge => compileEdge(http, proxy, states, memory);
  let edge = compile(opts.http);
  const settingsOf = (http: HttpConfig) => ({ maxBody: http.maxBody, compress: http.compress });
  const report: UpstreamOutcomeSink = (route, outcome) => {
    if (route.program !== null) {
      opts.supervisor.reportUpstream(route.program, outcome, route.unhealthyAfter);
    }
    opts.onUpstreamOutcome?.(route, outcome);
  };
  const forwarder = new Forwarder(proxy, states, state, log, settingsOf(opts.http), report);

  const server: Server = createServer({
    headersTimeout: limits.headersTimeoutMs,
    requestTimeout: 0,
    maxHeaderSize: limits.maxHeaderBytes,
    // node:http checks header deadlines on this timer, which wakes apposd even with no
    // connection (~0.7 ms of CPU a wake): every 5 s (a 408 by 20-25 s in production) costs a
    // fifth of every 1 s. Short test timeouts keep their own interval.
    connectionsCheckingInterval: Math.min(5000, limits.headersTimeoutMs),
  });
  // node:http's own, the only one yet: the hot path hands connections to it, and so does an
  // upgrade the edge ignores (served as a plain request).
  const [nodeConnection] = server.listeners('connection') as [(socket: Socket) => void];
  const toNodeHttp = (socket: Socket): void => nodeConnection.call(server, socket);
  const maxConnections =
    opts.http.maxConnections ??
    (opts.fdLimit === undefined ? undefined : defaultMaxConnections(opts.fdLimit));
  const guard = new ConnectionGuard(server, maxConnections, log);
  // Slow headers must meet headersTimeout (408) before the idle timeout cuts the connection.
  server.timeout = Math.max(limits.idleTimeoutMs, limits.headersTimeoutMs + 1000);
  server.keepAliveTimeout = limits.keepAliveTimeoutMs;

  // Parser errors are answered from the start, also before the static fallback is loaded.
  server.on('clientError', handleClientError);
  const fallback = lazyStaticFallback(server, {
    routeOf: (req) => (req as EdgeRequest)[kStatic],
    compress: () => edge.compress,
    cache,
    log,
  });

  const toFastify = (req: IncomingMessage, res: ServerResponse): void => {
    setSecurityHeaders(res);
    if (state.closing) res.setHeader('Connection', 'close');
    fallback.handle(req, res);
  };

  // What /api/health shows changes with the supervisor's events and the upstreams' checks.
  let healthVersion = 0;
  const changed = (): void => {
    healthVersion++;
  };
  const unsubscribeHealth = [
    opts.supervisor.subscribe(changed),
    opts.upstreams?.subscribe(changed),
  ];
  const health: HealthOptions = {
    supervisor: opts.supervisor,
    upstreams: opts.upstreams,
    stopping: () => state.closing,
    version: () => healthVersion,
  };

  /** Answers requests the edge refuses before routing. */
  const admitted = (req: IncomingMessage, res: ServerResponse): boolean => {
    const checked = arrived(req);
    if (checked === undefined) return true;
    if (edge.accessLog) logWhenDone(access, req, res, pathOf(req.url ?? '/'), 'none');
    sendJson(res, checked.status, checked.body, checked.headers, checked.close === true);
    return false;
  };

  const onRequest = (req: IncomingMessage, res: ServerResponse): void => {
    if (!guard.requested(req.socket)) return;
    if (!admitted(req, res)) return;
    route(req, res);
  };

  const onCheckContinue = (req: IncomingMessage, res: ServerResponse): void => {
    const length = Number(req.headers['content-length']);
    if (length > forwarder.settings.maxBody) {
      if (edge.accessLog) logWhenDone(access, req, res, pathOf(req.url ?? '/'), 'none');
      sendTooLarge(res);
      return;
    }
    if (!guard.requested(req.socket) || !admitted(req, res)) return;
    delete req.headers.expect;
    res.writeContinue();
    route(req, res);
  };

  const route = (req: IncomingMessage, res: ServerResponse): void => {
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
  const pipeline = oneAtATime();
  server.on('request', (req: IncomingMessage, res: ServerResponse) =>
    pipeline(req, res, onRequest),
  );
  const hot =
    opts.llhttp &&
    attachHotPath(server, {
      binding: opts.llhttp,
      nodeConnection,
      maxHeaderBytes: limits.maxHeaderBytes,
      idleTimeoutMs: server.timeout,
      keepAliveTimeoutMs: limits.keepAliveTimeoutMs,
      headersTimeoutMs: limits.headersTimeoutMs,
      edge: () => edge,
      state,
      states,
      health,
      report,
      access,
      guard,
      memory,
      maxBody: () => forwarder.settings.maxBody,
    });

  server.on('timeout', (socket: Socket) => {
    const res = responseOf(socket);
    if (!res || res.headersSent) socket.destroy();
    else forwarder.timedOut(res);
  });

  server.on('checkContinue', (req: IncomingMessage, res: ServerResponse) =>
    pipeline(req, res, onCheckContinue),
  );

  // CONNECT never reaches the request listener: without this node:http closes in silence.
  server.on('connect', (req: IncomingMessage, duplex: Duplex) => {
    const socket = duplex as Socket;
    socket.on('error', onSocketError);
    // After the answers pipelined before it, as an upgrade's (below).
    whenNoAnswerOwed(socket, () =>
      writeRawRefusal(socket, checkRequest('CONNECT', req.rawHeaders, req.httpVersionMinor)!),
    );
  });

  const onUpgrade = (req: IncomingMessage, socket: Socket, head: Buffer): void => {
    if (!takesUpgrade(req.httpVersionMinor, req.rawHeaders)) {
      // Not one the edge takes up (h2c, say): node:http reads the request again without it.
      const plain = withoutUpgrade(
        req.method ?? 'GET',
        req.url ?? '/',
        req.httpVersionMinor,
        req.rawHeaders,
      );
      handToNodeHttp(socket, head.length > 0 ? Buffer.concat([plain, head]) : plain, toNodeHttp);
      return;
    }
    socket.on('error', onSocketError);
    const checked = arrived(req) ?? checkHandshake(req.method ?? '');
    if (checked !== undefined) {
      writeRawRefusal(socket, checked);
      return;
    }
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
  };

  // node:http lets go of a connection to emit 'upgrade', also while answers pipelined before
  // the upgrade are still owed: its answer (a 101, a refusal, the request read again without
  // it) waits for theirs, or it went out ahead of them.
  server.on('upgrade', (req: IncomingMessage, duplex: Duplex, head: Buffer) => {
    const socket = duplex as Socket;
    whenNoAnswerOwed(socket, () => onUpgrade(req, socket, head));
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
          acceptWithReadCallback(server);
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
      const sweep = setInterval(() => {
        server.closeIdleConnections();
        hot?.closeIdle();
      }, 50);
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        closed,
        new Promise<void>((resolve) => (timer = setTimeout(resolve, Math.max(0, deadlineMs)))),
      ]);
      clearInterval(sweep);
      clearTimeout(timer);
      server.closeAllConnections();
      hot?.destroyAll();
      await closed;
      for (const unsubscribe of unsubscribeHealth) unsubscribe?.();
      states.close();
      proxy.close();
      cache.clear();
      memory.clear();
      await fallback.close();
    },
    setRoutes(http: HttpConfig) {
      edge = compile(http);
      forwarder.settings = settingsOf(http);
    },
  };
}

/**
 * Checks `req` before routing (checkVersion, checkRequest, checkCodings) and makes an
 * absolute-form target origin-form, its authority standing for the Host from then on (RFC 9112
 * 3.2.2), as nginx does; returns the refusal to answer instead (also for "*" and
 * authority-form targets). The hot path leaves every target not in origin-form to node:http.
 */
function arrived(req: IncomingMessage): Refusal | undefined {
  const checked =
    checkVersion(req.httpVersionMajor) ??
    checkRequest(req.method ?? '', req.rawHeaders, req.httpVersionMinor) ??
    checkCodings(req.rawHeaders);
  if (checked !== undefined) return checked;
  const url = req.url ?? '/';
  if (url.charCodeAt(0) === 47) return undefined;
  const absolute = absoluteForm(url);
  if (absolute === undefined) return NOT_ROUTABLE;
  if ('status' in absolute) return absolute;
  req.url = absolute.origin;
  req.headers.host = absolute.authority;
  const raw = req.rawHeaders;
  let i = 0;
  while (i < raw.length && !isName(raw[i]!, 'host')) i += 2;
  if (i < raw.length) raw[i + 1] = absolute.authority;
  else raw.push('Host', absolute.authority);
  return undefined;
}

/**
 * Runs `fn` once `socket` has no answer in flight that node:http still owes (at once when it has
 * none). node:http hands the socket to the next answer it owes as each is done, so the wait goes
 * on until none is left; a connection closed meanwhile runs nothing.
 */
function whenNoAnswerOwed(socket: Socket, fn: () => void): void {
  if (socket.destroyed) return;
  const inFlight = responseOf(socket);
  if (inFlight === null) fn();
  else inFlight.once('close', () => whenNoAnswerOwed(socket, fn));
}
