// A websocket upgrade's upstream side on the hot path: a fresh connection (never the pool), the
// answer's head read with llhttp; a 101 relayed (server tokens dropped) and the two sockets
// piped raw both ways (no delay, no idle timeout, TCP keep-alive); an answer without switching
// (PocketBase's SSE) relayed byte for byte as the upstream framed it, then closed; a failure
// before the answer 502/503 (504 at the idle timeout). Its access line is written at close.
import { connect, type Socket } from 'node:net';
import { logUpgrade } from '../access-log.js';
import { writeRawResponse, writeRawUpstreamError } from './error-responses.js';
import type { ProxyBinding } from './binding.js';
import { joinTunnel, rawHead, setupSocket } from './relay.js';
import { outcomeOfError } from './upstream-outcome.js';
import {
  HEAD_CONTINUE,
  HEAD_STOP,
  closeParser,
  FlushedHeaders,
  messageEnd,
  type LlhttpParser,
  type ParseError,
} from '../wire/llhttp.js';
import type { HotProxyContext } from './forward.js';

/** What the access line of an upgrade says besides its status. */
export interface TunnelLine {
  readonly path: string;
  readonly label: string;
  readonly ip: string;
  readonly start: number;
}

/** One upgrade: waiting for the upstream's answer, then a tunnel, or a relayed answer. */
export class HotTunnel {
  private readonly upstream: Socket;
  private readonly parser: LlhttpParser;
  private readonly flushed = new FlushedHeaders();
  private headers: string[] = [];
  private statusLine = '';
  /** The upstream's final status (101 once switched), or 502/503/504; 0 while undecided. */
  private status = 0;
  private phase: 'head' | 'tunnel' | 'relay' | 'done' = 'head';
  /** The relayed answer's body is complete. */
  private complete = false;

  constructor(
    private readonly ctx: HotProxyContext,
    private readonly client: Socket,
    private readonly b: ProxyBinding,
    private readonly line: TunnelLine,
    /** Bytes the client sent past its head: the tunnel's first, sent after the 101. */
    private readonly rest: Buffer | null,
  ) {
    const P = ctx.pool.binding.HTTPParser;
    this.parser = new P();
    this.parser.initialize(P.RESPONSE, this, 0, 0);
    this.parser[P.kOnHeaders] = this.flushed.onHeaders;
    this.parser[P.kOnHeadersComplete] = this.onHeadersComplete;
    this.parser[P.kOnBody] = this.parser[P.kOnExecute] = noop;
    this.parser[P.kOnMessageComplete] = this.onMessageComplete;
    const t = b.target;
    this.upstream = connect({ host: t.hostname, port: t.port, noDelay: true });
  }

  /** Sends the upgrade's head upstream; the client waits (paused) for the answer. */
  begin(sent: string): void {
    const c = this.client;
    c.on('close', this.onClientClose);
    c.on('timeout', this.onTimeout);
    this.ctx.state.longLived.add(c);
    const up = this.upstream;
    setupSocket(up);
    up.on('data', this.onUpstreamData);
    up.on('end', this.onUpstreamEnd);
    up.on('error', this.onUpstreamError);
    up.on('close', this.onUpstreamClose);
    up.write(sent, 'latin1');
  }

  private readonly onHeadersComplete = (
    major: number,
    minor: number,
    headers: string[] | undefined,
    _method: unknown,
    _url: unknown,
    status: number,
    message: string,
  ): number => {
    // The relayed answer's framing head: llhttp reads its body on.
    if (this.phase === 'relay') return HEAD_CONTINUE;
    const all = this.flushed.take(headers);
    // Informational answers other than 101 are dropped, as node:http's client drops them.
    if (status < 200 && status !== 101) return HEAD_CONTINUE;
    this.status = status;
    this.headers = all;
    this.statusLine = `HTTP/${major}.${minor} ${status} ${message}`;
    return HEAD_STOP;
  };

  private readonly onMessageComplete = (): void => {
    if (this.phase === 'relay') this.complete = true;
  };

  private readonly onUpstreamData = (chunk: Buffer): void => {
    if (this.phase === 'relay') {
      this.relay(chunk);
      return;
    }
    const n = this.parser.execute(chunk);
    if (typeof n !== 'number') this.failed('EPROTO');
    else if (this.status === 101) this.switched(chunk.subarray(n));
    else if (this.status !== 0) this.answered(chunk.subarray(n));
  };

