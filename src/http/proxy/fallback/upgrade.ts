// A websocket upgrade's upstream side: the 101 relayed raw and the sockets piped both ways
// (no delay, no idle timeout), or a refusal relayed well framed (a chunked body chunked again).
import type { ClientRequest, IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import { Transform, type TransformCallback } from 'node:stream';
import type { UpgradeExchange } from './undici.js';
import { joinTunnel, rawHead, setupSocket } from '../relay.js';

const kExchange = Symbol('apposd.upgradeExchange');

/** The upstream request of an upgrade, with what its listeners need. */
export interface UpgradeRequest extends ClientRequest {
  [kExchange]: UpgradeExchange;
  downstream: Socket;
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
