// The public listener's accepted sockets read through a callback (net's `onread`) instead of
// 'data' events. A socket's reads go to the hot connection that owns it; once no one does (it
// was handed to node:http, or to a tunnel's pipes), they are pushed into the socket as a
// Readable, as net would have. net.Server has no `onread` option: the listener's accept
// callback is replaced, and it builds each socket as net.Server's own does, plus `onread`.
import { channel } from 'node:diagnostics_channel';
import { Socket } from 'node:net';
import type { Server } from 'node:net';

/**
 * What every read lands in before it is copied out: one buffer for all sockets (reads happen
 * one at a time on this thread, and nothing keeps a reference to it past its callback).
 */
const READ_BYTES = 64 * 1024;
const shared = Buffer.allocUnsafe(READ_BYTES);

/** Where net.Server announces each accepted socket to tracing tools; these sockets too. */
const acceptedChannel = channel('net.server.socket');

/** Where a socket's reads go while a hot connection owns it. */
type ReadSink = (chunk: Buffer) => void;

/** The sockets built here, with their sink (null: pushed to the Readable). */
const sinks = new WeakMap<Socket, ReadSink | null>();

/**
 * What a client socket may have queued before its writes say "wait": 64 KiB, where Node's
 * default is 16. An answer past the mark makes the connection wait for 'drain' before reading
 * on (wire/connection.ts), which each of the dashboard's 48 KiB assets paid: edge-only, 5
 * interleaved rounds, 57.8k -> 59.1k req/s, 7.4 -> 6.9 us user a request. A slow reader's
 * proxied body is held to the same mark (nginx's proxy_buffers hold 64 KiB too).
 */
const WRITE_MARK = 64 * 1024;

/** net's accept callback, as libuv's server handle calls it. */
type OnConnection = (this: unknown, err: number, clientHandle: unknown) => void;

interface ServerInternals {
  _handle?: { onconnection?: OnConnection } | null;
  _connections: number;
  allowHalfOpen?: boolean;
  noDelay?: boolean;
  keepAlive?: boolean;
  keepAliveInitialDelay?: number;
  highWaterMark?: number;
  maxConnections?: number;
}

interface SocketInternals {
  server?: Server;
  _server?: Server;
}

/**
 * Makes `server` (listening) build its accepted sockets with a read callback. Returns false,
 * changing nothing, when this Node's net.Server does not look as expected (its sockets then
 * read through 'data' events; readFrom and stopReading work with both).
 *
 * What a read costs in user space (bare pass-throughs, one read side changed, wrk -t1 -c32 on
 * a small JSON answer): 5.2 -> 3.8 us per request with the callback and a copy of each read,
 * Node's Readable machinery (push, 'data', read-more on the next tick) left out.
 */
export function acceptWithReadCallback(server: Server): boolean {
  const s = server as unknown as ServerInternals;
  const handle = s._handle;
  if (typeof handle?.onconnection !== 'function' || typeof s._connections !== 'number') {
    return false;
  }
  const nodeAccept = handle.onconnection;
  handle.onconnection = function onconnection(err, clientHandle) {
    // Errors, and the cap net.Server keeps itself, stay net's own.
    if (err || (s.maxConnections !== undefined && s.maxConnections > 0)) {
      nodeAccept.call(this, err, clientHandle);
      return;
    }
    const socket: Socket = new Socket({
      handle: clientHandle,
      allowHalfOpen: s.allowHalfOpen === true,
      readable: true,
      writable: true,
      readableHighWaterMark: s.highWaterMark,
      writableHighWaterMark: s.highWaterMark ?? WRITE_MARK,
      onread: { buffer: shared, callback: (n: number) => onRead(socket, n) },
    } as ConstructorParameters<typeof Socket>[0]);
    sinks.set(socket, null);
    if (s.noDelay === true) socket.setNoDelay(true);
    if (s.keepAlive === true) socket.setKeepAlive(true, s.keepAliveInitialDelay);
    s._connections++;
    const inner = socket as SocketInternals;
    inner.server = server;
    inner._server = server;
    server.emit('connection', socket);
    if (acceptedChannel.hasSubscribers) acceptedChannel.publish({ socket });
  };
  return true;
}

function onRead(socket: Socket, n: number): boolean {
  const chunk = Buffer.allocUnsafe(n);
  shared.copy(chunk, 0, 0, n);
  const sink = sinks.get(socket);
  if (sink) {
    sink(chunk);
    return true;
  }
  // false stops reading until the Readable's consumer asks for more (net restarts it).
  return socket.push(chunk);
}

/** Sends `socket`'s reads to `sink` (its 'data' events, for a socket net built). */
export function readFrom(socket: Socket, sink: ReadSink): void {
  if (sinks.has(socket)) sinks.set(socket, sink);
  else socket.on('data', sink);
}

/** `socket`'s reads go to its Readable again ('data', pipes, node:http). */
export function stopReading(socket: Socket, sink: ReadSink): void {
  if (sinks.has(socket)) sinks.set(socket, null);
  else socket.off('data', sink);
}
