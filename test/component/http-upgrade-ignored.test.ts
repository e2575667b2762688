// Upgrades the edge does not take up are ignored, as nginx ignores them: the request is served
// as a plain one and the connection goes on. `curl --http2 http://...` asks every request to
// switch to h2c (Connection: Upgrade, HTTP2-Settings): the edge answered 404 on plain routes
// and cut the connection on websocket ones. An Upgrade in HTTP/1.0 is ignored too (RFC 9110
// 7.8), on the hot path and on connections node:http serves. A websocket handshake that is not
// a GET is answered 400 (it was closed without a word), and an upgrade pipelined behind
// answers still owed is answered after them (the 101 went out first).
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rawExchange } from '../helpers/http-client.js';
import { startEdgeTo, type TestEdge } from '../helpers/http-edge.js';
import { DASHBOARD_DIR } from '../helpers/http-upstreams.js';
import { countNodeHttp } from '../helpers/node-http-events.js';

/** What the upstream was sent: path and headers, in order. */
const seen: { url: string; headers: IncomingHttpHeaders }[] = [];
let upstream: Server;
let t: TestEdge;
/** node:http's events on the edge's server (not the upstream's). */
const events = countNodeHttp((server) => server !== upstream);

beforeAll(async () => {
  upstream = createServer((req, res) => {
    seen.push({ url: req.url ?? '', headers: req.headers });
    res.writeHead(200, { 'content-type': 'text/plain', 'content-length': 2 });
    res.end('ok');
  });
  // A websocket upgrade switches, then ends.
  upstream.on('upgrade', (_req, socket: Socket) => {
    socket.on('error', () => socket.destroy());
    socket.end(
      'HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n',
    );
  });
  t = await startEdgeTo(upstream, (origin) => [
    { path: '/api', upstream: origin },
    { path: '/ws', upstream: origin, websocket: true },
    { path: '/', static: DASHBOARD_DIR, spa: true },
  ]);
});

afterAll(async () => {
  events.restore();
  await t?.close();
});

/** curl --http2's request for `path` on cleartext. */
const h2c = (path: string, last = false): string =>
  `GET ${path} HTTP/1.1\r\nHost: x\r\nUser-Agent: curl/8\r\nAccept: */*\r\n` +
  `Connection: Upgrade, HTTP2-Settings${last ? ', close' : ''}\r\nUpgrade: h2c\r\n` +
  'HTTP2-Settings: AAMAAABkAAQAoAAAAAIAAAAA\r\n\r\n';

/** The status codes of the answers in a raw exchange, in order. */
const statuses = (raw: string): number[] =>
  [...raw.matchAll(/HTTP\/1\.1 (\d{3}) /g)].map((m) => Number(m[1]));

/** Each header an ignored upgrade must not pass upstream. */
function expectPlain(headers: IncomingHttpHeaders): void {
  expect(headers.upgrade).toBeUndefined();
  expect(headers['http2-settings']).toBeUndefined();
  expect(headers.connection ?? '').not.toMatch(/upgrade/i);
}

describe('an upgrade the edge does not take up', () => {
  it('is served as a plain request on proxy, websocket and static routes, keep-alive kept', async () => {
    seen.length = 0;
    const before = { ...events.counts };
    const raw = await rawExchange(
      t.port,
      h2c('/api/a') + h2c('/ws/b') + h2c('/') + h2c('/api/last', true),
      { keepOpen: true },
    );
    expect(statuses(raw)).toEqual([200, 200, 200, 200]);
    expect(raw).toContain('<!doctype html>');
    expect(seen.map((s) => s.url)).toEqual(['/api/a', '/ws/b', '/api/last']);
    for (const s of seen) expectPlain(s.headers);
    // All on the hot path: node:http saw neither a request nor an upgrade.
    expect(events.counts).toEqual(before);
  });

  it('is ignored in HTTP/1.0, websocket included (RFC 9110 7.8)', async () => {
    seen.length = 0;
    const raw = await rawExchange(
      t.port,
      'GET /ws/old HTTP/1.0\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n' +
        'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n',
      { keepOpen: true },
    );
    expect(statuses(raw)).toEqual([200]);
    expect(seen.map((s) => s.url)).toEqual(['/ws/old']);
    expectPlain(seen[0]!.headers);
  });

  it('is served as a plain request on a connection node:http serves', async () => {
    seen.length = 0;
    // A range of a static file is node:http's: the connection stays with it from there.
    const range = 'GET /index.html HTTP/1.1\r\nHost: x\r\nRange: bytes=0-4\r\n\r\n';
    const raw = await rawExchange(
      t.port,
      range +
        'GET /api/zero HTTP/1.1\r\nHost: x\r\n\r\n' +
        h2c('/api/one') +
        h2c('/ws/two') +
        'GET /api/three HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n',
      { keepOpen: true },
    );
    // Two answers owed before the first h2c request: it waits for both.
    expect(statuses(raw)).toEqual([206, 200, 200, 200, 200]);
    expect(seen.map((s) => s.url)).toEqual(['/api/zero', '/api/one', '/ws/two', '/api/three']);
    for (const s of seen) expectPlain(s.headers);
  });

  it('survives a client that resets while the answer before it is still owed', async () => {
    const socket = connect(t.port, '127.0.0.1');
    await new Promise((resolve) => socket.once('connect', resolve));
    socket.on('error', () => undefined);
    // The range goes to node:http (a slow first answer); the h2c request waits behind it.
    socket.write(
      'GET /index.html HTTP/1.1\r\nHost: x\r\nRange: bytes=0-4\r\n\r\n' + h2c('/api/reset'),
    );
    socket.resetAndDestroy();
    await new Promise((resolve) => socket.once('close', resolve));
    const raw = await rawExchange(t.port, h2c('/api/after', true), { keepOpen: true });
    expect(statuses(raw)).toEqual([200]);
  });
});

describe('a websocket handshake that is not a GET', () => {
  it('is answered 400 and closed (RFC 6455 4.2.1), never forwarded', async () => {
    seen.length = 0;
    const raw = await rawExchange(
      t.port,
      'POST /ws/chat HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n' +
        'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n' +
        'Content-Length: 0\r\n\r\n',
      { keepOpen: true },
    );
    expect(statuses(raw)).toEqual([400]);
    expect(seen).toEqual([]);
  });
});

describe('an upgrade pipelined behind answers still owed', () => {
  it('is answered after them, in order', async () => {
    const range = 'GET /index.html HTTP/1.1\r\nHost: x\r\nRange: bytes=0-4\r\n\r\n';
    const raw = await rawExchange(
      t.port,
      range +
        'GET /api/first HTTP/1.1\r\nHost: x\r\n\r\n' +
        'GET /ws/chat HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n' +
        'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n',
      { keepOpen: true },
    );
    // The 101 went out ahead of the range's 206 when node:http emitted the upgrade at once.
    expect(statuses(raw)).toEqual([206, 200, 101]);
  });

  it('is so for CONNECT, answered 405 after them', async () => {
    const raw = await rawExchange(
      t.port,
      'GET /index.html HTTP/1.1\r\nHost: x\r\nRange: bytes=0-4\r\n\r\n' +
        'CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n',
      { keepOpen: true },
    );
    expect(statuses(raw)).toEqual([206, 405]);
  });
});
