// Response heads on the hot path that llhttp's binding hands over in pieces: past 32 header
// fields it flushes them before the head completes (kOnHeaders) and gives the head none, as it
// does with a chunked body's trailers. Such an answer is relayed whole and at once, and trailers
// never leak into the next answer on the same upstream connection.
import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { send } from '../helpers/http-client.js';
import {
  closeServer,
  httpConfig,
  listenLoopback,
  startEdge,
  type TestEdge,
} from '../helpers/http-edge.js';
import { countNodeHttp } from '../helpers/node-http-events.js';

/** More header fields than the binding hands over in one piece (32). */
const FIELDS = 40;

let upstream: Server;
let t: TestEdge;
const events = countNodeHttp((server) => server !== upstream);

beforeAll(async () => {
  upstream = createServer((req, res) => {
    if (req.url === '/api/trailers') {
      res.writeHead(200, { 'content-type': 'text/plain', trailer: 'x-digest' });
      res.write('part');
      res.addTrailers({ 'x-digest': 'abc' });
      res.end();
      return;
    }
    for (let i = 0; i < FIELDS; i++) res.setHeader(`x-h${i}`, `v${i}`);
    res.setHeader('set-cookie', ['a=1', 'b=2', 'c=3']);
    res.setHeader('content-type', 'application/json');
    res.end('{"many":true}');
  });
  const port = await listenLoopback(upstream);
  t = await startEdge(httpConfig([{ path: '/api', upstream: `http://127.0.0.1:${port}` }]));
});

afterAll(async () => {
  events.restore();
  await t?.close();
  await closeServer(upstream);
});

describe('response heads llhttp flushes in pieces', () => {
  it('relays an answer with more than 32 header fields whole, on the hot path', async () => {
    const before = events.counts.request;
    const r = await send(`${t.base}/api/many`, { timeoutMs: 5_000 });
    expect(r.status).toBe(200);
    expect(r.json()).toEqual({ many: true });
    for (let i = 0; i < FIELDS; i++) expect(r.headers[`x-h${i}`]).toBe(`v${i}`);
    expect(r.headers['set-cookie']).toEqual(['a=1', 'b=2', 'c=3']);
    expect(r.headers['x-content-type-options']).toBe('nosniff');
    expect(events.counts.request - before).toBe(0);
    expect(t.logs.filter((l) => l.level === 'error')).toEqual([]);
  });

  it('keeps a chunked answer’s trailers out of the next answer on the connection', async () => {
    const first = await send(`${t.base}/api/trailers`, { timeoutMs: 5_000 });
    expect(first.status).toBe(200);
    expect(first.text()).toBe('part');
    const next = await send(`${t.base}/api/many`, { timeoutMs: 5_000 });
    expect(next.status).toBe(200);
    expect(next.headers['x-digest']).toBeUndefined();
    expect(next.headers[`x-h${FIELDS - 1}`]).toBe(`v${FIELDS - 1}`);
    expect(Object.keys(next.headers).filter((k) => k.startsWith('x-h'))).toHaveLength(FIELDS);
  });
});
