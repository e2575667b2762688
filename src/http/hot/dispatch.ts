// The hot path's dispatcher: takes a parsed request head and serves it without node:http
// (/api/health, bodyless requests on proxy routes whose upstream is up), or declines it so
// node:http serves it (bodies, Expect, refusals, held or failing upstreams, static files,
// anything a compressed answer may be negotiated for).
import type { EventLogger } from '../../supervisor/api.js';
import { logRaw } from '../access-log.js';
import type { Edge } from '../dispatch-table.js';
import { negotiateEncoding } from '../encoding.js';
import { rawHealth, type HealthOptions } from '../health.js';
import { checkRequest, proxyTarget } from '../request-target.js';
import { HEALTH_PATH, pathOf, stripPrefix } from '../routes.js';
import type { HotConnection } from '../wire/connection.js';
import type { RequestHead } from '../wire/llhttp.js';
import { HotProxyExchange, upstreamHead, type HotProxyContext } from './forward.js';

/** What the dispatcher reads per request. */
export interface HotDispatchOptions {
  readonly edge: () => Edge;
  readonly health: HealthOptions;
  readonly proxy: HotProxyContext;
  readonly access: Pick<EventLogger, 'info'>;
  /** Notes a served request on `socket` for the connection cap. */
  readonly requested: (socket: HotConnection['socket']) => void;
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
    const b = edge.match(path)?.proxy;
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
