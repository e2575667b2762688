// The response side of a hot proxied exchange: the upstream's head re-written for the client
// (security headers, Vary, Connection, framing) and its body relayed with backpressure (the
// upstream socket paused while the client's is full), compressed where node:http's path
// compresses (encoder.ts decides for both).
import type { Socket } from 'node:net';
import type { Transform } from 'node:stream';
import { createEncoder, encodeWhole, responseEncoding } from './encoder.js';
import { isEventStream, type Encoding } from '../encoding.js';
import type { EdgeState } from './binding.js';
import { forwardHead } from './response-headers.js';
import { writeHead } from '../wire/head-lines.js';
import { headerValue } from '../wire/header-names.js';
import type { RequestHead } from '../wire/llhttp.js';

/** Small bodies go out in one buffer with their head; larger ones in a second write. */
export const ONE_WRITE_BYTES = 16 * 1024;

/** The head's last lines, by [chunked][keep-alive]. */
const TAILS = [
  ['Connection: close\r\n\r\n', 'Connection: keep-alive\r\n\r\n'],
  [
    'Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n',
    'Transfer-Encoding: chunked\r\nConnection: keep-alive\r\n\r\n',
  ],
] as const;

/** A chunked body's last chunk. */
const LAST_CHUNK = '0\r\n\r\n';

/** What a response tells the exchange it belongs to. */
export interface ResponseOwner {
  /** The whole response was written. */
  responded(res: HotResponse): void;
  /** The compressor failed mid-response: the exchange is cut. */
  responseFailed(): void;
}

/**
 * Encoded bodies are held until whole up to this and compressed in one call (a zlib stream per
 * response cost 2.5-8x the CPU of one call on 2-48 KiB JSON here); a body known to be larger,
 * or one that grows past it, goes through a compressor stream. Holding costs no latency: an
 * unflushed compressor (node:http's path) emitted nothing but gzip's 10-byte header before
 * some 300 KiB of JSON went in (brotli: nothing in 1 MiB).
 */
const WHOLE_MAX = 64 * 1024;

/** One upstream response written to a hot client connection. */
export class HotResponse {
  /** The connection stays open after this response. */
  readonly keepAlive: boolean;
  private readonly chunked: boolean;
  private readonly status: number;
  /** The head's header pairs and last lines, written with the first body bytes. */
  private readonly pairs: readonly string[];
  private readonly tail: string;
  /** The head is still to be written (with the first body bytes: one write for small answers). */
  private pending: boolean;
  /** The body's encoding, or null when it goes on as the upstream sent it. */
  private readonly encoding: Encoding | null = null;
  /** An encoded body's bytes held until whole (while it is no larger than WHOLE_MAX). */
  private held: Buffer[] | null = null;
  private heldBytes = 0;
  private encoder: Transform | null = null;
  /** The upstream socket paused until the client (or the compressor) drains. */
  private paused: Socket | null = null;
  private readonly onDrain = (): void => {
    this.paused?.resume();
    this.paused = null;
  };
  private readonly onClientDrain = (): void => {
    this.encoder?.resume();
  };

  /** Builds the head for the upstream's `status` and raw `headers`, answering `req`. */
  constructor(
    private readonly owner: ResponseOwner,
    private readonly socket: Socket,
    private readonly state: EdgeState,
    req: RequestHead,
    status: number,
    headers: string[],
    compress: boolean,
  ) {
    const head = forwardHead(headers, status);
    const sse = isEventStream(head.contentType);
    if (sse) {
      socket.setTimeout(0);
      socket.setKeepAlive(true, 60_000);
      state.longLived.add(socket);
    } else if (compress) {
      this.encoding = responseEncoding(
        req.method,
        status,
        head,
        headerValue(req.headers, 'accept-encoding'),
      );
      const large = Number(head.contentLength) > WHOLE_MAX;
      if (this.encoding !== null && !large) this.held = [];
    }
    const bodyless = req.method === 'HEAD' || status === 204 || status === 304;
    let keep = req.keepAlive && !state.closing;
    let chunked = false;
    if (!bodyless && (head.contentLength === undefined || this.encoding !== null)) {
      if (req.versionMinor >= 1) chunked = true;
      else keep = false;
    }
    this.keepAlive = keep;
    this.chunked = chunked;
    this.status = status;
    this.pairs = head.headers;
    this.tail = TAILS[chunked ? 1 : 0][keep ? 1 : 0];
    // An event stream's head goes out at once: its first event may be long in coming.
    this.pending = !sse;
    if (sse) writeHead(socket, status, this.pairs, this.tail, null, false);
  }

