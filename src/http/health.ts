// GET|HEAD /api/health on the public listener, answered straight on the raw server: the shared
// health verdict (wire/views.ts) as JSON, 200 or 503, computed from memory on each
// request; other methods get 405 without their body being read.
import { STATUS_CODES, type IncomingMessage, type ServerResponse } from 'node:http';
import type { SupervisorApi } from '../supervisor/api.js';
import type { UpstreamSource } from '../upstreams/api.js';
import { healthReport } from '../wire/views.js';
import { SECURITY_HEADERS } from './security-headers.js';

/** What the health endpoint reads. */
export interface HealthOptions {
  readonly supervisor: SupervisorApi;
  /** Probed upstreams, reported under `upstreams`. */
  readonly upstreams?: UpstreamSource | undefined;
  /** True once the edge is shutting down (reported as `stopping`, 503; connections close). */
  stopping(): boolean;
}

const JSON_TYPE = 'application/json; charset=utf-8';
const NOT_ALLOWED = '{"error":"method_not_allowed"}';
const SECURITY_FLAT: readonly string[] = SECURITY_HEADERS.flat();

/** The health answer to `method`: status, header pairs and body. */
function healthAnswer(
  method: string | undefined,
  opts: HealthOptions,
): { status: number; headers: string[]; body: string } {
  const stopping = opts.stopping();
  let status: number;
  let body: string;
  let headers: string[];
  if (method === 'GET' || method === 'HEAD') {
    const { healthy, report } = healthReport(opts.supervisor, Date.now(), stopping, opts.upstreams);
    status = healthy ? 200 : 503;
    body = JSON.stringify(report);
    headers = [...SECURITY_FLAT, 'cache-control', 'no-store', 'content-type', JSON_TYPE];
  } else {
    status = 405;
    body = NOT_ALLOWED;
    headers = [...SECURITY_FLAT, 'allow', 'GET, HEAD', 'content-type', JSON_TYPE];
  }
  headers.push('content-length', String(Buffer.byteLength(body)));
  if (stopping) headers.push('connection', 'close');
  return { status, headers, body };
}

/** Answers one request on the health path. */
export function answerHealth(req: IncomingMessage, res: ServerResponse, opts: HealthOptions): void {
  const { status, headers, body } = healthAnswer(req.method, opts);
  res.writeHead(status, headers);
  res.end(req.method === 'HEAD' ? undefined : body);
}

/**
 * The whole health response to `method` (GET or HEAD) as one string for a raw socket, with its
 * status; `keepAlive` false closes the connection after it.
 */
export function rawHealth(
  method: string,
  opts: HealthOptions,
  keepAlive: boolean,
): { status: number; text: string; keepAlive: boolean } {
  const { status, headers, body } = healthAnswer(method, opts);
  const stopping = opts.stopping();
  const keep = keepAlive && !stopping;
  let text = `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\n`;
  for (let i = 0; i < headers.length; i += 2) text += `${headers[i]}: ${headers[i + 1]}\r\n`;
  // While stopping, healthAnswer's headers already carry `connection: close`.
  if (keep) text += 'connection: keep-alive\r\n';
  else if (!stopping) text += 'connection: close\r\n';
  text += '\r\n';
  if (method !== 'HEAD') text += body;
  return { status, text, keepAlive: keep };
}
