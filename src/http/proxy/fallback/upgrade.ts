// A websocket upgrade's upstream side: the 101 relayed raw and the sockets piped both ways
// (no delay, no idle timeout), or a refusal relayed well framed (a chunked body chunked again).
import type { ClientRequest, IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import { Transform, type TransformCallback } from 'node:stream';
import type { UpgradeExchange } from './undici.js';
import { SERVER_TOKEN_HEADERS } from '../../security-headers.js';

const kExchange = Symbol('apposd.upgradeExchange');

/** The upstream request of an upgrade, with what its listeners need. */
export interface UpgradeRequest extends ClientRequest {
  [kExchange]: UpgradeExchange;
  downstream: Socket;
}

/** A response head for a raw socket from an upstream's raw headers, server tokens dropped. */
export function rawHead(statusLine: string, raw: readonly string[], close = false): string {
  let head = statusLine;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!.toLowerCase();
    if (SERVER_TOKEN_HEADERS.has(name)) continue;
    if (close && (name === 'connection' || name === 'keep-alive')) continue;
    head += `\r\n${raw[i]}: ${raw[i + 1]}`;
  }
  return `${head}${close ? '\r\nConnection: close' : ''}\r\n\r\n`;
}

/**
 * Chunked transfer coding again for a body node:http has de-chunked, so a response relayed
 * raw with its `Transfer-Encoding: chunked` stays well framed.
 */
class Rechunk extends Transform {
  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    if (chunk.length > 0) {
      this.push(`${chunk.length.toString(16)}\r\n`);
      this.push(chunk);
      this.push('\r\n');
    }
    done();
  }

  override _flush(done: TransformCallback): void {
    this.push('0\r\n\r\n');
    done();
  }
}

/**
 * Pipes the two sockets of a tunnel both ways. The end of either side closes both once what was
 * written went out: websockets close with their own handshake, and a peer that keeps its half
 * open (as http.Server's sockets may) held both connections for ever.
 */
export function joinTunnel(a: Socket, b: Socket): void {
  a.pipe(b);
  b.pipe(a);
  const close = (): void => {
    // Nothing more is written to either: what the other side still sends is dropped.
    a.unpipe(b);
    b.unpipe(a);
    a.destroySoon();
    b.destroySoon();
  };
  a.once('end', close);
  b.once('end', close);
}

/** Websockets carry no idle timeout; TCP keep-alive finds peers that vanished. */
export function setupSocket(socket: Socket): void {
  socket.setTimeout(0);
  socket.setNoDelay(true);
  socket.setKeepAlive(true, 0);
}

function onUpgradeError(this: UpgradeRequest, err: Error): void {
  this[kExchange].onUpstreamError(err as NodeJS.ErrnoException);
  this.downstream.end();
}

/**
 * The upstream answered an upgrade request without switching (PocketBase's SSE, say): pass its
 * answer on framed as it came (a chunked body chunked again), then close.
 */
function onUpgradeRefused(this: UpgradeRequest, res: IncomingMessage): void {
  const socket = this.downstream;
  const line = `HTTP/${res.httpVersion} ${res.statusCode} ${res.statusMessage}`;
  socket.write(rawHead(line, res.rawHeaders, true));
  res.on('error', () => socket.destroy());
  socket.once('close', () => res.destroy());
  if (res.headers['transfer-encoding'] === undefined) res.pipe(socket);
  else res.pipe(new Rechunk()).pipe(socket);
}

function onUpgraded(
  this: UpgradeRequest,
  upstreamRes: IncomingMessage,
  upstream: Socket,
  upstreamHead: Buffer,
): void {
  const socket = this.downstream;
  if (socket.destroyed) {
    upstream.destroy();
    return;
  }
  const failed = (err: Error): void => {
    this[kExchange].onUpstreamError(err as NodeJS.ErrnoException);
    socket.end();
  };
  upstream.on('error', failed);
  // A client gone without a clean end (reset, or cut at shutdown) takes the upstream with it.
  socket.once('close', () => upstream.destroy());
  setupSocket(upstream);
  if (upstreamHead.length > 0) upstream.unshift(upstreamHead);
  socket.write(rawHead('HTTP/1.1 101 Switching Protocols', upstreamRes.rawHeaders));
  this[kExchange].onUpgraded();
  joinTunnel(upstream, socket);
}

/** Follows `req` (an upgrade sent upstream) for `socket`, reporting to `exchange`. */
export function watchUpgrade(req: UpgradeRequest, socket: Socket, exchange: UpgradeExchange): void {
  req[kExchange] = exchange;
  req.downstream = socket;
  req.on('error', onUpgradeError);
  req.on('response', onUpgradeRefused);
  req.on('upgrade', onUpgraded);
}
