// The hot path's dispatcher: takes a parsed request head and serves it without node:http
// (/api/health, static files from memory, requests on proxy routes with Content-Length and
// chunked bodies, Expect: 100-continue, max_body's 413, hold, retries and the state-aware
// 502/503, compressed as node:http's path would, and websocket upgrades), or declines it so
// node:http serves it (other Expect or Transfer-Encoding, refusals, https upstreams, static
// files memory does not serve).
import type { Socket } from 'node:net';
import type { AccessLog } from './access-log.js';
import { logRaw } from './access-log.js';
import { writeRawTooLarge } from './proxy/error-responses.js';
import type { Edge } from './dispatch-table.js';
import { rawHealth, type HealthOptions } from './health/answer.js';
import { checkRequest, proxyTarget } from './wire/request-target.js';
import { HEALTH_PATH, pathOf, stripPrefix } from './routes.js';
import type { StaticAnswer, StaticMemory, StaticRequest } from './static/memory.js';
import type { HotConnection, InFlight } from './wire/connection.js';
import { HeaderNames, headerValue } from './wire/header-names.js';
import { headLines } from './wire/head-lines.js';
import type { RequestHead } from './wire/llhttp.js';
import { HotProxyExchange, upstreamHead, type HotProxyContext } from './proxy/forward.js';
import { CHUNKED } from './proxy/request-body.js';
import { takeUpgrade } from './proxy/upgrade.js';

/** What the dispatcher reads per request. */
export interface HotDispatchOptions {
  readonly edge: () => Edge;
  readonly health: HealthOptions;
  readonly proxy: HotProxyContext;
  readonly access: AccessLog;
  readonly memory: StaticMemory;
  /** Notes a served request on `socket` for the connection cap. */
  readonly requested: (socket: HotConnection['socket']) => void;
}

/** The request headers the static memory path reads (memory.ts). */
const STATIC_HEADERS = [
  'accept',
  'accept-encoding',
  'cache-control',
  'if-match',
  'if-modified-since',
  'if-none-match',
  'if-unmodified-since',
  'range',
] as const;
const STATIC_NAMES = new HeaderNames<number>(STATIC_HEADERS.map((name, i) => [name, i]));
/**
 * The same slots by the lower-case names memory.ts asks with: a Map of literals is faster here
 * than STATIC_NAMES's letter compare (index.html, 6 interleaved rounds: 6.05 against 6.5 us user).
 */
const STATIC_SLOTS = new Map<string, number>(STATIC_HEADERS.map((name, i) => [name, i]));

/**
 * `head` as the static memory path reads it (repeated headers joined, as node:http does). The
 * headers it asks about are read in one pass, not a scan of the whole list for each of the
 * seven or eight names it asks (the functions asking were 0.37 us of index.html's 9.5 us).
 */
function staticRequest(head: RequestHead): StaticRequest {
  const h = head.headers;
  const values: (string | undefined)[] = [];
  for (let i = 0; i < h.length; i += 2) {
    const slot = STATIC_NAMES.get(h[i]!);
    if (slot === undefined) continue;
    const known = values[slot];
    values[slot] = known === undefined ? h[i + 1]! : `${known}, ${h[i + 1]!}`;
  }
  return {
    method: head.method,
    url: head.url,
    header: (name) => {
      const slot = STATIC_SLOTS.get(name);
      return slot === undefined ? headerValue(h, name) : values[slot];
    },
  };
}

/**
 * A static answer's bytes as written, made once per header list (a variant's 200 or 304, the
 * 404) and kept while the list is: the head with each Connection value, and, for a small body,
 * head and body in one buffer.
 */
interface Wire {
  readonly status: number;
  /** The body the wholes were made with. */
  readonly body: Buffer | undefined;
  /** Index 0: Connection: close; 1: keep-alive. */
  readonly heads: [Buffer | undefined, Buffer | undefined];
  readonly wholes: [Buffer | undefined, Buffer | undefined];
}
const WIRES = new WeakMap<readonly string[], Wire>();

