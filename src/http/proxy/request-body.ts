// A request body on the hot path: read from the client as it arrives (the connection feeds it),
// counted (Content-Length, relayed as read) or framed by llhttp (chunked, sent on chunked again,
// trailers dropped), written to the upstream with backpressure both ways, held to max_body.
import type { Socket } from 'node:net';
import { clientErrorStatus, handleClientError } from '../wire/client-errors.js';
import { writeRawTooLarge } from './error-responses.js';
import type { BodySink } from '../wire/connection.js';
import {
  HEAD_CONTINUE,
  closeParser,
  type LlhttpBinding,
  type LlhttpParser,
  messageEnd,
  type ParseError,
} from '../wire/llhttp.js';
import { LARGE_BODY_BYTES, bodyRead, collectReads } from '../wire/read-garbage.js';

/** A chunked body's length as the dispatcher passes it. */
export const CHUNKED = -1;

/**
 * The head a chunked body is framed under: after its end llhttp refuses any byte (data after
 * `Connection: close`), which tells where the body ended in the bytes fed.
 */
const FRAME_HEAD = Buffer.from(
  'POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n',
  'latin1',
);
const LAST_CHUNK = Buffer.from('0\r\n\r\n', 'latin1');
const CRLF = Buffer.from('\r\n', 'latin1');

/** A request's body as the dispatcher found it: its length (or CHUNKED), and Expect. */
export interface BodyFrame {
  readonly length: number;
  readonly expectContinue: boolean;
}

/** What a body is held to (the hot exchanges' context has it). */
export interface BodyLimits {
  readonly pool: { readonly binding: LlhttpBinding };
  /** http.max_body now. */
  readonly maxBody: () => number;
  /** The largest head (and trailers) a request may have. */
  readonly maxHeaderBytes: number;
}

/** What the exchange does when its body is refused (past max_body 413, a bad chunk 400). */
export interface BodyEvents {
  /** Answers `status` by `write` in place of the upstream, and closes. */
  refuse(status: number, write: () => void): void;
}

/** One request's body on its way upstream. */
export class RequestBody implements BodySink {
  /** Bytes of a Content-Length body still to come (CHUNKED: llhttp frames it). */
  private left: number;
  private readonly parser: LlhttpParser | null = null;
  /** Body bytes seen (decoded, for a chunked body). */
  private seen = 0;
  /** Bytes read from the client for this body (as framed). */
  private read = 0;
  /** llhttp saw the chunked body's end. */
  private ended = false;
  /** Where the bytes go; null before the upstream is known and once the body is dropped. */
  private up: Socket | null = null;
  private dropped = false;
  /** The client is paused until the upstream drains. */
  private waiting = false;
  /** All of the body was read (and passed on). */
  complete = false;

  private readonly maxBody: number;

  constructor(
    private readonly client: Socket,
    length: number,
    limits: BodyLimits,
    private readonly events: BodyEvents,
  ) {
    this.left = length;
    this.maxBody = limits.maxBody();
    if (length !== CHUNKED) return;
    const P = limits.pool.binding.HTTPParser;
    const parser = new P();
    parser[P.kOnHeaders] = parser[P.kOnExecute] = noop;
    parser[P.kOnHeadersComplete] = () => HEAD_CONTINUE;
    parser[P.kOnBody] = this.onChunk;
    parser[P.kOnMessageComplete] = () => {
      this.ended = true;
    };
    parser.initialize(P.REQUEST, {}, limits.maxHeaderBytes, 0);
    parser.execute(FRAME_HEAD);
    this.parser = parser;
  }

  /** The body goes to `socket` from now on. */
  attach(socket: Socket): void {
    this.up = socket;
  }

  /** Nothing more goes upstream (the request was abandoned or answered). */
  drop(): void {
    this.free();
    this.dropped = true;
    if (this.waiting) this.up?.off('drain', this.onDrain);
    this.waiting = false;
    this.up = null;
  }

  feed(chunk: Buffer): number {
    this.read += chunk.length;
    bodyRead(chunk.length);
    if (this.dropped) return chunk.length;
    if (this.parser === null) {
      const take = Math.min(this.left, chunk.length);
      this.left -= take;
      this.write(take === chunk.length ? chunk : chunk.subarray(0, take));
      if (this.left > 0) return -1;
      this.completed();
      return take;
    }
    const n = this.parser.execute(chunk);
    if (this.dropped) return chunk.length;
    if (typeof n !== 'number') {
      if (!this.ended) {
        this.drop();
        const err = n as NodeJS.ErrnoException;
        this.events.refuse(clientErrorStatus(err.code), () => handleClientError(err, this.client));
        return chunk.length;
      }
      this.last();
      return messageEnd(n as ParseError);
    }
    if (!this.ended) return -1;
    this.last();
    return n;
  }

  private last(): void {
    this.write(LAST_CHUNK);
    this.completed();
  }

  private completed(): void {
    this.free();
    this.complete = true;
    if (this.read >= LARGE_BODY_BYTES) collectReads();
  }

  private readonly onChunk = (chunk: Buffer): void => {
    if (this.dropped) return;
    this.seen += chunk.length;
    if (this.seen > this.maxBody) {
      this.drop();
      this.events.refuse(413, () => writeRawTooLarge(this.client));
      return;
    }
    const up = this.up;
    if (up === null) return;
    up.cork();
    up.write(`${chunk.length.toString(16)}\r\n`, 'latin1');
    up.write(chunk);
    this.write(CRLF);
    up.uncork();
  };

  /**
   * The chunked body's parser is done with: called as the body ends or is dropped, before either
   * is marked, it closes the parser on the first of the two only.
   */
  private free(): void {
    if (this.parser !== null && !this.complete && !this.dropped) closeParser(this.parser);
  }

  private write(bytes: Buffer): void {
    const up = this.up;
    if (up === null || up.write(bytes) || this.waiting) return;
    this.waiting = true;
    this.client.pause();
    up.once('drain', this.onDrain);
  }

  private readonly onDrain = (): void => {
    this.waiting = false;
    if (!this.complete && !this.dropped) this.client.resume();
  };
}

function noop(): void {}
