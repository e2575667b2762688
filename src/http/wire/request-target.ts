// What the edge checks in a request line and its headers before routing: the path normalised
// (RFC 3986 remove_dot_segments, percent-encoded dots included) so no request reaches an
// upstream path outside its route's prefix, one valid Host, the methods it refuses, HTTP/1.x
// alone, no transfer coding but chunked, and the one Upgrade it takes up (websocket; any other
// is ignored).
import { codingsBeyondChunked, headerValue, isName } from './header-names.js';

/** Methods answered 405 on every path: TRACE echoes credentials, CONNECT tunnels. */
export const REFUSED_METHODS: ReadonlySet<string> = new Set(['TRACE', 'CONNECT']);

const SLASH = 47;
const PERCENT = 37;
const DOT = 46;

/** 1 for a "." segment, 2 for "..", also spelled with %2e; 0 for any other segment. */
function dotsIn(segment: string): number {
  let dots = 0;
  let i = 0;
  while (i < segment.length) {
    const c = segment.charCodeAt(i);
    if (c === DOT) {
      i++;
    } else if (
      c === PERCENT &&
      segment.charCodeAt(i + 1) === 50 &&
      (segment.charCodeAt(i + 2) | 32) === 101
    ) {
      i += 3;
    } else {
      return 0;
    }
    dots++;
    if (dots > 2) return 0;
  }
  return dots;
}

/** True when `path` may hold a dot segment (one starts right after a "/") or a percent-escape. */
function needsWork(path: string): boolean {
  for (let i = 0; i < path.length; i++) {
    const c = path.charCodeAt(i);
    if (c === PERCENT) return true;
    if (c === SLASH && path.charCodeAt(i + 1) === DOT) return true;
  }
  return false;
}

/**
 * The origin-form request target with its path normalised: "." and ".." segments (also as %2e)
 * removed, the query kept as sent. Null when the target must be answered 400: not origin-form
 * (an absolute-form one is made origin-form on arrival, see absoluteForm), ".." climbing above
 * the root, percent-encoding that is not valid UTF-8 (such as the overlong "%c0%ae"), or an
 * encoded NUL ("%00"), which nginx refuses too.
 */
export function normalizeTarget(origin: string): string | null {
  if (origin.charCodeAt(0) !== SLASH) return null;
  const q = origin.indexOf('?');
  const path = q === -1 ? origin : origin.slice(0, q);
  if (!needsWork(path)) return origin;
  if (path.includes('%')) {
    try {
      if (decodeURIComponent(path).includes('\0')) return null;
    } catch {
      return null;
    }
  }
  const out: string[] = [];
  let start = 1;
  let trailing = false;
  while (start <= path.length) {
    let end = path.indexOf('/', start);
    if (end === -1) end = path.length;
    const segment = path.slice(start, end);
    const dots = dotsIn(segment);
    trailing = dots > 0;
    if (dots === 2) {
      if (out.length === 0) return null;
      out.pop();
    } else if (dots === 0) {
      out.push(segment);
    }
    start = end + 1;
  }
  let normalized = '/' + out.join('/');
  if (trailing && out.length > 0) normalized += '/';
  return q === -1 ? normalized : normalized + origin.slice(q);
}

function isRegNameChar(c: number): boolean {
  return (
    (c >= 97 && c <= 122) || // a-z
    (c >= 65 && c <= 90) || // A-Z
    (c >= 48 && c <= 57) || // 0-9
    c === 45 || // -
    c === 46 || // .
    c === 95 || // _
    c === 126 || // ~
    c === 37 || // % (pct-encoded)
    c === 33 || // !
    c === 36 || // $
    c === 38 || // &
    (c >= 39 && c <= 44) || // ' ( ) * + ,
    c === 59 || // ;
    c === 61 // =
  );
}

function isIpLiteralChar(c: number): boolean {
  return (
    (c >= 48 && c <= 58) || // 0-9 and :
    (c >= 97 && c <= 102) ||
    (c >= 65 && c <= 70) ||
    c === 46 ||
    c === 118 || // v (IPvFuture)
    c === 86
  );
}

