// Keep-alive connections to plain-http upstreams for the hot path: one idle list per origin,
// a llhttp RESPONSE parser per connection, one request at a time on each, setNoDelay on all.
import { connect, type Socket } from 'node:net';
import {
  HEAD_CONTINUE,
  HEAD_NO_BODY,
  type LlhttpBinding,
  type LlhttpParser,
} from '../wire/llhttp.js';

/** Idle pooled connections close after this. */
const IDLE_MS = 4_000;

/** What one upstream response is delivered to. */
export interface ResponseReceiver {
  /** The final response head; `keepAlive` says the upstream keeps the connection. */
  onHead(status: number, headers: string[], keepAlive: boolean): void;
  onBody(chunk: Buffer): void;
  onEnd(): void;
  /** The connection failed; `answered` is true once the head arrived. */
  onError(err: NodeJS.ErrnoException, answered: boolean): void;
}

/** One upstream connection. */
export class UpstreamConn {
  readonly socket: Socket;
  private readonly parser: LlhttpParser;
  private receiver: ResponseReceiver | null = null;
  private answered = false;
  private noBody = false;
  private keepAlive = false;
  /** It served a request before the current one (a reset may mean it had gone stale). */
  reused = false;

  constructor(
    private readonly pool: UpstreamPool,
    readonly origin: string,
    host: string,
    port: number,
  ) {
    const P = pool.binding.HTTPParser;
    this.parser = new P();
    this.parser[P.kOnHeaders] = noop;
    this.parser[P.kOnHeadersComplete] = this.onHeadersComplete;
    this.parser[P.kOnBody] = this.onBody;
    this.parser[P.kOnMessageComplete] = this.onMessageComplete;
    this.parser[P.kOnExecute] = noop;
    const s = connect({ host, port, noDelay: true });
    this.socket = s;
    s.on('data', this.onData);
    s.on('end', this.onEnd);
    s.on('error', this.onSocketError);
    s.on('close', this.onClose);
    s.on('timeout', this.onIdle);
  }

  /** Sends `head` (a complete request head without body) for `receiver`. */
  send(head: string, noBody: boolean, receiver: ResponseReceiver): void {
    const P = this.pool.binding.HTTPParser;
    this.parser.initialize(P.RESPONSE, this, 0, 0);
    this.receiver = receiver;
    this.answered = false;
    this.noBody = noBody;
    this.socket.setTimeout(0);
    this.socket.write(head, 'latin1');
  }

  /** Drops the request in flight: the connection is closed. */
  abandon(): void {
    this.receiver = null;
    this.socket.destroy();
  }

  private readonly onHeadersComplete = (
    _major: number,
    _minor: number,
    headers: string[],
    _method: unknown,
    _url: unknown,
    status: number,
    _message: string,
    _upgrade: boolean,
    keepAlive: boolean,
  ): number => {
    if (status < 200) return HEAD_CONTINUE;
    this.answered = true;
    this.keepAlive = keepAlive;
    this.receiver?.onHead(status, headers, keepAlive);
    return this.noBody ? HEAD_NO_BODY : HEAD_CONTINUE;
  };

  private readonly onBody = (chunk: Buffer): void => {
    this.receiver?.onBody(chunk);
  };

  private readonly onMessageComplete = (): void => {
    const r = this.receiver;
    if (r === null || !this.answered) return;
    this.receiver = null;
    if (this.keepAlive) this.pool.release(this);
    else this.socket.destroy();
    r.onEnd();
  };

  private readonly onIdle = (): void => {
    this.socket.destroy();
  };

  private readonly onData = (chunk: Buffer): void => {
    const n = this.parser.execute(chunk);
    if (typeof n !== 'number') this.fail(Object.assign(new Error(n.message), { code: 'EPROTO' }));
  };

  private readonly onEnd = (): void => {
    if (this.receiver !== null && this.answered) this.parser.finish();
    this.fail(Object.assign(new Error('upstream closed'), { code: 'ECONNRESET' }));
  };

  private readonly onSocketError = (err: NodeJS.ErrnoException): void => {
    this.fail(err);
  };

  private readonly onClose = (): void => {
    this.pool.forget(this);
    this.fail(Object.assign(new Error('upstream closed'), { code: 'ECONNRESET' }));
  };

  private fail(err: NodeJS.ErrnoException): void {
    const r = this.receiver;
    this.receiver = null;
    this.socket.destroy();
    r?.onError(err, this.answered);
  }
}

/** The hot path's upstream connections, by origin. */
export class UpstreamPool {
  private readonly idle = new Map<string, UpstreamConn[]>();
  private readonly all = new Set<UpstreamConn>();

  constructor(readonly binding: LlhttpBinding) {}

  /** An idle connection to `host:port`, or a new one. */
  acquire(origin: string, host: string, port: number): UpstreamConn {
    const list = this.idle.get(origin);
    const conn = list?.pop();
    if (conn !== undefined) {
      conn.reused = true;
      return conn;
    }
    const fresh = new UpstreamConn(this, origin, host, port);
    this.all.add(fresh);
    return fresh;
  }

  /** @internal `conn` finished a response and stays open. */
  release(conn: UpstreamConn): void {
    let list = this.idle.get(conn.origin);
    if (list === undefined) this.idle.set(conn.origin, (list = []));
    list.push(conn);
    // Paused by a slow client on the last chunk: an idle connection reads (and sees its close).
    conn.socket.resume();
    conn.socket.setTimeout(IDLE_MS);
  }

  /** @internal `conn` closed. */
  forget(conn: UpstreamConn): void {
    this.all.delete(conn);
    const list = this.idle.get(conn.origin);
    const at = list?.indexOf(conn) ?? -1;
    if (at !== -1) list!.splice(at, 1);
  }

  /** Closes every connection. */
  close(): void {
    for (const conn of this.all) conn.socket.destroy();
    this.all.clear();
    this.idle.clear();
  }
}

function noop(): void {}
