// Keep-alive connections to plain-http upstreams for the hot path: one idle list per origin,
// a llhttp RESPONSE parser per connection, one request at a time on each, setNoDelay on all.
import { connect, type Socket } from 'node:net';
import {
  HEAD_CONTINUE,
  HEAD_NO_BODY,
  HEAD_REFUSED,
  HEAD_STOP,
  type LlhttpBinding,
  closeParser,
  FlushedHeaders,
  type LlhttpParser,
} from '../wire/llhttp.js';
import { codingsBeyondChunked, isName } from '../wire/header-names.js';
import { bodyRead } from '../wire/read-garbage.js';

/** Idle pooled connections close after at most this (and at least 3/4 of it). */
const IDLE_MS = 4_000;
/** Each connection reads into a buffer of its own this large (Node's own read size). */
const READ_BYTES = 64 * 1024;

/** A plain-http upstream as the hot path reaches it, prepared once per route. */
export interface HotTarget {
  /** The pool's key. */
  readonly origin: string;
  readonly host: string;
  readonly port: number;
  /** host[:port], the Host header for a request that came without one. */
  readonly authority: string;
}

/** What one upstream response is delivered to. */
export interface ResponseReceiver {
  /** The final response head; `keepAlive` says the upstream keeps the connection. */
  onHead(status: number, headers: string[], keepAlive: boolean): void;
  /**
   * Body bytes, in the connection's read buffer: returns true when done with their memory (they
   * were written or copied), false when it keeps a reference (a queued write, a compressor).
   */
  onBody(chunk: Buffer): boolean;
  onEnd(): void;
  /** The connection failed; `answered` is true once the head arrived. */
  onError(err: NodeJS.ErrnoException, answered: boolean): void;
}

/** One upstream connection. */
export class UpstreamConn {
  readonly socket: Socket;
  private readonly parser: LlhttpParser;
  private receiver: ResponseReceiver | null = null;
  private readonly flushed = new FlushedHeaders();
  private answered = false;
  private noBody = false;
  private keepAlive = false;
  /**
   * llhttp saw the final response end: completed once execute() returned (what it completes
   * may send the next request on this connection, which must not re-initialise the parser in
   * its own callback).
   */
  private ended = false;
  /** Bytes of a Content-Length body still to relay as they come (-1: the parser frames it). */
  private rawLeft = -1;
  /** It served a request before the current one (a reset may mean it had gone stale). */
  reused = false;
  /** @internal The pool's sweep count when the connection last went idle. */
  idleSince = 0;
  /**
   * Where the socket reads to. It is read into again once what was read last is let go of;
   * while a receiver keeps a reference, the next read goes to a new buffer. Relaying a large
   * body then allocates nothing per read: a fresh 64 KiB buffer per read made V8 run a full
   * mark-compact every 30 ms on external memory pressure while 1 MiB answers streamed.
   */
  private readBuf = Buffer.allocUnsafe(READ_BYTES);
  /** A receiver kept a reference to the last read's bytes. */
  private kept = false;

  constructor(
    private readonly pool: UpstreamPool,
    readonly origin: string,
    host: string,
    port: number,
  ) {
    const P = pool.binding.HTTPParser;
    this.parser = new P();
    this.parser[P.kOnHeaders] = this.flushed.onHeaders;
    this.parser[P.kOnHeadersComplete] = this.onHeadersComplete;
    this.parser[P.kOnBody] = this.onBody;
    this.parser[P.kOnMessageComplete] = () => {
      if (this.answered) this.ended = true;
    };
    this.parser[P.kOnExecute] = noop;
    const s = connect({
      host,
      port,
      noDelay: true,
      onread: { buffer: this.nextBuffer, callback: this.onRead },
    });
    this.socket = s;
    s.on('end', this.onEnd);
    s.on('error', this.onSocketError);
    s.on('close', this.onClose);
  }

  /** Sends `head` (a complete request head; its body, if any, is written after) for `receiver`. */
  send(head: string, noBody: boolean, receiver: ResponseReceiver): void {
    const P = this.pool.binding.HTTPParser;
    this.parser.initialize(P.RESPONSE, this, 0, 0);
    this.receiver = receiver;
    this.flushed.clear();
    this.answered = false;
    this.ended = false;
    this.noBody = noBody;
    this.rawLeft = -1;
    this.socket.write(head, 'latin1');
  }

  /** The connection closes after the response in flight (its request was not all sent). */
  noReuse(): void {
    this.keepAlive = false;
  }

  /** Drops the request in flight: the connection is closed. */
  abandon(): void {
    this.receiver = null;
    this.socket.destroy();
  }

  private readonly onHeadersComplete = (
    _major: number,
    _minor: number,
    given: string[] | undefined,
    _method: unknown,
    _url: unknown,
    status: number,
    _message: string,
    _upgrade: boolean,
    keepAlive: boolean,
  ): number => {
    const headers = this.flushed.take(given);
    if (status < 200) return HEAD_CONTINUE;
    // A second response after the one that ended: the upstream is confused.
    if (this.ended) {
      this.keepAlive = false;
      return HEAD_STOP;
    }
    // A coding beside or in place of chunked (gzip): its bytes cannot go on as the upstream
    // coded them. 502, as for a malformed answer, as nginx answers.
    if (codingsBeyondChunked(headers)) return HEAD_REFUSED;
    this.answered = true;
    this.keepAlive = keepAlive;
    this.receiver?.onHead(status, headers, keepAlive);
    if (this.noBody) return HEAD_NO_BODY;
    // llhttp validated the length (digits, one value, no Transfer-Encoding beside it): the
    // body's bytes are relayed as read, without a copy through the parser.
    const length = status === 204 || status === 304 ? 0 : contentLength(headers);
    if (length <= 0) return HEAD_CONTINUE;
    this.rawLeft = length;
    return HEAD_STOP;
  };

