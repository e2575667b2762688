// The response side of a hot proxied exchange: the upstream's head re-written for the client
// (security headers, Vary, Connection, framing) and its body relayed with backpressure (the
// upstream socket paused while the client's is full).
import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import { isCompressible, isEventStream } from '../encoding.js';
import type { EdgeState } from '../exchange.js';
import { addVary, forwardHead } from '../response-headers.js';
import type { RequestHead } from '../wire/llhttp.js';

/** Small bodies go out in one buffer with their head; larger ones in a second write. */
const ONE_WRITE_BYTES = 16 * 1024;

/** `head` and a small `chunk` in one buffer. */
function withHead(head: string, chunk: Buffer): Buffer {
  const out = Buffer.allocUnsafe(head.length + chunk.length);
  out.write(head, 0, 'latin1');
  chunk.copy(out, head.length);
  return out;
}

/** One upstream response written to a hot client connection. */
export class HotResponse {
  /** The connection stays open after this response. */
  readonly keepAlive: boolean;
  private readonly chunked: boolean;
  /** The response head, written with the first body bytes (one write for small answers). */
  private pending: string | null;
  /** The upstream socket paused until the client drains. */
  private paused: Socket | null = null;
  private readonly onDrain = (): void => {
    this.paused?.resume();
    this.paused = null;
  };

  /** Builds the head for the upstream's `status` and raw `headers`, answering `req`. */
  constructor(
    private readonly socket: Socket,
    private readonly state: EdgeState,
    req: RequestHead,
    status: number,
    headers: string[],
    compress: boolean,
  ) {
    const head = forwardHead(headers);
    const sse = isEventStream(head.contentType);
    if (sse) {
      socket.setTimeout(0);
      socket.setKeepAlive(true, 60_000);
      state.longLived.add(socket);
    } else if (
      compress &&
      head.contentEncoding === undefined &&
      !head.noTransform &&
      isCompressible(head.contentType)
    ) {
      addVary(head);
    }
    const bodyless = req.method === 'HEAD' || status === 204 || status === 304;
    let keep = req.keepAlive && !state.closing;
    let chunked = false;
    if (!bodyless && head.contentLength === undefined) {
      if (req.versionMinor >= 1) chunked = true;
      else keep = false;
    }
    this.keepAlive = keep;
    this.chunked = chunked;
    const h = head.headers;
    let out = `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Unknown'}\r\n`;
    for (let i = 0; i < h.length; i += 2) out += `${h[i]}: ${h[i + 1]}\r\n`;
    if (chunked) out += 'Transfer-Encoding: chunked\r\n';
    out += keep ? 'Connection: keep-alive\r\n\r\n' : 'Connection: close\r\n\r\n';
    // An event stream's head goes out at once: its first event may be long in coming.
    if (sse) {
      socket.write(out, 'latin1');
      this.pending = null;
    } else {
      this.pending = out;
    }
  }

  /** Relays body bytes; `upstream` is paused while the client's socket is full. */
  body(chunk: Buffer, upstream: Socket | null): void {
    const socket = this.socket;
    const head = this.pending;
    this.pending = null;
    let ok: boolean;
    if (this.chunked) {
      socket.cork();
      if (head !== null) socket.write(head, 'latin1');
      socket.write(`${chunk.length.toString(16)}\r\n`, 'latin1');
      socket.write(chunk);
      ok = socket.write('\r\n', 'latin1');
      socket.uncork();
    } else if (head === null) {
      ok = socket.write(chunk);
    } else if (chunk.length <= ONE_WRITE_BYTES) {
      ok = socket.write(withHead(head, chunk));
    } else {
      socket.cork();
      socket.write(head, 'latin1');
      ok = socket.write(chunk);
      socket.uncork();
    }
    if (!ok && upstream !== null && this.paused === null) {
      this.paused = upstream;
      upstream.pause();
      socket.once('drain', this.onDrain);
    }
  }

  /** The body ended: writes what is left of the response. */
  end(): void {
    const head = this.pending ?? '';
    this.pending = null;
    if (this.chunked) this.socket.write(`${head}0\r\n\r\n`, 'latin1');
    else if (head !== '') this.socket.write(head, 'latin1');
  }

  /** Lets go of the client's socket (its drain listener, its place among long-lived ones). */
  release(): void {
    if (this.paused !== null) {
      this.socket.off('drain', this.onDrain);
      this.paused = null;
    }
    this.state.longLived.delete(this.socket);
  }
}
