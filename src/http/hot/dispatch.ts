// The hot path's dispatcher: takes a parsed request head and serves it without node:http
// (/api/health, static files memory holds now, bodyless requests and websocket upgrades on
// proxy routes whose upstream is up), or declines it so node:http serves it (bodies, Expect,
// refusals, held or failing upstreams, static misses and large files, proxied answers that may
// be compressed).
import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { EventLogger } from '../../supervisor/api.js';
import { logRaw } from '../access-log.js';
import type { Edge } from '../dispatch-table.js';
import { negotiateEncoding } from '../encoding.js';
import { rawHealth, type HealthOptions } from '../health.js';
import { checkRequest, proxyTarget } from '../request-target.js';
import { HEALTH_PATH, pathOf, stripPrefix } from '../routes.js';
import type { StaticAnswer, StaticMemory, StaticRequest } from '../static-memory.js';
import type { HotConnection } from '../wire/connection.js';
import type { RequestHead } from '../wire/llhttp.js';
import { HotProxyExchange, upstreamHead, type HotProxyContext } from './forward.js';
import { takeUpgrade } from './upgrade.js';

/** What the dispatcher reads per request. */
export interface HotDispatchOptions {
  readonly edge: () => Edge;
  readonly health: HealthOptions;
  readonly proxy: HotProxyContext;
  readonly access: Pick<EventLogger, 'info'>;
  readonly memory: StaticMemory;
  /** Notes a served request on `socket` for the connection cap. */
  readonly requested: (socket: HotConnection['socket']) => void;
}

/** `head` as the static memory path reads it (repeated headers joined, as node:http does). */
function staticRequest(head: RequestHead): StaticRequest {
  let byName: Map<string, string> | undefined;
  return {
    method: head.method,
    url: head.url,
    header(name) {
      if (byName === undefined) {
        byName = new Map();
        const h = head.headers;
        for (let i = 0; i < h.length; i += 2) {
          const k = h[i]!.toLowerCase();
          const prior = byName.get(k);
          byName.set(k, prior === undefined ? h[i + 1]! : `${prior}, ${h[i + 1]!}`);
        }
      }
      return byName.get(name);
    },
  };
}

/** Writes a static answer: head and the cached body go out in one writev, the body uncopied. */
function writeAnswer(socket: Socket, a: StaticAnswer, keepAlive: boolean): void {
  const h = a.headers;
  let out = `HTTP/1.1 ${a.status} ${STATUS_CODES[a.status]}\r\n`;
  for (let i = 0; i < h.length; i += 2) out += `${h[i]}: ${h[i + 1]}\r\n`;
  out += keepAlive ? 'connection: keep-alive\r\n\r\n' : 'connection: close\r\n\r\n';
  if (a.body === undefined) {
    socket.write(out, 'latin1');
    return;
  }
  socket.cork();
  socket.write(out, 'latin1');
  socket.write(a.body);
  socket.uncork();
}

/** What a head says about its body and negotiation, read in one pass. */
interface HeadFacts {
  hasHost: boolean;
  plain: boolean;
  acceptEncoding: string | undefined;
}

function factsOf(headers: readonly string[]): HeadFacts {
  const facts: HeadFacts = { hasHost: false, plain: true, acceptEncoding: undefined };
  for (let i = 0; i < headers.length; i += 2) {
    const name = headers[i]!.toLowerCase();
    if (name === 'host') facts.hasHost = true;
    else if (name === 'accept-encoding') facts.acceptEncoding = headers[i + 1];
    else if (name === 'transfer-encoding' || name === 'expect') facts.plain = false;
    else if (name === 'content-length' && headers[i + 1] !== '0') facts.plain = false;
  }
  return facts;
}

/** Creates the dispatcher: true when it took the request, false to leave it to node:http. */
export function createHotDispatch(
  opts: HotDispatchOptions,
): (conn: HotConnection, head: RequestHead) => boolean {
  return (conn, head) => {
    if (head.upgrade) return takeUpgrade(opts, conn, head);
    if (opts.proxy.state.closing || checkRequest(head.method, head.headers)) return false;
    const facts = factsOf(head.headers);
    if (!facts.plain || (!facts.hasHost && head.versionMinor >= 1)) return false;
    if (head.url.charCodeAt(0) !== 47) return false;
    const edge = opts.edge();
    const path = pathOf(head.url);
    if (path === HEALTH_PATH) {
      if (head.method !== 'GET' && head.method !== 'HEAD') return false;
      opts.requested(conn.socket);
      const start = performance.now();
      const answer = rawHealth(head.method, opts.health, head.keepAlive);
      conn.socket.write(answer.text, 'latin1');
      if (edge.accessLog) {
        const ip = conn.socket.remoteAddress ?? '';
        logRaw(opts.access, head.method, path, answer.status, start, 'health', ip, false);
      }
      conn.done(answer.keepAlive);
      return true;
    }
    const entry = edge.match(path);
    if (entry?.static) {
      const { route, files } = entry.static;
      const answer = opts.memory.answerNow(staticRequest(head), route, files, edge.compress);
      if (answer === undefined) return false;
      opts.requested(conn.socket);
      const start = performance.now();
      const keep = head.keepAlive;
      writeAnswer(conn.socket, answer, keep);
      if (edge.accessLog) {
        const ip = conn.socket.remoteAddress ?? '';
        logRaw(opts.access, head.method, path, answer.status, start, entry.label, ip, false);
      }
      conn.done(keep);
      return true;
    }
    const b = entry?.proxy;
    if (b === undefined || (b.view !== null && !b.view.up)) return false;
    if (edge.compress && negotiateEncoding(facts.acceptEncoding) !== null) return false;
    const url = b.target.url;
    if (url.protocol !== 'http:') return false;
    const target = proxyTarget(head.url, b.route.path);
    if (typeof target !== 'string') return false;
    const forwarded = b.route.stripPrefix ? stripPrefix(target, b.route.path) : target;
    const upstreamPath = b.target.basePath + forwarded;
    opts.requested(conn.socket);
    const ip = conn.socket.remoteAddress ?? '';
    const sent = upstreamHead(head, upstreamPath, ip, url.host);
    const hot = { origin: url.origin, host: b.target.hostname, port: b.target.port };
    const ex = new HotProxyExchange(opts.proxy, conn, head, b, hot, path, sent);
    conn.current = ex;
    ex.begin();
    return true;
  };
}
