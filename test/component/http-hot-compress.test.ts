// Compressed proxied answers on the hot path: gzip and br bodies decode to the upstream's bytes
// with the headers node:http's path sets, small known-length bodies and streamed ones alike,
// HTTP/1.0 clients get a close-delimited body, a slow reader of a large compressible answer
// holds the upstream back, a client that leaves frees the upstream, and what must stay plain
// (event streams, encoded, no-transform, HEAD, 204, 304, no Accept-Encoding) stays plain.
// node:http's 'request' events on the edge's listener are counted (Server.prototype.emit
// wrapped in this process): the hot path emits none, so an answer node:http served shows.
import { randomBytes } from 'node:crypto';
import { Agent, createServer, request, Server, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { brotliDecompressSync, createGunzip, gunzipSync, gzipSync } from 'node:zlib';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { rawExchange, send, type Reply } from '../helpers/http-client.js';
import { countNodeHttp } from '../helpers/node-http-events.js';
import {
  httpConfig,
  startEdge,
  type TestEdge,
  closeServer,
  listenLoopback,
} from '../helpers/http-edge.js';
import { waitFor } from '../helpers/wait-for.js';

const JSON_BODY = Buffer.from(
  JSON.stringify({
    items: Array.from({ length: 300 }, (_, i) => ({ id: i, name: `item-${i}`, up: i % 2 === 0 })),
  }),
);
const LARGE = Buffer.concat(Array.from({ length: 24 }, () => JSON_BODY));
/** Text that gzip shrinks only to about 3/4 (base64 of random bytes, blocks past its window). */
const NOISE = Array.from({ length: 16 }, () =>
  Buffer.from(randomBytes(48 * 1024).toString('base64')),
);
const PRE_GZIPPED = gzipSync(JSON_BODY);

let upstream: Server;
let t: TestEdge;
/** node:http's events on the edge's listener. */
const events = countNodeHttp(
  (server) => t !== undefined && (server.address() as AddressInfo | null)?.port === t.port,
);
/** Bytes the /noise answer handed to its socket so far. */
let noiseWritten = 0;
/** Upstream responses closed before they ended. */
let upstreamCut = 0;

beforeAll(async () => {
  upstream = createServer((req, res) => {
    res.on('close', () => {
      if (!res.writableFinished) upstreamCut++;
    });
    const json = { 'content-type': 'application/json; charset=utf-8' };
    switch (req.url) {
      case '/api/json':
        res.writeHead(200, { ...json, 'content-length': JSON_BODY.length });
        res.end(req.method === 'HEAD' ? undefined : JSON_BODY);
        return;
      case '/api/large':
        res.writeHead(200, { ...json, 'content-length': LARGE.length });
        res.end(LARGE);
        return;
      case '/api/chunked':
      case '/api/chunked-large': {
        const body = req.url === '/api/chunked' ? JSON_BODY : LARGE;
        res.writeHead(200, json);
        for (let i = 0; i < body.length; i += 1000) res.write(body.subarray(i, i + 1000));
        res.end();
        return;
      }
      case '/api/empty':
        res.writeHead(200, json);
        res.end();
        return;
      case '/api/encoded':
        res.writeHead(200, { ...json, 'content-encoding': 'gzip' });
        res.end(PRE_GZIPPED);
        return;
      case '/api/no-transform':
        res.writeHead(200, {
          ...json,
          'cache-control': 'no-transform',
          'content-length': JSON_BODY.length,
        });
        res.end(JSON_BODY);
        return;
      case '/api/204':
        res.writeHead(204, json);
        res.end();
        return;
      case '/api/304':
        res.writeHead(304, { ...json, etag: '"x"' });
        res.end();
        return;
      case '/api/events':
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        res.write('data: one\n\n');
        setTimeout(() => res.end('data: two\n\n'), 50);
        return;
      case '/api/noise': {
        res.writeHead(200, { 'content-type': 'text/plain' });
        let i = 0;
        const pump = (): void => {
          while (!res.destroyed) {
            const block = NOISE[i++ % NOISE.length]!;
            noiseWritten += block.length;
            if (!res.write(block)) {
              res.once('drain', pump);
              return;
            }
          }
        };
        pump();
        return;
      }
      default:
        res.writeHead(404, json);
        res.end('{}');
    }
  });
  const port = await listenLoopback(upstream);
  t = await startEdge(httpConfig([{ path: '/api', upstream: `http://127.0.0.1:${port}` }]));
});

afterAll(async () => {
  events.restore();
  await t?.close();
  await closeServer(upstream);
});

let before = 0;
afterEach(() => {
  before = events.counts.request;
});

/** Asserts no request since the last test reached node:http. */
function expectHot(): void {
  expect(events.counts.request - before).toBe(0);
}

const gzip = { 'accept-encoding': 'gzip' };
const br = { 'accept-encoding': 'gzip, deflate, br' };

/** The headers two answers should share (the framing and the date aside). */
function comparable(h: IncomingHttpHeaders): IncomingHttpHeaders {
  const { date: _d, connection: _c, 'keep-alive': _k, ...rest } = h;
  return rest;
}

describe('compressed answers on the hot path', () => {
  it('sends gzip and br bodies that decode to the upstream bytes, with node:http path headers', async () => {
    for (const path of ['/api/json', '/api/chunked', '/api/large', '/api/chunked-large']) {
      const g = await send(`${t.base}${path}`, { headers: gzip });
      const b = await send(`${t.base}${path}`, { headers: br });
      expectHot();
      const want = path.endsWith('large') ? LARGE : JSON_BODY;
      expect(g.headers['content-encoding']).toBe('gzip');
      expect(gunzipSync(g.body).equals(want)).toBe(true);
      expect(b.headers['content-encoding']).toBe('br');
      expect(brotliDecompressSync(b.body).equals(want)).toBe(true);
      for (const r of [g, b]) {
        expect(r.headers.vary).toBe('Accept-Encoding');
        expect(r.headers['content-length']).toBeUndefined();
        expect(r.headers['transfer-encoding']).toBe('chunked');
        expect(r.headers['x-content-type-options']).toBe('nosniff');
        expect(r.body.length).toBeLessThan(want.length / 3);
      }
      // The same request with an absolute-form target, which the hot path leaves alone, is
      // node:http's: the same headers.
      const viaNode = await send(`${t.base}${path}`, {
        headers: gzip,
        target: `http://127.0.0.1:${t.port}${path}`,
      });
      expect(events.counts.request - before).toBe(1);
      before = events.counts.request;
      expect(comparable(g.headers)).toEqual(comparable(viaNode.headers));
    }
  });

  it('keeps the connection for the next request, and logs one access line per answer', async () => {
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    const lines = t.accessLines().length;
    const paths = ['/api/json', '/api/chunked', '/api/empty', '/api/large', '/api/json'];
    const sockets = new Set<unknown>();
    agent.on('free', (s) => sockets.add(s));
    try {
      for (const path of paths) {
        const r = await send(`${t.base}${path}`, { headers: gzip, agent });
        expect(r.status).toBe(200);
        const want =
          path === '/api/large' ? LARGE : path === '/api/empty' ? Buffer.alloc(0) : JSON_BODY;
        expect(gunzipSync(r.body).equals(want)).toBe(true);
      }
    } finally {
      agent.destroy();
    }
    expectHot();
    expect(sockets.size).toBe(1);
    const logged = t.accessLines().slice(lines);
    expect(logged.map((l) => [l.method, l.path, l.status])).toEqual(
      paths.map((p) => ['GET', p, 200]),
    );
  });

  it('answers an HTTP/1.0 client with a close-delimited compressed body', async () => {
    const raw = Buffer.from(
      await rawExchange(t.port, 'GET /api/json HTTP/1.0\r\nAccept-Encoding: gzip\r\n\r\n'),
      'latin1',
    );
    expectHot();
    const split = raw.indexOf('\r\n\r\n');
    const head = raw.subarray(0, split).toString('latin1').toLowerCase();
    expect(head).toContain('content-encoding: gzip');
    expect(head).toContain('connection: close');
    expect(head).not.toContain('transfer-encoding');
    expect(head).not.toContain('content-length');
    expect(gunzipSync(raw.subarray(split + 4)).equals(JSON_BODY)).toBe(true);
  });

  it('leaves plain what node:http leaves plain', async () => {
    const plain = async (path: string, opts = {}): Promise<Reply> => {
      const r = await send(`${t.base}${path}`, { headers: br, ...opts });
      expect(r.headers['content-encoding']).toBeUndefined();
      return r;
    };
    const none = await send(`${t.base}/api/json`);
    expect(none.headers['content-encoding']).toBeUndefined();
    expect(none.headers['content-length']).toBe(String(JSON_BODY.length));
    expect(none.headers.vary).toBe('Accept-Encoding');
    expect(none.body.equals(JSON_BODY)).toBe(true);
    const head = await plain('/api/json', { method: 'HEAD' });
    expect(head.headers['content-length']).toBe(String(JSON_BODY.length));
    expect(head.headers.vary).toBe('Accept-Encoding');
    expect((await plain('/api/204')).status).toBe(204);
    expect((await plain('/api/304')).status).toBe(304);
    const kept = await plain('/api/no-transform');
    expect(kept.body.equals(JSON_BODY)).toBe(true);
    expect(kept.headers.vary).toBeUndefined();
    const encoded = await send(`${t.base}/api/encoded`, { headers: br });
    expect(encoded.headers['content-encoding']).toBe('gzip');
    expect(encoded.body.equals(PRE_GZIPPED)).toBe(true);
    const events = await plain('/api/events');
    expect(events.text()).toBe('data: one\n\ndata: two\n\n');
    expect(events.headers.vary).toBeUndefined();
    expectHot();
  });

  it('holds the upstream back while a slow client reads a large compressed answer', async () => {
    const rssBefore = process.memoryUsage().rss;
    const startWritten = noiseWritten;
    const cutBefore = upstreamCut;
    let decoded = 0;
    let compressed = 0;
    let maxInFlight = 0;
    let maxRss = rssBefore;
    await new Promise<void>((resolve, reject) => {
      const req = request(`${t.base}/api/noise`, { agent: false, headers: gzip }, (res) => {
        expect(res.headers['content-encoding']).toBe('gzip');
        const gunzip = createGunzip();
        gunzip.on('data', (c: Buffer) => {
          decoded += c.length;
          maxInFlight = Math.max(maxInFlight, noiseWritten - startWritten - decoded);
          maxRss = Math.max(maxRss, process.memoryUsage().rss);
        });
        gunzip.on('error', () => undefined);
        // About 5 MiB/s of compressed bytes against an upstream that could go far faster.
        res.on('data', (c: Buffer) => {
          compressed += c.length;
          gunzip.write(c);
          if (compressed % (256 * 1024) < c.length) {
            res.pause();
            setTimeout(() => res.resume(), 50);
          }
        });
        setTimeout(() => {
          req.destroy();
          resolve();
        }, 3000);
      });
      req.on('error', (err) => {
        if (!req.destroyed) reject(err);
      });
      req.end();
    });
    expectHot();
    expect(decoded).toBeGreaterThan(1024 * 1024);
    expect(maxInFlight).toBeLessThan(32 * 1024 * 1024);
    expect(maxRss - rssBefore).toBeLessThan(128 * 1024 * 1024);
    // The client left: the upstream answer is abandoned, and the edge serves on.
    await waitFor(() => upstreamCut > cutBefore, { what: 'the upstream answer cut' });
    const after = await send(`${t.base}/api/json`, { headers: gzip });
    expect(gunzipSync(after.body).equals(JSON_BODY)).toBe(true);
  });
});
