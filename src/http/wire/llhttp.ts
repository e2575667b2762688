// The shape of Node's llhttp binding (`process.binding('http_parser')`, obtained by main.ts and
// injected): the parser class, its callback slots, and one request head read from it.
import { takesUpgrade } from './request-target.js';

/** What execute() returns on bad input: where it stopped (one past the byte refused). */
export type ParseError = Error & { bytesParsed: number };

/**
 * Where the message before the byte `err` refused ends, in the chunk given to execute(): a
 * parser told a message's framing refuses the first byte after it (CR and LF between messages
 * are skipped).
 */
export function messageEnd(err: ParseError): number {
  return err.bytesParsed - 1;
}

/** One parser instance of the binding: callbacks live at numeric slots. */
export interface LlhttpParser {
  [slot: number]: unknown;
  initialize(type: number, resource: object, maxHeaderSize: number, lenient: number): void;
  /** Returns the bytes parsed, or an Error with `code` (HPE_*) on bad input. */
  execute(data: Buffer): number | Error;
  /** Ends a close-delimited message (at EOF). */
  finish(): number | Error | undefined;
  /** Frees the parser: until then the binding holds it, and all it refers to, from the GC. */
  close(): void;
}

/**
 * Frees `parser` once the current callbacks have unwound (as node:http frees its own: closed
 * from inside its execute(), it would be freed under its own feet). The binding keeps every
 * parser alive until it is closed: an upstream connection's parser, left open, kept the
 * connection, its socket and its closures for ever (11,125 of each after 11k refused requests).
 */
export function closeParser(parser: LlhttpParser): void {
  setImmediate(() => parser.close());
}

/** The binding as `process.binding('http_parser')` returns it. */
export interface LlhttpBinding {
  readonly methods: readonly string[];
  readonly HTTPParser: {
    new (): LlhttpParser;
    readonly REQUEST: number;
    readonly RESPONSE: number;
    readonly kOnHeaders: number;
    readonly kOnHeadersComplete: number;
    readonly kOnBody: number;
    readonly kOnMessageComplete: number;
    readonly kOnExecute: number;
  };
}

/**
 * The header pairs of a head llhttp's binding hands over in pieces: past 32 fields (and for a
 * chunked body's trailers) it flushes them through kOnHeaders before the head completes, and
 * kOnHeadersComplete then gets none. Set `onHeaders` as the parser's kOnHeaders.
 */
export class FlushedHeaders {
  private pieces: string[] = [];

  readonly onHeaders = (headers: string[]): void => {
    for (const h of headers) this.pieces.push(h);
  };

  /** The head's pairs: `given` (kOnHeadersComplete's), or the pieces flushed; starts anew. */
  take(given: string[] | undefined): string[] {
    if (given !== undefined) {
      this.clear();
      return given;
    }
    const all = this.pieces;
    this.pieces = [];
    return all;
  }

  /** Forgets what was flushed (trailers of the message before); allocates only if any was. */
  clear(): void {
    if (this.pieces.length > 0) this.pieces = [];
  }
}

/**
 * `kOnHeadersComplete`'s answers: go on, the message has no body, stop after the head, or refuse
 * it (execute() returns an error, as for a malformed head).
 */
export const HEAD_CONTINUE = 0;
export const HEAD_NO_BODY = 1;
export const HEAD_STOP = 2;
export const HEAD_REFUSED = -1;

/** A request head as parsed, complete in one buffer. */
export interface RequestHead {
  readonly method: string;
  readonly url: string;
  /** Flat [name, value, ...] as sent. */
  readonly headers: readonly string[];
  readonly versionMinor: number;
  readonly keepAlive: boolean;
  /**
   * An upgrade the edge takes up (takesUpgrade: websocket): the bytes after the head belong to
   * the tunnel, not to HTTP. Those llhttp flags and the edge ignores (h2c, CONNECT) are false:
   * served as plain requests.
   */
  readonly upgrade: boolean;
  /** The head's bytes (for a hand-over to node:http). */
  readonly raw: Buffer;
}

/** What HeadReader.head returns for a head that is valid so far and not yet complete. */
export const PARTIAL = 'partial';

/** What the connection reads requests with. */
export interface HeadReader {
  /**
   * Parses the head at the start of `buf` and stops after it. Returns the head, PARTIAL when
   * `buf` holds the start of a head with nothing wrong in it so far, or null when it is not a
   * head the hot path reads (malformed, more than 32 headers, not HTTP/1.x). It stops after the
   * head, also for an upgrade: its body is never read.
   */
  head(buf: Buffer): RequestHead | typeof PARTIAL | null;
  /**
   * True unless the requests in `buf` (a head and what is pipelined after it, bodies included)
   * are malformed: node:http refuses a connection on such bytes before answering what came
   * before them.
   */
  wellFormed(buf: Buffer): boolean;
}

/**
 * Reads request heads with `binding` (one parser reused for every connection: execute() is
 * synchronous).
 */
export function createHeadReader(binding: LlhttpBinding, maxHeaderBytes: number): HeadReader {
  const P = binding.HTTPParser;
  const parser = new P();
  const resource = {};
  // The head's fields as kOnHeadersComplete saw them; head() builds the RequestHead in one
  // literal (a spread of a partial head made V8 build a new hidden class per request).
  let found = false;
  /** The head is one the hot path leaves to node:http: over 32 headers, or not HTTP/1.x. */
  let declined = false;
  let method = '';
  let url = '';
  let headers: readonly string[] = [];
  let minor = 0;
  let keepAlive = false;
  let upgrade = false;
  parser[P.kOnHeaders] = (): void => {
    declined = true;
  };
  parser[P.kOnHeadersComplete] = (
    versionMajor: number,
    versionMinor: number,
    rawHeaders: string[] | undefined,
    methodIndex: number,
    target: string | undefined,
    _status: unknown,
    _message: unknown,
    isUpgrade: boolean,
    isKeepAlive: boolean,
  ): number => {
    // HTTP/0.9 and 2.0, which llhttp reads: node:http's path answers them (505).
    if (versionMajor !== 1) declined = true;
    else if (!declined && rawHeaders !== undefined && target !== undefined) {
      found = true;
      method = binding.methods[methodIndex]!;
      url = target;
      headers = rawHeaders;
      minor = versionMinor;
      keepAlive = isKeepAlive;
      upgrade = isUpgrade && takesUpgrade(versionMinor, rawHeaders);
    }
    return HEAD_STOP;
  };
  parser[P.kOnBody] = parser[P.kOnMessageComplete] = parser[P.kOnExecute] = noop;
  const checker = new P();
  checker[P.kOnHeadersComplete] = () => HEAD_CONTINUE;
  checker[P.kOnHeaders] = checker[P.kOnBody] = checker[P.kOnMessageComplete] = noop;
  checker[P.kOnExecute] = noop;
  return {
    head(buf) {
      found = false;
      declined = false;
      parser.initialize(P.REQUEST, resource, maxHeaderBytes, 0);
      const n = parser.execute(buf);
      if (typeof n !== 'number' || declined) return null;
      if (!found) return PARTIAL;
      const raw = buf.subarray(0, n);
      return { method, url, headers, versionMinor: minor, keepAlive, upgrade, raw };
    },
    wellFormed(buf) {
      checker.initialize(P.REQUEST, resource, maxHeaderBytes, 0);
      return typeof checker.execute(buf) === 'number';
    },
  };
}

function noop(): void {}
