// Upstream answers on the hot path that llhttp's binding hands over in unusual ways. Past 32
// header fields it flushes them before the head completes (kOnHeaders) and gives the head none,
// as it does with a chunked body's trailers: such an answer is relayed whole and at once, and
// trailers never leak into the next answer on the same upstream connection. Bytes after a whole
// answer (a 204 sent with a body) make llhttp fail on what follows: the answer still reaches the
// client, as nginx relays it, and the connection is not reused. A transfer coding beside or in
// place of chunked is 502 on both paths, as nginx answers: its bytes cannot go on as coded.
import { createServer, type Server } from 'node:http';
import { createServer as createNetServer, type Server as NetServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { send } from '../helpers/http-client.js';
import { startEdgeTo, type TestEdge } from '../helpers/http-edge.js';
import { countNodeHttp } from '../helpers/node-http-events.js';

/** More header fields than the binding hands over in one piece (32). */
const FIELDS = 40;

let upstream: Server;
/** Answers each request with the raw bytes its path names, in one write. */
let raw: NetServer;
let t: TestEdge;

const RAW: Record<string, string> = {
  '/raw/204-with-body': 'HTTP/1.1 204 No Content\r\nContent-Length: 5\r\n\r\nhello',
  '/raw/chunked-then-junk':
    'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n\r\nJUNK\r\n\r\n',
  '/raw/plain': 'HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nplain',
  '/raw/gzip': 'HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\ncoded',
  '/raw/gzip-chunked':
    'HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n5\r\ncoded\r\n0\r\n\r\n',
};
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
  raw = createNetServer((c) => {
    c.on('error', () => undefined);
    c.on('data', (d) => c.write(RAW[d.toString('latin1').split(' ')[1]!] ?? ''));
  });
  await new Promise<void>((r) => raw.listen(0, '127.0.0.1', r));
  const rawPort = (raw.address() as { port: number }).port;
  t = await startEdgeTo(upstream, (origin) => [
    { path: '/api', upstream: origin },
    { path: '/raw', upstream: `http://127.0.0.1:${rawPort}` },
  ]);
});

afterAll(async () => {
  events.restore();
  await t?.close();
  await new Promise((r) => raw?.close(r));
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

describe('bytes after a whole answer', () => {
  it('relays a 204 sent with a body, then serves the next request on a fresh connection', async () => {
    const before = t.accessLines().length;
    const r = await send(`${t.base}/raw/204-with-body`, { timeoutMs: 5_000 });
    expect(r.status).toBe(204);
    expect(r.body.length).toBe(0);
    // A 204 carries no Content-Length on (RFC 9110 8.6), as nginx relays it.
    expect(r.headers['content-length']).toBeUndefined();
    const next = await send(`${t.base}/raw/plain`, { timeoutMs: 5_000 });
    expect(next.status).toBe(200);
    expect(next.text()).toBe('plain');
    const lines = t.accessLines().slice(before);
    expect(lines.map((l) => [l.status, l.aborted])).toEqual([
      [204, undefined],
      [200, undefined],
    ]);
  });

  it('relays a whole chunked answer followed by junk', async () => {
    const r = await send(`${t.base}/raw/chunked-then-junk`, { timeoutMs: 5_000 });
    expect(r.status).toBe(200);
    expect(r.text()).toBe('ok');
    const next = await send(`${t.base}/raw/plain`, { timeoutMs: 5_000 });
    expect(next.text()).toBe('plain');
  });
});

describe('a transfer coding beside or in place of chunked', () => {
  it('is answered 502 on the hot path and on node:http, never relayed with it dropped', async () => {
    for (const path of ['/raw/gzip', '/raw/gzip-chunked']) {
      const hot = await send(`${t.base}${path}`, { timeoutMs: 5_000 });
      expect(hot.status, path).toBe(502);
      expect(hot.text(), path).not.toContain('coded');
      // An absolute-form target takes node:http's path (undici upstream).
      const viaNode = await send(`${t.base}${path}`, {
        timeoutMs: 5_000,
        target: `http://127.0.0.1:${t.port}${path}`,
      });
      expect(viaNode.status, path).toBe(502);
      expect(viaNode.text(), path).not.toContain('coded');
    }
    const next = await send(`${t.base}/raw/plain`, { timeoutMs: 5_000 });
    expect(next.text()).toBe('plain');
  });
});