function wireOf(a: StaticAnswer): Wire {
  const known = WIRES.get(a.headers);
  if (known !== undefined && known.status === a.status && known.body === a.body) return known;
  const wire: Wire = {
    status: a.status,
    body: a.body,
    heads: [undefined, undefined],
    wholes: [undefined, undefined],
  };
  // A HEAD's answer and a GET's share the list: the one with a body keeps its wholes.
  if (known === undefined || a.body !== undefined) WIRES.set(a.headers, wire);
  return wire;
}

function headOf(a: StaticAnswer, keepAlive: boolean): string {
  return (
    headLines(a.status, a.headers) +
    (keepAlive ? 'connection: keep-alive\r\n\r\n' : 'connection: close\r\n\r\n')
  );
}

/**
 * Static bodies up to this size go out with their head in one buffer, kept for the next answer
 * (each such body is held twice). One write of one buffer costs less than a writev of two: on
 * the dashboard's 48 KiB asset, edge-only, 5 interleaved rounds, 54.3k -> 58.6k req/s, 7.7 ->
 * 6.9 us user and 10.7 -> 10.0 us kernel a request (with 16 KiB here, as proxied answers have).
 */
const WHOLE_BYTES = 64 * 1024;

/**
 * Writes a static answer: one up to WHOLE_BYTES in one write of one buffer, a larger one as its
 * head and the cached body in one writev, the body uncopied.
 */
function writeAnswer(socket: Socket, a: StaticAnswer, keepAlive: boolean): void {
  const wire = wireOf(a);
  const k = keepAlive ? 1 : 0;
  const body = a.body;
  if (body !== undefined && body.length <= WHOLE_BYTES) {
    let whole = wire.wholes[k];
    if (whole === undefined) {
      whole = Buffer.concat([Buffer.from(headOf(a, keepAlive), 'latin1'), body]);
      wire.wholes[k] = whole;
    }
    socket.write(whole);
    return;
  }
  let head = wire.heads[k];
  if (head === undefined) {
    head = Buffer.from(headOf(a, keepAlive), 'latin1');
    wire.heads[k] = head;
  }
  if (body === undefined) {
    socket.write(head);
    return;
  }
  socket.cork();
  socket.write(head);
  socket.write(body);
  socket.uncork();
}

/** What a head says about its body, read in one pass. */
interface HeadFacts {
  hasHost: boolean;
  /** The body's length (CHUNKED for one chunked coding, 0: none), or NaN: left to node:http. */
  length: number;
  /** Expect: 100-continue was asked (once, nothing else expected). */
  expectContinue: boolean;
}

/** More than one of a framing header, or a value the hot path does not take. */
const ODD = NaN;

/** The request headers factsOf reads. */
const enum Fact {
  Host,
  Expect,
  TransferEncoding,
  ContentLength,
}

const FACT_NAMES = new HeaderNames<Fact>([
  ['host', Fact.Host],
  ['expect', Fact.Expect],
  ['transfer-encoding', Fact.TransferEncoding],
  ['content-length', Fact.ContentLength],
]);

function factsOf(headers: readonly string[], versionMinor: number): HeadFacts {
  const facts: HeadFacts = { hasHost: false, length: 0, expectContinue: false };
  let framed = false;
  let expects = false;
  // Once odd, a header after it (a Content-Length after an Expect) never makes the head plain.
  let odd = false;
  for (let i = 0; i < headers.length; i += 2) {
    const fact = FACT_NAMES.get(headers[i]!);
    if (fact === undefined) continue;
    const value = headers[i + 1]!;
    if (fact === Fact.Host) facts.hasHost = true;
    else if (fact === Fact.Expect) {
      // The expectation is matched case-insensitively (RFC 9110 10.1.1).
      facts.expectContinue =
        !expects && versionMinor === 1 && value.toLowerCase() === '100-continue';
      if (!facts.expectContinue) odd = true;
      expects = true;
    } else {
      // llhttp validated a Content-Length's digits; node:http judges the rest.
      if (framed) odd = true;
      else if (fact === Fact.ContentLength) facts.length = Number(value);
      else if (versionMinor === 1 && value.toLowerCase() === 'chunked') facts.length = CHUNKED;
      else odd = true;
      framed = true;
    }
  }
  if (odd || (expects && facts.length === 0)) facts.length = ODD;
  return facts;
}