/** True when `host` is a valid Host value: uri-host [ ":" port ] (RFC 9110 7.2), or empty. */
export function isValidHost(host: string): boolean {
  let i = 0;
  const n = host.length;
  if (host.charCodeAt(0) === 91) {
    const close = host.indexOf(']');
    if (close === -1) return false;
    for (i = 1; i < close; i++) if (!isIpLiteralChar(host.charCodeAt(i))) return false;
    i = close + 1;
  } else {
    while (i < n && host.charCodeAt(i) !== 58) {
      if (!isRegNameChar(host.charCodeAt(i))) return false;
      i++;
    }
  }
  if (i === n) return true;
  if (host.charCodeAt(i) !== 58) return false;
  for (i++; i < n; i++) {
    const c = host.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return true;
}

/**
 * Checks the Host headers of a request from its raw header list ([name, value, ...]): 400 is
 * due when there is more than one, or when the one there is not a valid host.
 */
export function hostProblem(rawHeaders: readonly string[]): boolean {
  let seen = false;
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const name = rawHeaders[i]!;
    if (!isName(name, 'host')) continue;
    if (seen || !isValidHost(rawHeaders[i + 1]!)) return true;
    seen = true;
  }
  return false;
}

/**
 * True when the edge takes up a request's Upgrade: HTTP/1.1 asking for the one protocol it
 * tunnels, websocket. Any other is ignored and the request served as a plain one, as nginx
 * serves it: curl --http2's h2c, an Upgrade in HTTP/1.0 (which RFC 9110 7.8 says to ignore),
 * two protocols or two Upgrade headers.
 */
export function takesUpgrade(versionMinor: number, rawHeaders: readonly string[]): boolean {
  if (versionMinor < 1) return false;
  let found = false;
  for (let i = 0; i < rawHeaders.length; i += 2) {
    if (!isName(rawHeaders[i]!, 'upgrade')) continue;
    if (found || rawHeaders[i + 1]!.trim().toLowerCase() !== 'websocket') return false;
    found = true;
  }
  return found;
}

/** Headers that belong to an Upgrade the edge ignores (HTTP2-Settings: h2c's, RFC 9113 3.2.1). */
const UPGRADE_HEADERS: ReadonlySet<string> = new Set(['upgrade', 'http2-settings']);

/**
 * A request head again, as node:http would read it, without the Upgrade it asked for: its
 * Upgrade and HTTP2-Settings headers dropped, and those tokens dropped from its Connection
 * (its close or keep-alive kept). The parts were parsed by llhttp (node:http's), so each goes
 * back as it came.
 */
export function withoutUpgrade(
  method: string,
  target: string,
  versionMinor: number,
  rawHeaders: readonly string[],
): Buffer {
  let head = `${method} ${target} HTTP/1.${versionMinor}\r\n`;
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const name = rawHeaders[i]!;
    const lower = name.toLowerCase();
    if (UPGRADE_HEADERS.has(lower)) continue;
    let value = rawHeaders[i + 1]!;
    if (lower === 'connection') {
      value = value
        .split(',')
        .map((t) => t.trim())
        .filter((t) => t !== '' && !UPGRADE_HEADERS.has(t.toLowerCase()))
        .join(', ');
      if (value === '') continue;
    }
    head += `${name}: ${value}\r\n`;
  }
  return Buffer.from(`${head}\r\n`, 'latin1');
}

/** An absolute-form request target taken apart: its authority and its origin-form rest. */
export interface AbsoluteTarget {
  /** The host (and port) it names, which stands for the request's Host. */
  readonly authority: string;
  /** The path and query, as origin-form ("/x?y"). */
  readonly origin: string;
}

const ABSOLUTE_SCHEMES: ReadonlySet<string> = new Set(['http', 'https']);

/** A request the edge answers itself before routing. */
export interface Refusal {
  readonly status: 400 | 405 | 501 | 505;
  readonly body: string;
  /** Extra header lines' pairs, e.g. Allow. */
  readonly headers: readonly string[];
  /** The connection closes after the answer: its framing cannot be trusted. */
  readonly close?: true;
}

const BAD_REQUEST: Refusal = { status: 400, body: '{"error":"bad_request"}', headers: [] };
/**
 * The refusal of a target in neither origin- nor absolute-form: "*" (OPTIONS *) or
 * authority-form, which only CONNECT may use and the edge refuses: 400, as nginx answers.
 */
export const NOT_ROUTABLE: Refusal = BAD_REQUEST;
const FAULTY_FRAMING: Refusal = { ...BAD_REQUEST, close: true };
const NOT_ALLOWED: Refusal = {
  status: 405,
  body: '{"error":"method_not_allowed"}',
  headers: ['Allow', 'GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS'],
};

const VERSION_NOT_SUPPORTED: Refusal = {
  status: 505,
  body: '{"error":"http_version_not_supported"}',
  headers: [],
  close: true,
};

