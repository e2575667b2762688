// One client connection on the hot path: reads request heads at request boundaries with llhttp
// (a head cut by a read's end waits for the rest, 408 past the headers timeout), hands each to
// the dispatcher, answers pipelined requests strictly in order (reading pauses while one is in
// flight or the client leaves the answers unread), and gives the connection to node:http from
// the first request the hot path declines, with that request's bytes and everything after them,
// in order.
import type { Socket } from 'node:net';
import { readFrom, stopReading } from './accept.js';
import { answerClientError } from './client-errors.js';
import { youngGenerationBusy } from '../../young-generation.js';
import { PARTIAL, type HeadReader, type RequestHead } from './llhttp.js';

/**
 * A head cut by a read's end is parsed again from its start when more arrives. Once the bytes
 * parsed again for one head pass this, node:http takes the connection (it parses on from where
 * it stopped): a head trickled a byte at a time would otherwise cost its length squared.
 */
export const PARTIAL_PARSE_BYTES = 64 * 1024;

/** The exchange in flight on a connection, as the connection drives it. */
export interface InFlight {
  /** The client went away: stop and free what the exchange holds. */
  abort(): void;
  /** The connection was quiet for the idle timeout: answer 504 (or cut) and finish. */
  timedOut(): void;
}

/** Where a request body goes as it arrives (the exchange in flight reads it). */
export interface BodySink {
  /**
   * Takes the body's bytes at the start of `chunk`: returns where the body ended in it (the
   * bytes after that stay with the connection), or -1 when all were the body's and more is to come.
   */
  feed(chunk: Buffer): number;
}

/** What a hot connection needs from the listener. */
export interface WireEdge {
  readonly reader: HeadReader;
  /** Starts an exchange for `head` (true), or declines it: node:http answers from there on. */
  take(conn: HotConnection, head: RequestHead): boolean;
  /** Gives `socket` (its unread bytes unshifted) to node:http. */
  handOver(socket: Socket): void;
  readonly idleTimeoutMs: number;
  readonly keepAliveTimeoutMs: number;
  /** How long a head may take from its first bytes to its end (node:http's headersTimeout). */
  readonly headersTimeoutMs: number;
  readonly connections: Set<HotConnection>;
}

interface HandleSocket extends Socket {
  _handle?: { _consumed?: boolean } | null;
}

/**
 * Gives `socket` to node:http's connection listener `listen`, which reads `bytes` (when given)
 * before anything still unread on it.
 */
export function handToNodeHttp(
  socket: Socket,
  bytes: Buffer | null,
  listen: (socket: Socket) => void,
): void {
  const s = socket as HandleSocket;
  if (bytes !== null) s.unshift(bytes);
  // node:http would read the handle natively, ahead of the bytes unshifted here.
  if (s._handle) s._handle._consumed = true;
  listen(s);
  if (s.isPaused()) s.resume();
}

/** A client connection served without IncomingMessage/ServerResponse. */
export class HotConnection {
  private buf: Buffer | null = null;
  private driving = false;
  /** The pipelined bytes in `buf` were found well-formed (a suffix of them stays so). */
  private checked = false;
  private gone = false;
  /** The body of the request in flight, while it is read. */
  private sink: BodySink | null = null;
  /** An upgrade took the socket (it is a tunnel now, never idle). */
  private tunnel = false;
  /**
   * The client has not read the answers written so far (the socket's buffer is past its
   * high-water mark): pipelined requests wait for 'drain', as node:http's server and nginx
   * wait. Answering on, each small answer was queued in apposd's memory for as long as the
   * client sent requests and read nothing.
   */
  private draining = false;
  /**
   * Runs from the first bytes of a head the reads have not completed yet: past the headers
   * timeout it is answered 408, as node:http answers a slow head.
   */
  private headTimer: NodeJS.Timeout | null = null;
  /** Bytes parsed so far for the head not yet complete (see PARTIAL_PARSE_BYTES). */
  private partialBytes = 0;
  /** The request taken last keeps the connection alive (HTTP/1.1, or 1.0 asking to). */
  private keepAlive = true;
  /** The exchange in flight, or null between requests. */
  current: InFlight | null = null;
  /** Requests taken on this connection. */
  served = 0;
  /** The client's address, read once (node's getter asks the socket each time). */
  readonly ip: string;
  /**
   * The socket's timeout: the shorter of the idle and keep-alive timeouts, armed once, not per
   * request (reads and writes restart it). When it fires and the state in force allows longer,
   * the socket waits out the rest (`lingering`) before the timeout is acted on.
   */
  private readonly armed: number;
  private lingering = false;