/**
 * One static request on the hot path: answered at once from memory, or once its file is read
 * (or compressed), or given back to node:http when memory will not serve it after all.
 */
class StaticServed implements InFlight {
  private readonly start = performance.now();
  private gone = false;

  constructor(
    private readonly conn: HotConnection,
    private readonly head: RequestHead,
    private readonly path: string,
    private readonly label: string,
    private readonly access: AccessLog | null,
  ) {}

  settle(answer: StaticAnswer | undefined): void {
    if (this.gone) return;
    const { conn, head } = this;
    if (answer === undefined) {
      conn.retreat(head.raw);
      return;
    }
    writeAnswer(conn.socket, answer, head.keepAlive);
    if (this.access !== null) {
      const { access, path, start, label } = this;
      logRaw(access, head.method, path, answer.status, start, label, conn.ip, false);
    }
    conn.done(head.keepAlive);
  }

  abort(): void {
    this.gone = true;
  }

  timedOut(): void {
    this.gone = true;
    this.conn.destroy();
  }
}

/** Creates the dispatcher: true when it took the request, false to leave it to node:http. */
export function createHotDispatch(
  opts: HotDispatchOptions,
): (conn: HotConnection, head: RequestHead) => boolean {
  return (conn, head) => {
    if (head.upgrade) return takeUpgrade(opts, conn, head);
    if (opts.proxy.state.closing || checkRequest(head.method, head.headers, head.versionMinor))
      return false;
    const facts = factsOf(head.headers, head.versionMinor);
    const length = facts.length;
    if (Number.isNaN(length) || (!facts.hasHost && head.versionMinor >= 1)) return false;
    if (head.url.charCodeAt(0) !== 47) return false;
    const edge = opts.edge();
    const path = pathOf(head.url);
    if (path === HEALTH_PATH) {
      if (length !== 0 || (head.method !== 'GET' && head.method !== 'HEAD')) return false;
      opts.requested(conn.socket);
      const start = performance.now();
      const answer = rawHealth(head.method, opts.health, head.keepAlive);
      conn.socket.write(answer.text, 'latin1');
      if (edge.accessLog) {
        logRaw(opts.access, head.method, path, answer.status, start, 'health', conn.ip, false);
      }
      conn.done(answer.keepAlive);
      return true;
    }
    const entry = edge.match(path);
    if (entry?.static) {
      if (length !== 0) return false;
      const { route, files } = entry.static;
      const found = opts.memory.answerFor(staticRequest(head), route, files, edge.compress);
      if (found === undefined) return false;
      opts.requested(conn.socket);
      const served = new StaticServed(
        conn,
        head,
        path,
        entry.label,
        edge.accessLog ? opts.access : null,
      );
      if (found instanceof Promise) {
        conn.current = served;
        found.then(
          (answer) => served.settle(answer),
          () => served.settle(undefined),
        );
      } else {
        served.settle(found);
      }
      return true;
    }
    const b = entry?.proxy;
    if (b === undefined) return false;
    const hot = b.target.hot;
    if (hot === null) return false;
    const target = proxyTarget(head.url, b.route.path);
    if (typeof target !== 'string') return false;
    const forwarded = b.route.stripPrefix ? stripPrefix(target, b.route.path) : target;
    const upstreamPath = b.target.basePath + forwarded;
    const ip = conn.ip;
    // As node:http's path: 'checkContinue' refuses before the request counts, unrouted.
    if (length > opts.proxy.maxBody()) {
      if (!facts.expectContinue) opts.requested(conn.socket);
      writeRawTooLarge(conn.socket);
      const log = opts.proxy.access();
      const label = facts.expectContinue ? 'none' : entry!.label;
      if (log !== null) logRaw(log, head.method, path, 413, performance.now(), label, ip, false);
      conn.done(false);
      return true;
    }
    opts.requested(conn.socket);
    const sent = upstreamHead(head, upstreamPath, ip, hot.authority, length === CHUNKED);
    const frame = length === 0 ? null : { length, expectContinue: facts.expectContinue };
    const ex = new HotProxyExchange(opts.proxy, conn, head, b, hot, path, sent, frame);
    conn.current = ex;
    ex.start();
    return true;
  };
}