  /**
   * Relays body bytes; `upstream` is paused while the client (or the compressor) is full.
   * Returns true when `chunk`'s memory is free again: it was written out whole at once (the
   * socket holds nothing queued), or copied.
   */
  body(chunk: Buffer, upstream: Socket | null): boolean {
    if (this.encoding === null) {
      if (!this.frame(chunk)) this.pause(upstream, this.socket);
      return this.socket.writableLength === 0;
    }
    if (this.held !== null) {
      this.held.push(chunk);
      this.heldBytes += chunk.length;
      if (this.heldBytes > WHOLE_MAX) this.spill(this.encoding, this.held, upstream);
    } else {
      const encoder = this.encoder ?? this.startEncoder(this.encoding);
      if (!encoder.write(chunk)) this.pause(upstream, encoder);
    }
    return false;
  }

  /** The upstream's body ended: writes what is left of the response. */
  end(): void {
    // The upstream connection goes back to its pool: nothing here may resume it later.
    this.unpause();
    if (this.encoder !== null) {
      this.encoder.end();
      return;
    }
    const socket = this.socket;
    socket.cork();
    if (this.encoding !== null) {
      const held = this.held ?? [];
      this.held = null;
      const whole = held.length === 1 ? held[0]! : Buffer.concat(held);
      this.frame(encodeWhole(this.encoding, whole));
    }
    this.close();
    socket.uncork();
  }

  /** Lets go of everything the response holds (the compressor closed); safe to repeat. */
  release(): void {
    this.unpause();
    this.socket.off('drain', this.onClientDrain);
    this.encoder?.destroy();
    this.encoder = null;
    this.held = null;
    this.state.longLived.delete(this.socket);
  }

  /** The held body grew past WHOLE_MAX: it goes into a compressor stream, and the rest after it. */
  private spill(encoding: Encoding, held: Buffer[], upstream: Socket | null): void {
    this.held = null;
    const encoder = this.startEncoder(encoding);
    let ok = true;
    for (const chunk of held) ok = encoder.write(chunk);
    if (!ok) this.pause(upstream, encoder);
  }

  private startEncoder(encoding: Encoding): Transform {
    const encoder = createEncoder(encoding);
    this.encoder = encoder;
    encoder.on('data', (out: Buffer) => {
      if (this.frame(out)) return;
      encoder.pause();
      this.socket.once('drain', this.onClientDrain);
    });
    encoder.once('end', () => this.close());
    encoder.on('error', () => this.owner.responseFailed());
    return encoder;
  }

  /** Writes `chunk` (framed when chunked, after the head if still pending); false when full. */
  private frame(chunk: Buffer): boolean {
    const socket = this.socket;
    const head = this.pending;
    this.pending = false;
    if (head && chunk.length <= ONE_WRITE_BYTES) {
      return writeHead(socket, this.status, this.pairs, this.tail, chunk, this.chunked);
    }
    let ok: boolean;
    if (this.chunked) {
      socket.cork();
      if (head) writeHead(socket, this.status, this.pairs, this.tail, null, false);
      socket.write(`${chunk.length.toString(16)}\r\n`, 'latin1');
      socket.write(chunk);
      ok = socket.write('\r\n', 'latin1');
      socket.uncork();
    } else if (!head) {
      ok = socket.write(chunk);
    } else {
      socket.cork();
      writeHead(socket, this.status, this.pairs, this.tail, null, false);
      ok = socket.write(chunk);
      socket.uncork();
    }
    return ok;
  }

  /** Writes the head (if no body came) and the last chunk, and tells the owner. */
  private close(): void {
    const head = this.pending;
    this.pending = false;
    if (head) {
      const tail = this.chunked ? this.tail + LAST_CHUNK : this.tail;
      writeHead(this.socket, this.status, this.pairs, tail, null, false);
    } else if (this.chunked) {
      this.socket.write(LAST_CHUNK, 'latin1');
    }
    this.owner.responded(this);
  }

  private pause(upstream: Socket | null, until: NodeJS.EventEmitter): void {
    if (upstream === null || this.paused !== null) return;
    this.paused = upstream;
    upstream.pause();
    until.once('drain', this.onDrain);
  }

  private unpause(): void {
    if (this.paused === null) return;
    this.socket.off('drain', this.onDrain);
    this.encoder?.off('drain', this.onDrain);
    this.paused = null;
  }
}