  constructor(
    readonly socket: Socket,
    private readonly edge: WireEdge,
  ) {
    this.armed = Math.min(edge.idleTimeoutMs, edge.keepAliveTimeoutMs);
    this.ip = socket.remoteAddress ?? '';
    socket.setNoDelay(true);
    socket.setTimeout(this.armed);
    readFrom(socket, this.onData);
    socket.on('timeout', this.onTimeout);
    socket.on('close', this.onClose);
    socket.on('end', this.onEnd);
    socket.on('error', this.onError);
    edge.connections.add(this);
  }

  /** True while no request is in flight and none is waiting. */
  get idle(): boolean {
    return !this.tunnel && this.current === null && this.buf === null && !this.draining;
  }

  /** The exchange in flight finished; the connection reads on (or closes when `keepAlive` is false). */
  done(keepAlive: boolean): void {
    this.current = null;
    this.sink = null;
    if (this.gone) return;
    if (!keepAlive) {
      this.closeSoon();
      return;
    }
    this.rearm();
    if (this.socket.writableNeedDrain) {
      this.draining = true;
      this.socket.once('drain', this.onDrain);
      return;
    }
    this.readOn();
  }

  private readonly onDrain = (): void => {
    this.draining = false;
    if (!this.gone) this.readOn();
  };

  /** Takes the next request waiting, or reads for one. */
  private readOn(): void {
    this.drive();
    if (this.current === null && !this.gone) this.socket.resume();
  }

  /**
   * The exchange in flight reads its request's body: the bytes after the head go to `sink` as
   * they arrive, until it says the body ended.
   */
  readBody(sink: BodySink): void {
    this.sink = sink;
    const buf = this.buf;
    this.buf = null;
    if (buf !== null) this.toSink(buf);
  }

  /** `read`: `chunk` is a read of its own (not bytes read with the head, checked with it). */
  private toSink(chunk: Buffer, read = false): void {
    const end = this.sink!.feed(chunk);
    if (end === -1 || this.sink === null) return;
    this.sink = null;
    if (end === chunk.length || this.gone) return;
    this.buf = chunk.subarray(end);
    this.checked = false;
    if (!read) return;
    // node:http parses a read through before it answers: malformed bytes read with a body's end,
    // or any but line ends after a request that closes its connection, refuse the connection
    // (400), the request in flight unanswered.
    if (this.keepAlive ? this.checkRest(this.buf) : !beyondLineEnds(this.buf)) return;
    const current = this.current;
    this.current = null;
    current?.abort();
    this.release();
    answerClientError(this.socket, 400);
  }

  /**
   * The exchange in flight answered nothing and gives its request back: node:http takes the
   * connection from that request (`raw`) on.
   */
  retreat(raw: Buffer): void {
    this.current = null;
    if (this.gone) return;
    this.buf = this.buf === null ? raw : Buffer.concat([raw, this.buf]);
    this.handOver();
  }

  /**
   * An upgrade takes the socket for its tunnel: the connection stops reading it (the socket is
   * paused) and gives back the bytes read past the upgrade's head.
   */
  detach(): Buffer | null {
    const rest = this.buf;
    this.buf = null;
    this.tunnel = true;
    this.release();
    this.socket.pause();
    // The tunnel waits for its upstream's answer for the idle timeout.
    this.socket.setTimeout(this.edge.idleTimeoutMs);
    return rest;
  }

  /** Ends the connection after what was written (destroyed if the peer lingers). */
  closeSoon(): void {
    this.release();
    const s = this.socket;
    s.end();
    s.setTimeout(2000, () => s.destroy());
  }

  /** Cuts the connection now. */
  destroy(): void {
    this.socket.destroy();
  }

  /** The usual timeout again, after lingering or after an exchange changed it (SSE: none). */
  private rearm(): void {
    if (this.socket.timeout === this.armed && !this.lingering) return;
    this.lingering = false;
    this.socket.setTimeout(this.armed);
  }

