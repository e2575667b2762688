// GET|HEAD /api/health on the public listener, answered straight on the raw server: the shared
// health verdict (wire/views.ts) as JSON, 200 or 503, computed from memory on each
// request; other methods get 405 without their body being read.
import type { IncomingMessage, ServerResponse } from 'node:http';
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

/** Answers one request on the health path. */
export function answerHealth(req: IncomingMessage, res: ServerResponse, opts: HealthOptions): void {
  const method = req.method;
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
  res.writeHead(status, headers);
  res.end(method === 'HEAD' ? undefined : body);
}