  /** Relays body bytes of a Content-Length response; completes it at its length. */
  private relay(bytes: Buffer): void {
    const take = Math.min(this.rawLeft, bytes.length);
    this.rawLeft -= take;
    const r = this.receiver;
    if (r !== null && !r.onBody(take === bytes.length ? bytes : bytes.subarray(0, take))) {
      this.kept = true;
    }
    if (this.rawLeft > 0) return;
    // Bytes past the length: the upstream is confused, the connection is not reused.
    if (take < bytes.length) this.keepAlive = false;
    this.rawLeft = -1;
    this.complete();
  }

  /**
   * A chunked body's bytes: llhttp hands over a copy, never the read buffer. Each copy dies young
   * and is counted as a client's reads are (wire/read-garbage.ts): uncounted, a 512 MiB chunked
   * download raised apposd's RSS from 66 to 103 MB.
   */
  private readonly onBody = (chunk: Buffer): void => {
    bodyRead(chunk.length);
    this.receiver?.onBody(chunk);
  };

  private complete(): void {
    this.ended = false;
    const r = this.receiver;
    if (r === null || !this.answered || this.rawLeft > 0) return;
    this.receiver = null;
    if (this.keepAlive) this.pool.release(this);
    else this.socket.destroy();
    r.onEnd();
  }

  private readonly nextBuffer = (): Buffer => {
    if (this.kept) {
      this.kept = false;
      this.readBuf = Buffer.allocUnsafe(READ_BYTES);
    }
    return this.readBuf;
  };

  private readonly onRead = (n: number, buf: Buffer): boolean => {
    this.onData(buf.subarray(0, n));
    return true;
  };

  private onData(chunk: Buffer): void {
    if (this.rawLeft > 0) {
      this.relay(chunk);
      return;
    }
    const n = this.parser.execute(chunk);
    if (typeof n !== 'number') {
      // Bytes after a whole answer (a 204 sent with a body, say): the answer goes to the
      // client, as nginx relays it, and the confused connection is not reused.
      if (this.ended) {
        this.keepAlive = false;
        this.complete();
      } else {
        this.fail(Object.assign(new Error(n.message), { code: 'EPROTO' }));
      }
    } else if (this.rawLeft > 0 && n < chunk.length) this.relay(chunk.subarray(n));
    else if (this.ended) this.complete();
  }

  private readonly onEnd = (): void => {
    if (this.receiver !== null && this.answered && this.rawLeft < 0) this.parser.finish();
    if (this.ended) this.complete();
    this.fail(Object.assign(new Error('upstream closed'), { code: 'ECONNRESET' }));
  };

  private readonly onSocketError = (err: NodeJS.ErrnoException): void => {
    this.fail(err);
  };

  private readonly onClose = (): void => {
    closeParser(this.parser);
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

/**
 * The hot path's upstream connections, by origin. Idle ones are closed by one sweep every
 * quarter of `idleMs` (running only while some are idle), not by a socket timeout each: a
 * socket timeout is re-armed on every read and write and cost two more timer updates per request.
 */
export class UpstreamPool {
  private readonly idle = new Map<string, UpstreamConn[]>();
  private readonly all = new Set<UpstreamConn>();
  private sweeper: NodeJS.Timeout | null = null;
  private sweeps = 0;

  constructor(
    readonly binding: LlhttpBinding,
    private readonly idleMs = IDLE_MS,
  ) {}

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
    conn.idleSince = this.sweeps;
    // Paused by a slow client on the last chunk: an idle connection reads (and sees its close).
    conn.socket.resume();
    if (this.sweeper === null) {
      this.sweeper = setInterval(this.sweep, this.idleMs / 4);
      this.sweeper.unref();
    }
  }

  /** Closes what was idle for three whole sweeps (3/4 to 4/4 of idleMs); stops when none is. */
  private readonly sweep = (): void => {
    const now = ++this.sweeps;
    const stale: UpstreamConn[] = [];
    let left = 0;
    for (const list of this.idle.values()) {
      for (const conn of list) {
        if (now - conn.idleSince >= 3) stale.push(conn);
        else left++;
      }
    }
    for (const conn of stale) {
      this.forget(conn);
      conn.socket.destroy();
    }
    if (left === 0 && this.sweeper !== null) {
      clearInterval(this.sweeper);
      this.sweeper = null;
    }
  };

  /** @internal `conn` closed. */
  forget(conn: UpstreamConn): void {
    this.all.delete(conn);
    const list = this.idle.get(conn.origin);
    const at = list?.indexOf(conn) ?? -1;
    if (at !== -1) list!.splice(at, 1);
  }

  /** Closes every connection. */
  close(): void {
    if (this.sweeper !== null) clearInterval(this.sweeper);
    this.sweeper = null;
    for (const conn of this.all) conn.socket.destroy();
    this.all.clear();
    this.idle.clear();
  }
}

/** The Content-Length of a parsed head, or -1 without one. */
function contentLength(headers: readonly string[]): number {
  for (let i = 0; i < headers.length; i += 2) {
    if (isName(headers[i]!, 'content-length')) return Number(headers[i + 1]);
  }
  return -1;
}

function noop(): void {}
