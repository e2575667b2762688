// Turns an upstream response's raw headers into the headers apposd sends on: hop-by-hop and
// server-token headers dropped, security headers added when missing, and the few values the
// forwarder decides on (type, encoding, length) picked out in the same pass.
import { SECURITY_HEADERS, SERVER_TOKEN_HEADERS } from '../security-headers.js';
import { HeaderNames } from '../wire/header-names.js';

/** Hop-by-hop headers (RFC 9110 7.6.1): never passed on, in either direction. */
export const HOP_BY_HOP: ReadonlySet<string> = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'transfer-encoding',
  'upgrade',
  // h2c's, with the Upgrade the edge ignores (RFC 9113 3.2.1: connection-specific).
  'http2-settings',
]);

/** What forwardHead does with a header, by its lower-cased name. */
const enum Kind {
  /** Passed on as it is (any name not in KINDS). */
  Pass = -7,
  Drop = -1,
  ContentType = -2,
  ContentEncoding = -3,
  ContentLength = -4,
  CacheControl = -5,
  Vary = -6,
  // 0, 1, ...: the security header of that index in SECURITY_HEADERS.
}

/** One lookup per header name, where two sets, a switch and a list search took turns. */
const KINDS = new HeaderNames<number>([
  ...[...HOP_BY_HOP, ...SERVER_TOKEN_HEADERS].map((n): [string, number] => [n, Kind.Drop]),
  ['content-type', Kind.ContentType],
  ['content-encoding', Kind.ContentEncoding],
  ['content-length', Kind.ContentLength],
  ['cache-control', Kind.CacheControl],
  ['vary', Kind.Vary],
  ...SECURITY_HEADERS.map(([n], i): [string, number] => [n.toLowerCase(), i]),
]);

/** The headers to send on plus what the forwarder needs to know about the body. */
export interface ForwardHead {
  /** Flat [name, value, name, value, ...] list for `res.writeHead`. */
  readonly headers: string[];
  readonly contentType: string | undefined;
  readonly contentEncoding: string | undefined;
  readonly contentLength: string | undefined;
  /** Cache-Control contains no-transform: the body must not be re-encoded. */
  readonly noTransform: boolean;
  /** Where the first Vary's name is in `headers`, or -1 (names are lower-cased once, here). */
  varyAt: number;
  /** Where Content-Length's name is in `headers`, or -1. */
  lengthAt: number;
}

/**
 * Filters `raw` (an IncomingMessage's rawHeaders) of an answer with `status` and appends missing
 * security headers. A 204's Content-Length is dropped: RFC 9110 8.6 forbids it, and nginx drops
 * it too.
 */
export function forwardHead(raw: readonly string[], status: number): ForwardHead {
  const headers: string[] = [];
  let contentType: string | undefined;
  let contentEncoding: string | undefined;
  let contentLength: string | undefined;
  let noTransform = false;
  let seen = 0;
  let varyAt = -1;
  let lengthAt = -1;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!;
    const value = raw[i + 1]!;
    const kind = KINDS.get(name) ?? Kind.Pass;
    switch (kind) {
      case Kind.Pass:
        break;
      case Kind.Drop:
        continue;
      case Kind.ContentType:
        contentType = value;
        break;
      case Kind.ContentEncoding:
        contentEncoding = value;
        break;
      case Kind.ContentLength:
        if (status === 204) continue;
        contentLength = value;
        if (lengthAt === -1) lengthAt = headers.length;
        break;
      case Kind.CacheControl:
        if (value.toLowerCase().includes('no-transform')) noTransform = true;
        break;
      case Kind.Vary:
        if (varyAt === -1) varyAt = headers.length;
        break;
      default:
        seen |= 1 << kind;
    }
    headers.push(name, value);
  }
  for (let s = 0; s < SECURITY_HEADERS.length; s++) {
    if ((seen & (1 << s)) === 0) headers.push(SECURITY_HEADERS[s]![0], SECURITY_HEADERS[s]![1]);
  }
  return { headers, contentType, contentEncoding, contentLength, noTransform, varyAt, lengthAt };
}

/**
 * Switches `head.headers` to an encoded body: drops Content-Length, adds Content-Encoding and
 * makes Vary include Accept-Encoding.
 */
export function markEncoded(head: ForwardHead, encoding: string): void {
  const h = head.headers;
  const at = head.lengthAt;
  if (at !== -1) {
    h.splice(at, 2);
    head.lengthAt = -1;
    if (head.varyAt > at) head.varyAt -= 2;
  }
  h.push('Content-Encoding', encoding);
  addVary(head);
}

/** Makes the response's Vary header include Accept-Encoding. */
export function addVary(head: ForwardHead): void {
  const h = head.headers;
  const at = head.varyAt;
  if (at === -1) {
    head.varyAt = h.length;
    h.push('Vary', 'Accept-Encoding');
    return;
  }
  const value = h[at + 1]!;
  if (value.trim() === '*' || /\baccept-encoding\b/i.test(value)) return;
  h[at + 1] = value.length > 0 ? `${value}, Accept-Encoding` : 'Accept-Encoding';
}