  private readonly onData = (chunk: Buffer): void => {
    youngGenerationBusy();
    if (this.lingering) this.rearm();
    if (this.sink !== null) {
      this.toSink(chunk, true);
      return;
    }
    this.buf = this.buf === null ? chunk : Buffer.concat([this.buf, chunk]);
    this.checked = false;
    if (this.current !== null || this.draining) this.socket.pause();
    else this.drive();
  };

  private drive(): void {
    if (this.driving) return;
    this.driving = true;
    try {
      while (this.buf !== null && this.current === null && !this.draining && !this.gone) {
        const buf = this.buf;
        const head = this.edge.reader.head(buf);
        // A head cut by a read's end (a large one, or pipelined requests): the next reads
        // complete it. Handed to node:http, the whole connection took the slower path.
        if (head === PARTIAL) {
          this.partialBytes += buf.length;
          if (this.partialBytes > PARTIAL_PARSE_BYTES) this.handOver();
          else this.headTimer ??= setTimeout(this.onHeadTimeout, this.edge.headersTimeoutMs);
          return;
        }
        this.partialBytes = 0;
        this.stopHeadTimer();
        const n = head === null ? 0 : head.raw.length;
        // Pipelined bytes node:http would refuse: it answers them all (400) from here.
        // Checked from the head on: a body (llhttp frames it) may come between the requests.
        // The bytes after an upgrade's head are the tunnel's.
        const more = head !== null && n < buf.length && !head.upgrade;
        if (head === null || (more && !this.checkRest(buf))) {
          this.handOver();
          return;
        }
        this.buf = n < buf.length ? buf.subarray(n) : null;
        this.keepAlive = head.keepAlive;
        if (!this.edge.take(this, head)) {
          this.buf = this.buf === null ? head.raw : Buffer.concat([head.raw, this.buf]);
          this.handOver();
          return;
        }
        this.served++;
      }
    } finally {
      this.driving = false;
    }
  }

  private stopHeadTimer(): void {
    if (this.headTimer === null) return;
    clearTimeout(this.headTimer);
    this.headTimer = null;
  }

  private readonly onHeadTimeout = (): void => {
    this.headTimer = null;
    if (this.gone) return;
    this.release();
    answerClientError(this.socket, 408);
  };

  private checkRest(rest: Buffer): boolean {
    if (!this.checked) this.checked = this.edge.reader.wellFormed(rest);
    return this.checked;
  }

  /** node:http takes the connection from the unread bytes on. */
  private handOver(): void {
    this.release();
    this.socket.setTimeout(0);
    const buf = this.buf;
    this.buf = null;
    handToNodeHttp(this.socket, buf, this.edge.handOver);
  }

  private release(): void {
    if (this.gone) return;
    this.gone = true;
    this.sink = null;
    this.stopHeadTimer();
    const s = this.socket;
    stopReading(s, this.onData);
    s.off('timeout', this.onTimeout);
    s.off('close', this.onClose);
    s.off('end', this.onEnd);
    s.off('error', this.onError);
    s.off('drain', this.onDrain);
    s.on('error', destroySelf);
    this.edge.connections.delete(this);
  }

  private readonly onTimeout = (): void => {
    const allowed = this.current !== null ? this.edge.idleTimeoutMs : this.edge.keepAliveTimeoutMs;
    if (!this.lingering && allowed > this.armed) {
      this.lingering = true;
      this.socket.setTimeout(allowed - this.armed);
      return;
    }
    if (this.current !== null) this.current.timedOut();
    else this.socket.destroy();
  };

  private readonly onClose = (): void => {
    this.release();
    const current = this.current;
    this.current = null;
    current?.abort();
  };

  /** The client stopped sending: a body it was sending can never end. */
  private readonly onEnd = (): void => {
    if (this.sink !== null) this.socket.destroy();
  };

  private readonly onError = (): void => {
    this.socket.destroy();
  };
}

/** True when `bytes` hold more than CR and LF, which llhttp skips after a message. */
function beyondLineEnds(bytes: Buffer): boolean {
  for (let i = 0; i < bytes.length; i++) if (bytes[i] !== 13 && bytes[i] !== 10) return true;
  return false;
}

function destroySelf(this: Socket): void {
  this.destroy();
}
