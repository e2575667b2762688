// The cap on open client connections (`http.max_connections`): past it an idle keep-alive
// connection is closed to make room, and only when none is idle is the new one refused; the
// refusal is logged at most once per interval.
import type { Socket } from 'node:net';

/** Descriptors kept free for programs, log files, upstream sockets' overhead and the rest. */
const FD_HEADROOM = 256;
/** The smallest default cap, even under a tiny descriptor limit. */
const MIN_DEFAULT = 64;

/**
 * The default `http.max_connections` for a descriptor limit: each proxied client connection
 * may hold an upstream socket too, so half of what is left after the headroom.
 */
export function defaultMaxConnections(fdLimit: number): number {
  return Math.max(MIN_DEFAULT, Math.floor((fdLimit - FD_HEADROOM) / 2));
}

/** What the limit logs with. */
export interface LimitLogger {
  warn(fields: object, msg: string): void;
}

/** Counts client connections against a cap. */
export class ConnectionLimit {
  private readonly open = new Set<Socket>();
  private refusedSinceLog = 0;
  private lastLogAt = -Infinity;

  /**
   * `isIdle` tells a connection with no request in progress that has served one already
   * (a keep-alive connection waiting for its next request).
   */
  constructor(
    readonly max: number,
    private readonly isIdle: (socket: Socket) => boolean,
    private readonly log: LimitLogger,
    private readonly intervalMs = 10_000,
    private readonly now: () => number = Date.now,
  ) {}

  /** Connections open now. */
  get size(): number {
    return this.open.size;
  }

  /**
   * Admits `socket` (true), closing the oldest idle keep-alive connection when at the cap, or
   * refuses it (false) when every connection is busy.
   */
  admit(socket: Socket): boolean {
    if (this.open.size >= this.max && !this.closeOneIdle()) {
      this.refused();
      return false;
    }
    this.open.add(socket);
    socket.once('close', () => this.open.delete(socket));
    return true;
  }

  private closeOneIdle(): boolean {
    for (const s of this.open) {
      if (!this.isIdle(s)) continue;
      this.open.delete(s);
      s.destroy();
      return true;
    }
    return false;
  }

  private refused(): void {
    this.refusedSinceLog++;
    const now = this.now();
    if (now - this.lastLogAt < this.intervalMs) return;
    this.log.warn(
      { max_connections: this.max, refused: this.refusedSinceLog },
      'http connection limit reached: refusing new connections',
    );
    this.lastLogAt = now;
    this.refusedSinceLog = 0;
  }
}