const NOT_IMPLEMENTED: Refusal = {
  status: 501,
  body: '{"error":"not_implemented"}',
  headers: [],
  close: true,
};

/**
 * Checks a request's major version: 505, closing the connection, for HTTP/0.9 and 2.0 request
 * lines, which llhttp reads and node:http would answer as HTTP/1.1; nginx answers 505 too. The
 * hot path reads HTTP/1.x heads alone (createHeadReader) and leaves the others to node:http's
 * path, which checks here.
 */
export function checkVersion(versionMajor: number): Refusal | undefined {
  return versionMajor === 1 ? undefined : VERSION_NOT_SUPPORTED;
}

/**
 * Checks a request's transfer codings: undefined for none or `chunked` alone, else 501, closing
 * the connection, as RFC 9112 6.1 asks of a coding the server does not understand and nginx
 * answers (codingsBeyondChunked: the upstream read the gzip bytes of `gzip, chunked` as the
 * body). The hot path leaves every coding but `chunked` alone to node:http's path, which checks
 * here.
 */
export function checkCodings(rawHeaders: readonly string[]): Refusal | undefined {
  return codingsBeyondChunked(rawHeaders) ? NOT_IMPLEMENTED : undefined;
}

/**
 * Takes an absolute-form target ("http://host:8080/x?y", RFC 9112 3.2.2: a server must accept
 * it) apart: undefined when `target` is not one (origin-form; "*" and authority-form, which
 * server.ts answers NOT_ROUTABLE), and 400's refusal when its authority is not a valid host
 * (userinfo, an empty one) or its scheme not http(s).
 */
export function absoluteForm(target: string): AbsoluteTarget | Refusal | undefined {
  const colon = target.indexOf('://');
  if (colon <= 0 || target.charCodeAt(0) === SLASH) return undefined;
  if (!ABSOLUTE_SCHEMES.has(target.slice(0, colon).toLowerCase())) return BAD_REQUEST;
  const rest = target.slice(colon + 3);
  let end = 0;
  while (end < rest.length && rest.charCodeAt(end) !== SLASH && rest.charCodeAt(end) !== 63) end++;
  const authority = rest.slice(0, end);
  if (authority === '' || !isValidHost(authority)) return BAD_REQUEST;
  const origin =
    end === rest.length
      ? '/'
      : rest.charCodeAt(end) === SLASH
        ? rest.slice(end)
        : `/${rest.slice(end)}`;
  return { authority, origin };
}

/**
 * Checks a websocket upgrade the edge takes up (takesUpgrade) before routing: its handshake must
 * be a GET (RFC 6455 4.1); another method is answered 400, as RFC 6455 4.2.1 asks, where node:http
 * hands it on and the edge closed it without a word.
 */
export function checkHandshake(method: string): Refusal | undefined {
  return method === 'GET' ? undefined : BAD_REQUEST;
}

/**
 * Checks a request's method, version and raw headers before routing: undefined when it may be
 * routed, else the refusal to answer (405 for TRACE and CONNECT, 400 for two Hosts or a bad
 * one, and 400 closing the connection for Transfer-Encoding on HTTP/1.0, whose framing RFC 9112
 * 6.1 says to treat as faulty: nginx refuses it too, node:http would read it chunked).
 */
export function checkRequest(
  method: string,
  rawHeaders: readonly string[],
  versionMinor: number,
): Refusal | undefined {
  if (REFUSED_METHODS.has(method)) return NOT_ALLOWED;
  if (hostProblem(rawHeaders)) return BAD_REQUEST;
  if (versionMinor === 0 && headerValue(rawHeaders, 'transfer-encoding') !== undefined)
    return FAULTY_FRAMING;
  return undefined;
}

/**
 * The target to forward on a proxy route with prefix `prefix`: normalised, or a 400 refusal
 * when it cannot be, or when its normalised path leaves the prefix.
 */
export function proxyTarget(target: string, prefix: string): string | Refusal {
  const normalized = normalizeTarget(target);
  if (normalized === null) return BAD_REQUEST;
  if (normalized === target || prefix === '/') return normalized;
  const q = normalized.indexOf('?');
  const path = q === -1 ? normalized : normalized.slice(0, q);
  const inside =
    path.startsWith(prefix) &&
    (path.length === prefix.length || path.charCodeAt(prefix.length) === SLASH);
  return inside ? normalized : BAD_REQUEST;
}
