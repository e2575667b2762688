// The answers apposd itself gives on the public listener when it cannot or must not forward:
// upstream trouble (CONTRACT.md "Upstream errors"), 404, 413, and raw replies written straight
// to a socket (client errors, refused upgrades). All carry the security headers.
import type { ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { STATUS_CODES } from 'node:http';
import { SECURITY_HEADERS, SECURITY_HEADER_LINES } from '../security-headers.js';
import type { ProgramView } from './upstream-state.js';

const RAW_CLOSE_GRACE_MS = 2000;
const TOO_LARGE = '{"error":"payload_too_large"}';

/** CONTRACT.md's body for a 502/503 caused by an upstream. */
export function upstreamErrorBody(view: ProgramView | null): string {
  if (view?.upstream) {
    return JSON.stringify({
      error: 'upstream_unavailable',
      upstream: view.name,
      state: view.state,
      probe: view.upstream.probeError ?? null,
    });
  }
  return JSON.stringify({
    error: 'upstream_unavailable',
    program: view ? view.name : null,
    state: view ? view.state : null,
  });
}

/** Seconds a client should wait before retrying a 503 for `view` (at least 1). */
export function retryAfterSeconds(view: ProgramView | null, now = Date.now()): number {
  const at = view?.nextRetryAt;
  if (at === null || at === undefined) return 1;
  return Math.max(1, Math.ceil((at - now) / 1000));
}

/** A JSON response on a raw ServerResponse; destroys it when headers already went out. */
export function sendJson(
  res: ServerResponse,
  status: number,
  body: string,
  extra: readonly string[] = [],
  close = false,
): void {
  if (res.headersSent || res.destroyed) {
    res.destroy();
    return;
  }
  const headers: string[] = [
    'Content-Type',
    'application/json; charset=utf-8',
    'Content-Length',
    String(Buffer.byteLength(body)),
    'Cache-Control',
    'no-store',
  ];
  for (const [k, v] of SECURITY_HEADERS) headers.push(k, v);
  headers.push(...extra);
  if (close) headers.push('Connection', 'close');
  res.writeHead(status, headers);
  res.end(body);
}

/** 502 (refused, reset) or 503 with Retry-After (not ready) naming the program and its state. */
export function sendUpstreamError(
  res: ServerResponse,
  status: 502 | 503,
  view: ProgramView | null,
  close = false,
): void {
  const extra = status === 503 ? ['Retry-After', String(retryAfterSeconds(view))] : [];
  sendJson(res, status, upstreamErrorBody(view), extra, close);
}

/**
 * {@link sendUpstreamError}'s answer as bytes for a connection the hot path drives: kept alive
 * when `keepAlive` is true, else closed after it.
 */
export function rawUpstreamError(
  status: 502 | 503,
  view: ProgramView | null,
  keepAlive: boolean,
): string {
  const body = upstreamErrorBody(view);
  const retry = status === 503 ? `Retry-After: ${retryAfterSeconds(view)}\r\n` : '';
  return (
    `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\n` +
    'Content-Type: application/json; charset=utf-8\r\n' +
    `Content-Length: ${Buffer.byteLength(body)}\r\n` +
    'Cache-Control: no-store\r\n' +
    SECURITY_HEADER_LINES +
    retry +
    `Connection: ${keepAlive ? 'keep-alive' : 'close'}\r\n\r\n` +
    body
  );
}

/** 413: the request body is larger than http.max_body. The connection is closed after. */
export function sendTooLarge(res: ServerResponse): void {
  sendJson(res, 413, TOO_LARGE, [], true);
}

/** Writes a complete response to a socket that is not (or no longer) driven by the HTTP server. */
export function writeRawResponse(socket: Socket, status: number, body: string, extra = ''): void {
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  const reason = STATUS_CODES[status] ?? 'Error';
  // End (not destroy) so the answer is read before the close; a peer that never closes its
  // side is cut after a grace period.
  const grace = setTimeout(() => socket.destroy(), RAW_CLOSE_GRACE_MS);
  grace.unref();
  socket.once('close', () => clearTimeout(grace));
  socket.end(
    `HTTP/1.1 ${status} ${reason}\r\n` +
      'Content-Type: application/json; charset=utf-8\r\n' +
      `Content-Length: ${Buffer.byteLength(body)}\r\n` +
      'Cache-Control: no-store\r\n' +
      SECURITY_HEADER_LINES +
      extra +
      'Connection: close\r\n\r\n' +
      body,
  );
}

/** sendTooLarge's 413 written to a socket the hot path drives; it is closed after. */
export function writeRawTooLarge(socket: Socket): void {
  writeRawResponse(socket, 413, TOO_LARGE);
}

/** A raw 502/503 for a websocket upgrade that cannot be forwarded. */
export function writeRawUpstreamError(
  socket: Socket,
  status: 502 | 503,
  view: ProgramView | null,
): void {
  const extra = status === 503 ? `Retry-After: ${retryAfterSeconds(view)}\r\n` : '';
  writeRawResponse(socket, status, upstreamErrorBody(view), extra);
}

/** A refusal ({status, body, header pairs}) written raw to a socket, which is then closed. */
export function writeRawRefusal(
  socket: Socket,
  refusal: { readonly status: number; readonly body: string; readonly headers: readonly string[] },
): void {
  let lines = '';
  for (let i = 0; i < refusal.headers.length; i += 2) {
    lines += `${refusal.headers[i]}: ${refusal.headers[i + 1]}\r\n`;
  }
  writeRawResponse(socket, refusal.status, refusal.body, lines);
}
