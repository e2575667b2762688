// The public listener's interface as main.ts and the tests see it: options, limits and the
// handle with listen, shutdown and reload.
import type { HttpConfig } from '../config/types.js';
import type { SupervisorApi } from '../supervisor/api.js';
import type { UpstreamSource } from '../upstreams/api.js';
import type { HttpLogger } from './access-log.js';
import type { UpstreamOutcomeSink } from './proxy/upstream-outcome.js';
import type { LlhttpBinding } from './wire/llhttp.js';

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
  /**
   * The process's open-file limit (main.ts reads it): sizes the default
   * `http.max_connections`. Without it and without the key, connections are not capped.
   */
  readonly fdLimit?: number;
  /**
   * Also hears how each exchange with an upstream ended (ok, timeout, reset, refused); the
   * supervisor always hears it for routes to its programs (edge evidence).
   */
  readonly onUpstreamOutcome?: UpstreamOutcomeSink;
  /**
   * Node's llhttp binding (`process.binding('http_parser')`, main.ts obtains it): with it,
   * health and proxied requests take the hot path (no IncomingMessage/ServerResponse); without
   * it, node:http serves everything.
   */
  readonly llhttp?: LlhttpBinding;
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
