// Websocket upgrades on the hot path: which ones it takes (a proxy route with websocket on, its
// upstream up, http:), and their request head re-written for the upstream as node:http's path
// writes it (X-Forwarded-*, prefix stripped, Host kept, Upgrade and Connection: upgrade); the
// tunnel (tunnel.ts) takes the socket. Refusals, hold, shutdown, 404s and upgrades with bodies
// stay on node:http's 'upgrade' path.
import type { Socket } from 'node:net';
import type { Edge } from '../dispatch-table.js';
import { checkRequest, proxyTarget } from '../wire/request-target.js';
import { HOP_BY_HOP } from './response-headers.js';
import { HEALTH_PATH, pathOf, stripPrefix } from '../routes.js';
import type { HotConnection } from '../wire/connection.js';
import type { RequestHead } from '../wire/llhttp.js';
import { FORWARDED, forwardedLines, type HotProxyContext } from './forward.js';
import { HotTunnel, type TunnelLine } from './tunnel.js';

/** What an upgrade reads from the dispatcher's options. */
export interface UpgradeOptions {
  readonly edge: () => Edge;
  readonly proxy: HotProxyContext;
  /** Notes a served request on `socket` for the connection cap. */
  readonly requested: (socket: Socket) => void;
}

/** Request headers the upstream never gets as the client sent them. */
const DROPPED: ReadonlySet<string> = new Set([...HOP_BY_HOP, ...FORWARDED]);

/**
 * The head sent upstream for a websocket upgrade `head` (X-Forwarded-*, Host kept, `path` as
 * its target, Upgrade: websocket and Connection: upgrade), or null when it is not one the hot
 * path takes (a body, Expect, no Host).
 */
function upgradeHead(head: RequestHead, path: string, ip: string): string | null {
  const h = head.headers;
  let out = `GET ${path} HTTP/1.1\r\n`;
  let prior = '';
  let host: string | undefined;
  for (let i = 0; i < h.length; i += 2) {
    const name = h[i]!;
    const value = h[i + 1]!;
    const lower = name.toLowerCase();
    if (lower === 'x-forwarded-for') prior = prior === '' ? value : `${prior}, ${value}`;
    else if (lower === 'transfer-encoding' || lower === 'expect') return null;
    else if (lower === 'content-length' && value !== '0') return null;
    else if (lower === 'host') host = value;
    if (!DROPPED.has(lower)) out += `${name}: ${value}\r\n`;
  }
  if (host === undefined) return null;
  return `${out}${forwardedLines(prior, ip, host)}upgrade: websocket\r\nconnection: upgrade\r\n\r\n`;
}

/**
 * Takes the websocket upgrade `head` on a proxy route whose upstream is up (true), or declines
 * it (false): node:http's 'upgrade' path answers it as before.
 */
export function takeUpgrade(opts: UpgradeOptions, conn: HotConnection, head: RequestHead): boolean {
  const ctx = opts.proxy;
  // head.upgrade: HTTP/1.1 asking for websocket alone (takesUpgrade).
  if (ctx.state.closing || head.method !== 'GET') return false;
  if (head.url.charCodeAt(0) !== 47 || checkRequest(head.method, head.headers, head.versionMinor))
    return false;
  const path = pathOf(head.url);
  const entry = path === HEALTH_PATH ? undefined : opts.edge().match(path);
  const b = entry?.proxy;
  if (b === undefined || !b.route.websocket || (b.view !== null && !b.view.up)) return false;
  if (b.target.hot === null) return false;
  const target = proxyTarget(head.url, b.route.path);
  if (typeof target !== 'string') return false;
  const forwarded = b.route.stripPrefix ? stripPrefix(target, b.route.path) : target;
  const ip = conn.ip;
  const sent = upgradeHead(head, b.target.basePath + forwarded, ip);
  if (sent === null) return false;
  opts.requested(conn.socket);
  const line: TunnelLine = { path, label: entry!.label, ip, start: performance.now() };
  const tunnel = new HotTunnel(ctx, conn.socket, b, line, conn.detach());
  tunnel.begin(sent);
  return true;
}
