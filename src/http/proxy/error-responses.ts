// The answers apposd itself gives on the public listener when it cannot or must not forward:
// upstream trouble (CONTRACT.md "Upstream errors"), 404, 413, and raw replies written straight
// to a socket (client errors, refused upgrades). All carry the security headers.
import type { ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { SECURITY_PAIRS } from '../security-headers.js';
import { headLines } from '../wire/head-lines.js';
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

/** The header pairs of apposd's own JSON answer `body`, `extra` pairs last. */
function jsonPairs(body: string, extra: readonly string[]): string[] {
  return [
    'Content-Type',
    'application/json; charset=utf-8',
    'Content-Length',
    String(Buffer.byteLength(body)),
    'Cache-Control',
    'no-store',
    ...SECURITY_PAIRS,
    ...extra,
  ];
}

/** {@link sendJson}'s answer as the bytes of a raw socket's response. */
function rawJson(
  status: number,
  body: string,
  extra: readonly string[],
  keepAlive: boolean,
): string {
  const connection = keepAlive ? 'keep-alive' : 'close';
  return `${headLines(status, jsonPairs(body, extra))}Connection: ${connection}\r\n\r\n${body}`;
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
  const headers = jsonPairs(body, extra);
  if (close) headers.push('Connection', 'close');
  res.writeHead(status, headers);
  res.end(body);
}

/** Retry-After for a 503 (as a header pair), nothing for a 502. */
const retryPair = (status: 502 | 503, view: ProgramView | null): string[] =>
  status === 503 ? ['Retry-After', String(retryAfterSeconds(view))] : [];

/** 502 (refused, reset) or 503 with Retry-After (not ready) naming the program and its state. */
export function sendUpstreamError(
  res: ServerResponse,
  status: 502 | 503,
  view: ProgramView | null,
  close = false,
): void {
  sendJson(res, status, upstreamErrorBody(view), retryPair(status, view), close);
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
  return rawJson(status, upstreamErrorBody(view), retryPair(status, view), keepAlive);
}

/** 413: the request body is larger than http.max_body. The connection is closed after. */
export function sendTooLarge(res: ServerResponse): void {
  sendJson(res, 413, TOO_LARGE, [], true);
}

/**
 * Writes a complete JSON response (`extra` header pairs after the usual ones) to a socket that
 * is not (or no longer) driven by the HTTP server, and closes it.
 */
export function writeRawResponse(
  socket: Socket,
  status: number,
  body: string,
  extra: readonly string[] = [],
): void {
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  // End (not destroy) so the answer is read before the close; a peer that never closes its
  // side is cut after a grace period.
  const grace = setTimeout(() => socket.destroy(), RAW_CLOSE_GRACE_MS);
  grace.unref();
  socket.once('close', () => clearTimeout(grace));
  socket.end(rawJson(status, body, extra, false));
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
  writeRawResponse(socket, status, upstreamErrorBody(view), retryPair(status, view));
}

/** A refusal ({status, body, header pairs}) written raw to a socket, which is then closed. */
export function writeRawRefusal(
  socket: Socket,
  refusal: { readonly status: number; readonly body: string; readonly headers: readonly string[] },
): void {
  writeRawResponse(socket, refusal.status, refusal.body, refusal.headers);
}