  /** The upstream switched: its 101 and what came after it go out, then raw both ways. */
  private switched(tail: Buffer): void {
    this.phase = 'tunnel';
    this.ctx.report(this.b.route, 'ok');
    const c = this.client;
    const up = this.upstream;
    setupSocket(c);
    up.off('data', this.onUpstreamData);
    c.cork();
    c.write(rawHead('HTTP/1.1 101 Switching Protocols', this.headers), 'latin1');
    if (tail.length > 0) c.write(tail);
    c.uncork();
    if (this.rest !== null) up.write(this.rest);
    joinTunnel(up, c);
  }

  /**
   * The upstream answered without switching: its head goes out with Connection: close, its
   * body as the upstream framed it, read with llhttp only to find where it ends.
   */
  private answered(tail: Buffer): void {
    this.phase = 'relay';
    this.ctx.report(this.b.route, 'ok');
    const c = this.client;
    setupSocket(c);
    // The client's bytes are of no use now; reading on shows when it goes away.
    c.once('end', () => c.destroy());
    c.resume();
    c.write(rawHead(this.statusLine, this.headers, true), 'latin1');
    // Connection: close makes llhttp refuse any byte after the body: that is where it ends.
    let framing = `HTTP/1.1 ${this.status} -\r\nConnection: close\r\n`;
    const h = this.headers;
    for (let i = 0; i < h.length; i += 2) {
      const lower = h[i]!.toLowerCase();
      if (lower === 'content-length' || lower === 'transfer-encoding') {
        framing += `${h[i]}: ${h[i + 1]}\r\n`;
      }
    }
    const P = this.ctx.pool.binding.HTTPParser;
    this.parser.initialize(P.RESPONSE, this, 0, 0);
    this.relay(Buffer.from(`${framing}\r\n`, 'latin1'), false);
    if (tail.length > 0 && this.phase === 'relay') this.relay(tail);
  }

  /**
   * Relays body bytes (`send` false: only frames them), never a byte the upstream sent after
   * the body; ends the client once complete.
   */
  private relay(chunk: Buffer, send = true): void {
    const n = this.parser.execute(chunk);
    const c = this.client;
    if (typeof n !== 'number' && !this.complete) {
      c.destroy();
      return;
    }
    const body = typeof n === 'number' ? chunk : chunk.subarray(0, messageEnd(n as ParseError));
    const ok = send ? c.write(body) : true;
    if (this.complete) {
      this.phase = 'done';
      c.end();
      this.upstream.destroy();
    } else if (!ok) {
      const up = this.upstream;
      up.pause();
      c.once('drain', () => up.resume());
    }
  }

  private readonly onUpstreamEnd = (): void => {
    if (this.phase === 'head') this.failed('ECONNRESET');
    else if (this.phase === 'relay') {
      // A body delimited by the close ends here; any other is cut short.
      this.parser.finish();
      if (this.complete) this.client.end();
      else this.client.destroy();
      this.phase = 'done';
    }
  };

  private readonly onUpstreamError = (err: NodeJS.ErrnoException): void => {
    if (this.phase === 'head') this.failed(err.code);
    else this.client.destroy();
  };

  private readonly onUpstreamClose = (): void => {
    // The parser reads the upstream's bytes only: none come after this.
    closeParser(this.parser);
    if (this.phase === 'head') this.failed('ECONNRESET');
    else if (this.phase === 'tunnel') this.client.end();
    else if (this.phase === 'relay') this.client.destroy();
  };

  /** The upstream failed before answering: 502, or 503 when its program is not up. */
  private failed(code: string | undefined): void {
    if (this.phase !== 'head') return;
    this.phase = 'done';
    this.upstream.destroy();
    this.ctx.report(this.b.route, outcomeOfError(code));
    if (this.client.destroyed) return;
    const view = this.b.view;
    const status = view !== null && !view.up ? 503 : 502;
    this.status = status;
    writeRawUpstreamError(this.client, status, view);
  }

  /** The client's idle timeout, before the upstream answered: 504. */
  private readonly onTimeout = (): void => {
    if (this.phase !== 'head') return;
    this.phase = 'done';
    this.upstream.destroy();
    this.ctx.report(this.b.route, 'timeout');
    this.status = 504;
    writeRawResponse(this.client, 504, '{"error":"upstream_timeout"}');
  };

  private readonly onClientClose = (): void => {
    this.phase = 'done';
    this.ctx.state.longLived.delete(this.client);
    this.upstream.destroy();
    const log = this.ctx.access();
    const l = this.line;
    if (log !== null) logUpgrade(log, 'GET', l.path, this.status, l.start, l.label, l.ip);
  };
}

function noop(): void {}
