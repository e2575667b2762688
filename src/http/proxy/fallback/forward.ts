// Forwarding on proxy routes: max_body, X-Forwarded-* headers, strip_prefix, the program gate
// (503 while not ready, `hold` while restarting), retries of requests an upstream never saw,
// and writing the upstream's response back (filtered headers, compression, SSE, early death).
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { Transform, Writable } from 'node:stream';
import type { EventLogger } from '../../../supervisor/api.js';
import { BodyLimiter } from '../body-limit.js';
import { isEventStream } from '../../encoding.js';
import {
  encoderFor,
  Exchange,
  kExchange,
  prepareHeaders,
  retarget,
  Upgrade,
  type ExchangeRequest,
} from './exchange.js';
import type { EdgeState, ForwardSettings, ProxyBinding } from '../binding.js';
import {
  sendJson,
  sendTooLarge,
  sendUpstreamError,
  writeRawResponse,
  writeRawUpstreamError,
} from '../error-responses.js';
import type { UpstreamProxy } from './undici.js';
import { forwardHead } from '../response-headers.js';
import { stripPrefix } from '../../routes.js';
import { afterFailure, holdLeft } from '../attempts.js';
import {
  outcomeOfError,
  type UpstreamOutcome,
  type UpstreamOutcomeSink,
} from '../upstream-outcome.js';
import type { ProgramView, UpstreamStates } from '../upstream-state.js';

/** Forwards requests and upgrades on proxy routes. */
export class Forwarder {
  constructor(
    private readonly proxy: UpstreamProxy,
    private readonly states: UpstreamStates,
    private readonly state: EdgeState,
    private readonly log: Pick<EventLogger, 'debug'>,
    public settings: ForwardSettings,
    private readonly onOutcome: UpstreamOutcomeSink | undefined = undefined,
  ) {}

  /**
   * @internal The one place the outcome of an exchange with an upstream is known: it goes to
   * the sink once per request or upgrade.
   */
  report(ex: { reported: boolean; b: ProxyBinding }, outcome: UpstreamOutcome): void {
    if (ex.reported) return;
    ex.reported = true;
    this.onOutcome?.(ex.b.route, outcome);
  }

  /**
   * A proxied request went quiet past the idle timeout: its upstream call is aborted and it is
   * answered 504 (408 when the client had not finished sending it).
   */
  timedOut(res: ServerResponse): void {
    const req = res.req as ExchangeRequest;
    if (!req.complete) {
      sendJson(res, 408, '{"error":"request_timeout"}', [], true);
      return;
    }
    this.proxy.abort(req);
    const ex = req[kExchange];
    if (ex) this.report(ex, 'timeout');
    sendJson(res, 504, '{"error":"upstream_timeout"}', [], true);
  }

  /** Handles one request on a proxy route. */
  handle(req: IncomingMessage, res: ServerResponse, b: ProxyBinding): void {
    const refused = retarget(req, b);
    if (refused) return sendJson(res, refused.status, refused.body);
    const h = req.headers;
    const length = h['content-length'];
    let body: BodyLimiter | undefined;
    if (length !== undefined) {
      if (Number(length) > this.settings.maxBody) {
        sendTooLarge(res);
        return;
      }
    } else if (h['transfer-encoding'] !== undefined) {
      body = new BodyLimiter(this.settings.maxBody, () => this.tooLarge(ex));
    }
    prepareHeaders(req);
    if (b.route.stripPrefix) req.url = stripPrefix(req.url ?? '/', b.route.path);
    const bodyless = body === undefined && (length === undefined || length === '0');
    const ex = new Exchange(this, req, res, b, bodyless, body);
    (req as ExchangeRequest)[kExchange] = ex;
    const view = b.view;
    if (view !== null && !view.up) this.hold(ex);
    else this.send(ex);
  }

  /**
   * Handles one upgrade request on a proxy route (the caller has put an error listener on
   * `socket`); returns its progress (status 101 once the
   * upstream switched protocols), or undefined when the route takes no websockets (404).
   */
  upgrade(
    req: IncomingMessage,
    socket: Socket,
    head: Buffer,
    b: ProxyBinding,
  ): { readonly status: number } | undefined {
    if (!b.route.websocket) {
      writeRawResponse(socket, 404, '{"error":"not_found"}');
      return undefined;
    }
    const refused = retarget(req, b);
    if (refused) {
      writeRawResponse(socket, refused.status, refused.body);
      return undefined;
    }
    prepareHeaders(req);
    if (b.route.stripPrefix) req.url = stripPrefix(req.url ?? '/', b.route.path);
    const up = new Upgrade(this, req, socket, head, b);
    const view = b.view;
    if (view !== null && !view.up) this.holdUpgrade(up);
    else this.proxy.ws(req, socket, head, b.target, up);
    return up;
  }

