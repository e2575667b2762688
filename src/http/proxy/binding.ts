// What a proxy route is bound to once per config, the forwarding settings and the edge-wide
// state: read alike by the hot path (proxy/forward.ts, tunnel.ts) and node:http's (fallback/).
import type { ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { ProxyTarget } from './fallback/undici.js';
import type { ProxyRoute } from '../routes.js';
import type { ProgramView } from './upstream-state.js';

/** A proxy route with what forwarding needs, prepared once per config. */
export interface ProxyBinding {
  readonly route: ProxyRoute;
  readonly target: ProxyTarget;
  /** The route's program as the edge sees it, or null when the route names none. */
  readonly view: ProgramView | null;
}

/** The `http` settings forwarding reads; replaced as a whole on reload. */
export interface ForwardSettings {
  readonly maxBody: number;
  readonly compress: boolean;
}

/** Edge-wide state forwarding shares with the server. */
export interface EdgeState {
  /** True once shutdown began: responses close their connections. */
  closing: boolean;
  /** Responses and sockets that never end by themselves (SSE, websockets), cut on close. */
  readonly longLived: Set<ServerResponse | Socket>;
}
