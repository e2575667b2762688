// The listener's connection bookkeeping (node:http's and the hot path's): which response a
// socket is serving, the connection cap (idle keep-alive connections closed first, then new ones refused with 503),
// and the refused sockets whose requests are never answered.
import type { Server, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { ConnectionLimit, type LimitLogger } from './connection-limit.js';
import { writeRawResponse } from '../proxy/error-responses.js';

interface HttpSocket extends Socket {
  /** The response in progress on this connection (node:http's own field). */
  _httpMessage?: ServerResponse | null;
}

/** The response `socket` is serving now, or null between requests. */
export function responseOf(socket: Socket): ServerResponse | null {
  return (socket as HttpSocket)._httpMessage ?? null;
}

/** The cap on a listener's connections. */
export class ConnectionGuard {
  private readonly served = new WeakSet<Socket>();
  private readonly refused = new WeakSet<Socket>();
  private busy: (socket: Socket) => boolean = () => false;

  /** Caps `server` at `max` connections (no cap when undefined). */
  constructor(server: Server, max: number | undefined, log: LimitLogger) {
    if (max === undefined) return;
    const isIdle = (s: Socket): boolean =>
      this.served.has(s) && responseOf(s) === null && !this.busy(s);
    const limit = new ConnectionLimit(max, isIdle, log);
    // Before node:http's own listener: a refused socket gets its answer and is never served.
    server.prependListener('connection', (socket: Socket) => {
      if (limit.admit(socket)) return;
      this.refused.add(socket);
      socket.on('error', () => socket.destroy());
      writeRawResponse(socket, 503, '{"error":"too_many_connections"}', ['Retry-After', '1']);
    });
  }

  /** Also counts a connection as busy when `busy` says so (the hot path's requests in flight). */
  busyWhen(busy: (socket: Socket) => boolean): void {
    this.busy = busy;
  }

  /** True when `socket` was refused at the cap (it is answered 503 and never served). */
  isRefused(socket: Socket): boolean {
    return this.refused.has(socket);
  }

  /**
   * Notes that `socket` received a request: false when it was refused (its request must get
   * no answer), true otherwise.
   */
  requested(socket: Socket): boolean {
    if (this.refused.has(socket)) return false;
    this.served.add(socket);
    return true;
  }
}
