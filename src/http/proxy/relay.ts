// The pieces of a tunnel both paths use (the hot one, proxy/tunnel.ts, and node:http's,
// fallback/upgrade.ts): the upstream's answer head relayed raw, the sockets set up for a long
// quiet life and piped both ways.
import type { Socket } from 'node:net';
import { SERVER_TOKEN_HEADERS } from '../security-headers.js';
import { bodyRead } from '../wire/read-garbage.js';

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
 * Pipes the two sockets of a tunnel both ways. The end of either side closes both once what was
 * written went out: websockets close with their own handshake, and a peer that keeps its half
 * open (as http.Server's sockets may) held both connections for ever.
 */
export function joinTunnel(a: Socket, b: Socket): void {
  a.pipe(b);
  b.pipe(a);
  a.on('data', relayed);
  b.on('data', relayed);
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

/**
 * Each read a tunnel relays is a new buffer that dies young: counted as bodies' reads are, or a
 * flood (a terminal printing a large file) piles them up. A websocket echoing 384 MiB through
 * /terminal raised apposd's peak RSS by 35-36 MB uncounted, 8.5-9.5 MB counted.
 */
function relayed(chunk: Buffer): void {
  bodyRead(chunk.length);
}
