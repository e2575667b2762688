// Puts the hot path in front of node:http on the public listener: every accepted connection
// starts on the hot path (wire/connection.ts) and is handed to node:http's own connection
// listener from the first request the dispatcher declines.
import type { Server } from 'node:http';
import type { Socket } from 'node:net';
import type { AccessLog } from '../access-log.js';
import type { ConnectionGuard } from './connections.js';
import type { Edge } from '../dispatch-table.js';
import type { EdgeState } from '../proxy/binding.js';
import type { HealthOptions } from '../health/answer.js';
import type { StaticMemory } from '../static/memory.js';
import type { UpstreamOutcomeSink } from '../proxy/upstream-outcome.js';
import type { UpstreamStates } from '../proxy/upstream-state.js';
import { HotConnection, type WireEdge } from './connection.js';
import { createHeadReader, type LlhttpBinding } from './llhttp.js';
import { createHotDispatch } from '../dispatch.js';
import { UpstreamPool } from '../proxy/pool.js';

/** What the hot path needs from the server. */
export interface HotPathOptions {
  readonly binding: LlhttpBinding;
  /** node:http's own 'connection' listener (unbound): it takes the connections handed over. */
  readonly nodeConnection: (socket: Socket) => void;
  readonly maxHeaderBytes: number;
  readonly idleTimeoutMs: number;
  readonly keepAliveTimeoutMs: number;
  readonly headersTimeoutMs: number;
  readonly edge: () => Edge;
  readonly state: EdgeState;
  readonly states: UpstreamStates;
  readonly health: HealthOptions;
  readonly report: UpstreamOutcomeSink;
  readonly access: AccessLog;
  readonly guard: ConnectionGuard;
  readonly memory: StaticMemory;
  /** http.max_body now. */
  readonly maxBody: () => number;
}

/** The hot path's handle for the shutdown sequence. */
export interface HotPath {
  /** Closes connections with no request in flight. */
  closeIdle(): void;
  /** Cuts every hot connection and pooled upstream connection. */
  destroyAll(): void;
}

/** Takes over `server`'s connections (node:http keeps those handed to it). */
export function attachHotPath(server: Server, opts: HotPathOptions): HotPath {
  const nodeListener = opts.nodeConnection;
  server.off('connection', nodeListener);
  const pool = new UpstreamPool(opts.binding);
  const connections = new Set<HotConnection>();
  const take = createHotDispatch({
    edge: opts.edge,
    health: opts.health,
    access: opts.access,
    memory: opts.memory,
    requested: (socket) => opts.guard.requested(socket),
    proxy: {
      pool,
      state: opts.state,
      states: opts.states,
      compress: () => opts.edge().compress,
      report: opts.report,
      access: () => (opts.edge().accessLog ? opts.access : null),
      maxBody: opts.maxBody,
      maxHeaderBytes: opts.maxHeaderBytes,
    },
  });
  const wire: WireEdge = {
    reader: createHeadReader(opts.binding, opts.maxHeaderBytes),
    take,
    handOver: (socket) => nodeListener.call(server, socket),
    idleTimeoutMs: opts.idleTimeoutMs,
    keepAliveTimeoutMs: opts.keepAliveTimeoutMs,
    headersTimeoutMs: opts.headersTimeoutMs,
    connections,
  };
  const bySocket = new WeakMap<Socket, HotConnection>();
  server.on('connection', (socket: Socket) => {
    if (!opts.guard.isRefused(socket)) bySocket.set(socket, new HotConnection(socket, wire));
  });
  opts.guard.busyWhen((socket) => bySocket.get(socket)?.idle === false);
  return {
    closeIdle() {
      for (const c of connections) if (c.idle) c.destroy();
    },
    destroyAll() {
      for (const c of connections) c.destroy();
      pool.close();
    },
  };
}