  /**
   * @internal Writes the upstream's response head to the client; returns where its body goes
   * (the response, or a compressor in front of it), or null to drop it.
   */
  respond(ex: Exchange, status: number, headers: string[]): Writable | null {
    const { req, res } = ex;
    this.report(ex, 'ok');
    if (ex.limited || res.headersSent || res.destroyed) return null;
    const head = forwardHead(headers, status);
    const sse = isEventStream(head.contentType);
    let encoder: Transform | undefined;
    if (sse) {
      // No idle timeout on an event stream; TCP keep-alive finds clients that vanished.
      const socket = req.socket as Socket | null;
      socket?.setTimeout(0);
      socket?.setKeepAlive(true, 60_000);
      socket?.setNoDelay(true);
      this.state.longLived.add(res);
      res.once('close', () => this.state.longLived.delete(res));
    } else if (this.settings.compress) {
      encoder = encoderFor(req, status, head);
    }
    if (this.state.closing) head.headers.push('Connection', 'close');
    try {
      res.writeHead(status, head.headers);
    } catch (err) {
      this.log.debug({ program: ex.b.route.label, err: String(err) }, 'bad upstream response');
      sendUpstreamError(res, 502, ex.b.view, this.state.closing);
      return null;
    }
    if (sse) res.flushHeaders();
    if (!encoder) return res;
    encoder.on('error', () => res.destroy());
    encoder.pipe(res);
    return encoder;
  }

  /** @internal The upstream failed for `ex`: retry, hold, or answer 502/503. */
  failed(ex: Exchange, err: NodeJS.ErrnoException, retryable: boolean): void {
    const { req, res } = ex;
    if (ex.limited) return;
    if (res.headersSent || res.destroyed) {
      res.destroy();
      return;
    }
    const code = err.code;
    const view = ex.b.view;
    this.log.debug(
      { program: ex.b.route.label, code, attempt: ex.retries + 1 },
      'upstream request failed',
    );
    // The client's socket is detached (null) once its response is done with it.
    const socket = req.socket as Socket | null;
    if (socket !== null && !socket.destroyed) {
      const failure = { code, method: req.method ?? '', bodyless: ex.bodyless, retryable };
      const next = afterFailure(ex, failure, ex.b.route, view, this.states);
      if (next === 'send') return this.send(ex);
      if (next === 'hold') return this.hold(ex);
    }
    this.report(ex, outcomeOfError(code));
    this.unavailable(ex);
  }

  /** @internal The upstream of a websocket failed. */
  upgradeFailed(up: Upgrade, err: NodeJS.ErrnoException): void {
    this.log.debug({ program: up.b.route.label, code: err.code }, 'upstream upgrade failed');
    if (up.upgraded || up.socket.destroyed) {
      up.socket.destroy();
      return;
    }
    this.report(up, outcomeOfError(err.code));
    const view = up.b.view;
    const status = view !== null && !view.up ? 503 : 502;
    up.status = status;
    writeRawUpstreamError(up.socket, status, view);
  }

  private send(ex: Exchange): void {
    const body = ex.body;
    if (body) {
      ex.body = undefined;
      ex.req.pipe(body);
    }
    if (ex.b.view) ex.epoch = ex.b.view.epoch;
    this.proxy.web(ex.req, ex.res, ex.b.target, body, ex);
  }

  /** Waits (bounded by the route's hold) for the program to turn up, then sends; else 503. */
  private hold(ex: Exchange): void {
    const view = ex.b.view!;
    const left = this.holdLeft(ex, view);
    if (left > 0) {
      const cancel = this.states.waitReady(view, left, (ready) => {
        if (ex.res.destroyed) return;
        if (ready) this.send(ex);
        else this.unavailable(ex);
      });
      if (cancel) {
        ex.res.once('close', cancel);
        return;
      }
    }
    this.unavailable(ex);
  }

  private holdUpgrade(up: Upgrade): void {
    const view = up.b.view!;
    const left = this.holdLeft(up, view);
    if (left > 0) {
      const cancel = this.states.waitReady(view, left, (ready) => {
        if (up.socket.destroyed) return;
        if (ready) this.proxy.ws(up.req, up.socket, up.head, up.b.target, up);
        else this.refuseUpgrade(up, view);
      });
      if (cancel) {
        up.socket.once('close', cancel);
        return;
      }
    }
    this.refuseUpgrade(up, view);
  }

  private refuseUpgrade(up: Upgrade, view: ProgramView): void {
    up.status = 503;
    writeRawUpstreamError(up.socket, 503, view);
  }

  private holdLeft(ex: { holdDeadline: number; b: ProxyBinding }, view: ProgramView): number {
    return holdLeft(ex, ex.b.route, view, this.states);
  }

  private unavailable(ex: Exchange): void {
    const view = ex.b.view;
    sendUpstreamError(ex.res, view !== null && !view.up ? 503 : 502, view, this.state.closing);
  }

  private tooLarge(ex: Exchange): void {
    ex.limited = true;
    this.proxy.abort(ex.req);
    ex.req.unpipe();
    ex.req.resume();
    sendTooLarge(ex.res);
  }
}
