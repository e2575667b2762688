// One proxied request or websocket upgrade in flight on node:http (what the forwarder keeps per
// exchange), and the per-request helpers: X-Forwarded-* headers and the response encoder.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { Transform, Writable } from 'node:stream';
import type { BodyLimiter } from '../body-limit.js';
import { createEncoder, responseEncoding } from '../encoder.js';
import type { Forwarder } from './forward.js';
import type { ProxyExchange, UpgradeExchange } from './undici.js';
import type { ForwardHead } from '../response-headers.js';
import { proxyTarget, type Refusal } from '../../wire/request-target.js';
import type { ProxyBinding } from '../binding.js';

/** Where a proxied request keeps its exchange (for the idle timeout's 504). */
export const kExchange = Symbol('apposd.exchange');

/** A request on a proxy route. */
export interface ExchangeRequest extends IncomingMessage {
  [kExchange]?: Exchange;
}

/**
 * The compressor for an upstream response whose head is `head` (marked encoded, or given a
 * Vary when it stays plain), or undefined when it is not worth or not allowed compressing.
 */
export function encoderFor(
  req: IncomingMessage,
  status: number,
  head: ForwardHead,
): Transform | undefined {
  const encoding = responseEncoding(req.method, status, head, req.headers['accept-encoding']);
  return encoding === null ? undefined : createEncoder(encoding);
}

/**
 * Sets `req.url` to the target forwarded on `b`'s route (dot segments removed); returns the
 * refusal instead when there is none inside the route's prefix.
 */
export function retarget(req: IncomingMessage, b: ProxyBinding): Refusal | undefined {
  const target = proxyTarget(req.url ?? '/', b.route.path);
  if (typeof target !== 'string') return target;
  req.url = target;
  return undefined;
}

/** Adds X-Forwarded-For/-Proto/-Host and X-Real-IP (undici.ts drops the hop-by-hop headers). */
export function prepareHeaders(req: IncomingMessage): void {
  const h = req.headers;
  const ip = req.socket.remoteAddress ?? '';
  const prior = h['x-forwarded-for'];
  h['x-forwarded-for'] = prior ? `${prior}, ${ip}` : ip;
  h['x-forwarded-proto'] = 'http';
  h['x-forwarded-host'] = h.host ?? '';
  h['x-real-ip'] = ip;
}

/** One proxied request: its retries, hold deadline and body limiter. */
export class Exchange implements ProxyExchange {
  retries = 0;
  /** Epoch ms the hold budget ends; 0 until the first wait. */
  holdDeadline = 0;
  /** The program's epoch when the request was last sent. */
  epoch = 0;
  limited = false;
  /** The outcome went to the sink: nothing more is reported for this request. */
  reported = false;

  constructor(
    readonly fwd: Forwarder,
    readonly req: IncomingMessage,
    readonly res: ServerResponse,
    readonly b: ProxyBinding,
    readonly bodyless: boolean,
    public body: BodyLimiter | undefined,
  ) {}

  onUpstreamResponse(status: number, headers: string[]): Writable | null {
    return this.fwd.respond(this, status, headers);
  }

  onUpstreamError(err: NodeJS.ErrnoException, retryable: boolean): void {
    this.fwd.failed(this, err, retryable);
  }
}

/** One websocket upgrade: its hold deadline and what became of it. */
export class Upgrade implements UpgradeExchange {
  upgraded = false;
  holdDeadline = 0;
  /** 101 once switched, 502/503 when refused, 0 while undecided. */
  status = 0;
  reported = false;

  constructor(
    readonly fwd: Forwarder,
    readonly req: IncomingMessage,
    readonly socket: Socket,
    readonly head: Buffer,
    readonly b: ProxyBinding,
  ) {}

  onUpgraded(): void {
    this.upgraded = true;
    this.status = 101;
    this.fwd.report(this, 'ok');
  }

  onUpstreamError(err: NodeJS.ErrnoException): void {
    this.fwd.upgradeFailed(this, err);
  }
}
