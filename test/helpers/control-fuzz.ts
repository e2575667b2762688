// Generators and checks for fuzzing the control socket (fast-check): requests with random
// methods, paths, queries and JSON (or not-JSON) bodies, sent as HTTP over a unix socket.
import { request } from 'node:http';
import fc from 'fast-check';
import { expect } from 'vitest';
import { ROUTES } from '../../src/control/protocol.js';

export interface Answer {
  status: number;
  contentType: string;
  body: string;
}

/** One request over the socket; a streaming answer (logs follow) is cut after its head. */
export function send(
  socketPath: string,
  method: string,
  path: string,
  body: string | undefined,
  contentType: string | undefined,
  timeoutMs = 2_000,
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request({ socketPath, method, path, agent: false }, (res) => {
      const type = String(res.headers['content-type'] ?? '');
      const status = res.statusCode ?? 0;
      if (type.includes('ndjson')) {
        res.destroy();
        resolve({ status, contentType: type, body: '' });
        return;
      }
      let text = '';
      res.setEncoding('utf8').on('data', (d: string) => (text += d));
      res.on('end', () => resolve({ status, contentType: type, body: text }));
      res.on('error', reject);
    });
    req.setTimeout(timeoutMs, () => req.destroy(new Error(`${method} ${path} hung`)));
    req.on('error', reject);
    if (contentType !== undefined) req.setHeader('content-type', contentType);
    // Well-framed HTTP (node sends a DELETE's body unframed): the API is what is fuzzed here.
    if (body !== undefined) req.setHeader('content-length', Buffer.byteLength(body));
    req.end(body);
  });
}

const NAMES = ['redis', 'backend', 'init', 'all', 'nope', '', ' ', 'a/b', '../x', 'é'];
// Methods llhttp knows (an unknown one is a framing error, answered before any route).
const METHODS = ['GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'HEAD', 'OPTIONS', 'PROPFIND', 'PURGE'];
const PATHS = [...Object.values(ROUTES).filter((p) => p !== ROUTES.SHUTDOWN), '/', '/v1', '/v2/x'];

const query = fc
  .array(
    fc.tuple(
      fc.constantFrom('name', 'limit', 'lines', 'stream', 'x', 'name[]'),
      fc.oneof(
        fc.constantFrom(...NAMES, '-1', '0', '1e9', 'abc', 'stdout', 'stderr', '5'),
        fc.string({ maxLength: 6 }),
      ),
    ),
    { maxLength: 4 },
  )
  .map((pairs) =>
    pairs.length === 0
      ? ''
      : `?${pairs.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join('&')}`,
  );

const path = fc.oneof(
  fc.tuple(fc.constantFrom(...PATHS), query).map(([p, q]) => p + q),
  fc.string({ maxLength: 12 }).map((s) => `/${encodeURIComponent(s)}`),
);

const jsonBody = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }),
  fc.record(
    {
      names: fc.oneof(
        fc.array(fc.oneof(fc.constantFrom(...NAMES), fc.jsonValue({ maxDepth: 1 })), {
          maxLength: 3,
        }),
        fc.jsonValue({ maxDepth: 1 }),
      ),
      signal: fc.oneof(fc.constantFrom('HUP', 'SIGUSR1', 'KILL', '9', 'NOPE', ''), fc.integer()),
      timeout_ms: fc.oneof(fc.integer(), fc.double(), fc.string({ maxLength: 3 })),
    },
    { requiredKeys: [] },
  ),
);

const body = fc.oneof(
  fc.constant(undefined),
  jsonBody.map((v) => JSON.stringify(v)),
  fc.constantFrom('{', '[1,', 'null', '"x"', '{"names":', '\u0000', 'not json'),
  fc.string({ maxLength: 40 }),
);

export const contentType = fc.constantFrom(
  'application/json',
  'application/json; charset=utf-8',
  'text/plain',
  'application/x-www-form-urlencoded',
  undefined,
);

/** The property: a 2xx, or a 4xx with `{ error: { code, message } }`. */
export function checkAnswer(a: Answer, method: string): void {
  expect(a.status, a.body).toBeGreaterThanOrEqual(200);
  expect(a.status, a.body).toBeLessThan(500);
  if (a.status < 400 || method === 'HEAD') return;
  const parsed = JSON.parse(a.body) as { error?: { code?: unknown; message?: unknown } };
  expect(parsed.error?.code).toMatch(/^APPOS_ERR_[A-Z_]+$/);
  expect(typeof parsed.error?.message).toBe('string');
}

const GETS = [ROUTES.STATUS, ROUTES.JOURNAL, ROUTES.LOGS, ROUTES.LOGS_FOLLOW, ROUTES.HEALTH];
const POSTS = [ROUTES.START, ROUTES.STOP, ROUTES.RESTART, ROUTES.SIGNAL, ROUTES.RELOAD];

/** Mostly each route with its own method (so handlers run), sometimes anything at all. */
export const requestArb = fc.oneof(
  {
    weight: 3,
    arbitrary: fc
      .tuple(fc.constantFrom(...GETS, ROUTES.VERSION), query)
      .map(([p, q]) => ({ method: 'GET', path: p + q, body: undefined as string | undefined })),
  },
  {
    weight: 3,
    arbitrary: fc
      .tuple(fc.constantFrom(...POSTS), query, body)
      .map(([p, q, b]) => ({ method: 'POST', path: p + q, body: b })),
  },
  {
    weight: 2,
    arbitrary: fc.tuple(fc.constantFrom(...METHODS), path, body).map(([method, p, b]) => ({
      method,
      path: p,
      body: method === 'GET' || method === 'HEAD' ? undefined : b,
    })),
  },
);
