// Runs the public HTTP listener (src/http) in the test process against a FakeSupervisor, with
// a capturing logger: the building block of the HTTP integration tests.
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { HttpConfig, RouteConfig } from '../../src/config/types.js';
import { createHttpServer, type HttpEdge, type HttpLimits } from '../../src/http/server.js';
import { FakeSupervisor } from './fake-supervisor.js';
import { llhttp } from './llhttp.js';

/** A route as a test writes it; defaults as in the config loader. */
export type TestRoute = Partial<RouteConfig> & { path: string };

/** Fills a RouteConfig's defaults. */
export function route(r: TestRoute): RouteConfig {
  return { websocket: false, stripPrefix: false, spa: false, ...r };
}

/** An HttpConfig on 127.0.0.1, any port, with the given routes. */
export function httpConfig(routes: TestRoute[], extra: Partial<HttpConfig> = {}): HttpConfig {
  return {
    host: '127.0.0.1',
    port: 0,
    maxBody: 100 * 1024 * 1024,
    compress: true,
    accessLog: true,
    routes: routes.map(route),
    ...extra,
  };
}

export interface LogEntry {
  level: 'debug' | 'info' | 'warn' | 'error';
  fields: Record<string, unknown>;
  msg: string;
}

/** A logger that keeps what it is given. */
export function captureLogger(): {
  lines: LogEntry[];
  logger: Record<LogEntry['level'], (f: object, m: string) => void>;
} {
  const lines: LogEntry[] = [];
  const at =
    (level: LogEntry['level']) =>
    (fields: object, msg: string): void => {
      lines.push({ level, fields: fields as Record<string, unknown>, msg });
    };
  return {
    lines,
    logger: { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') },
  };
}

export interface TestEdge {
  readonly edge: HttpEdge;
  readonly supervisor: FakeSupervisor;
  readonly port: number;
  /** "http://127.0.0.1:PORT" */
  readonly base: string;
  readonly logs: LogEntry[];
  /** Access-log lines so far. */
  accessLines(): Record<string, unknown>[];
  close(deadlineMs?: number): Promise<void>;
}

/** Starts an edge with `http` against `supervisor` (a fresh fake when omitted). */
export async function startEdge(
  http: HttpConfig,
  supervisor = new FakeSupervisor(),
  limits?: Partial<HttpLimits>,
): Promise<TestEdge> {
  const { lines, logger } = captureLogger();
  const edge = await createHttpServer({ http, supervisor, logger, limits, llhttp });
  const { port } = await edge.listen();
  return {
    edge,
    supervisor,
    port,
    base: `http://127.0.0.1:${port}`,
    logs: lines,
    accessLines: () => lines.filter((l) => l.msg === 'http request').map((l) => l.fields),
    close: (deadlineMs = 1000) => edge.close(deadlineMs),
  };
}

/**
 * Starts `upstream` on a loopback port of its own, then an edge with the routes `routes(origin)`
 * gives (`origin`: the upstream's `http://127.0.0.1:port`). The edge's close() closes the
 * upstream too.
 */
export async function startEdgeTo(
  upstream: Server,
  routes: (origin: string) => TestRoute[],
  limits?: Partial<HttpLimits>,
): Promise<TestEdge> {
  const origin = `http://127.0.0.1:${await listenLoopback(upstream)}`;
  const t = await startEdge(httpConfig(routes(origin)), undefined, limits);
  return {
    ...t,
    close: async (deadlineMs) => {
      await t.close(deadlineMs);
      await closeServer(upstream);
    },
  };
}

/** Starts `upstream` on a loopback port of its own and returns the port. */
export async function listenLoopback(upstream: Server): Promise<number> {
  await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
  return (upstream.address() as AddressInfo).port;
}

/** Closes `upstream` (if it was made) with its keep-alive connections. */
export async function closeServer(upstream: Server | undefined): Promise<void> {
  upstream?.closeAllConnections();
  await new Promise((r) => upstream?.close(r));
}
