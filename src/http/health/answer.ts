// GET|HEAD /api/health on the public listener, answered straight on the raw server: the shared
// health verdict (wire/views.ts) as JSON, 200 or 503, computed from memory once per change of
// the supervisor's state and per 0.1 s; other methods get 405 without their body being read.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { SupervisorApi } from '../../supervisor/api.js';
import type { UpstreamSource } from '../../upstreams/api.js';
import { healthReport } from '../../wire/views.js';
import { SECURITY_PAIRS } from '../security-headers.js';
import { headLines } from '../wire/head-lines.js';

/** What the health endpoint reads. */
export interface HealthOptions {
  readonly supervisor: SupervisorApi;
  /** Probed upstreams, reported under `upstreams`. */
  readonly upstreams?: UpstreamSource | undefined;
  /** True once the edge is shutting down (reported as `stopping`, 503; connections close). */
  stopping(): boolean;
  /**
   * Changes whenever what the report shows may have changed (a supervisor event, an upstream
   * check). Given, a GET or HEAD answer is computed once per change and per 0.1 s, the
   * resolution of the report's figures, instead of once per request.
   */
  readonly version?: () => number;
}

/** One health answer, kept while its version and 0.1 s tick last. */
interface Answer {
  readonly status: number;
  readonly headers: string[];
  readonly body: string;
  readonly tick: number;
  readonly version: number;
  readonly stopping: boolean;
  /** Its raw forms, by method and keep-alive. */
  readonly raw: Map<string, string>;
}

const kept = new WeakMap<HealthOptions, Answer>();

const JSON_TYPE = 'application/json; charset=utf-8';
const NOT_ALLOWED = '{"error":"method_not_allowed"}';

/** The health answer to `method`: status, header pairs and body (not to be changed). */
function healthAnswer(method: string | undefined, opts: HealthOptions): Answer {
  const stopping = opts.stopping();
  const now = Date.now();
  const report = method === 'GET' || method === 'HEAD';
  const tick = Math.floor(now / 100);
  const version = opts.version?.() ?? -1;
  if (report && version !== -1) {
    const known = kept.get(opts);
    if (known?.tick === tick && known.version === version && known.stopping === stopping) {
      return known;
    }
  }
  let status: number;
  let body: string;
  let headers: string[];
  if (report) {
    const { healthy, report } = healthReport(opts.supervisor, now, stopping, opts.upstreams);
    status = healthy ? 200 : 503;
    body = JSON.stringify(report);
    headers = [...SECURITY_PAIRS, 'cache-control', 'no-store', 'content-type', JSON_TYPE];
  } else {
    status = 405;
    body = NOT_ALLOWED;
    headers = [...SECURITY_PAIRS, 'allow', 'GET, HEAD', 'content-type', JSON_TYPE];
  }
  headers.push('content-length', String(Buffer.byteLength(body)));
  if (stopping) headers.push('connection', 'close');
  const answer: Answer = { status, headers, body, tick, version, stopping, raw: new Map() };
  if (report && version !== -1) kept.set(opts, answer);
  return answer;
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
  const answer = healthAnswer(method, opts);
  const { status, headers, body, stopping } = answer;
  const keep = keepAlive && !stopping;
  const key = keep ? method : `${method} close`;
  const known = answer.raw.get(key);
  if (known !== undefined) return { status, text: known, keepAlive: keep };
  let text = headLines(status, headers);
  // While stopping, healthAnswer's headers already carry `connection: close`.
  if (keep) text += 'connection: keep-alive\r\n';
  else if (!stopping) text += 'connection: close\r\n';
  text += '\r\n';
  if (method !== 'HEAD') text += body;
  answer.raw.set(key, text);
  return { status, text, keepAlive: keep };
}
