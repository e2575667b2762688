// What an adversarial pass found in the edge, each closed: dot segments (also %2e) never reach
// an upstream path outside the route's prefix, duplicate or invalid Host is 400, TRACE and
// CONNECT are 405, a non-101 answer to an upgrade is relayed well framed, the connection cap
// closes idle keep-alive connections first and logs refusals once per interval, error bodies
// carry no internal codes, and the upstream outcome sink hears ok and refused. Also: an
// absolute-form target is routed by its path with its authority as the Host, as nginx does,
// "*" and authority-form targets are 400, an encoded NUL in a path is 400, and so is
// Transfer-Encoding in HTTP/1.0 (closed after); a transfer coding beside chunked is 501, an
// HTTP/0.9 or 2.0 request line 505, and an expectation other than 100-continue 417.
import { createServer, request, type Server } from 'node:http';
import { connect, type AddressInfo, type Socket } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ProxyRoute } from '../../src/http/routes.js';
import type { UpstreamOutcome } from '../../src/http/proxy/upstream-outcome.js';
import { createHttpServer } from '../../src/http/server.js';
import { FakeSupervisor } from '../helpers/fake-supervisor.js';
import { llhttp } from '../helpers/llhttp.js';
import { rawExchange, send, statusOf } from '../helpers/http-client.js';
import { captureLogger, httpConfig, startEdge, type TestEdge } from '../helpers/http-edge.js';
import { DASHBOARD_DIR } from '../helpers/http-upstreams.js';
import { waitFor } from '../helpers/wait-for.js';

/** Paths the in-process upstream was asked for. */
const seen: string[] = [];
/** Requests held open by /api/hang until released. */
const hanging: (() => void)[] = [];
let upstream: Server;
let upstreamUrl: string;
let t: TestEdge;

beforeAll(async () => {
  upstream = createServer((req, res) => {
    seen.push(req.url ?? '');
    if (req.url === '/api/hang') {
      hanging.push(() => res.end('{}'));
      return;
    }
    if (req.headers.upgrade !== undefined) {
      // An SSE answer to an upgrade request, as PocketBase gives on /api/realtime.
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write('data: one\n\n');
      setTimeout(() => res.end('data: two\n\n'), 20);
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ url: req.url, host: req.headers.host ?? null }));
  });
  await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
  upstreamUrl = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;
  t = await startEdge(
    httpConfig([
      { path: '/api', upstream: upstreamUrl, websocket: true },
      { path: '/pb', upstream: upstreamUrl, stripPrefix: true },
      { path: '/', static: DASHBOARD_DIR, spa: true },
    ]),
  );
});

afterAll(async () => {
  await t?.close();
  upstream?.closeAllConnections();
  await new Promise((r) => upstream?.close(r));
});

afterEach(() => {
  for (const release of hanging.splice(0)) release();
});

const get = (path: string, headers = 'Host: x\r\n'): Promise<string> =>
  rawExchange(t.port, `GET ${path} HTTP/1.1\r\n${headers}Connection: close\r\n\r\n`, {
    keepOpen: true,
  });

/**
 * Sends `request` with a GET pipelined after it; returns what the edge wrote, having checked it
 * answered once and closed: the request after the refused one is never handled.
 */
async function answeredOnceAndClosed(request: string): Promise<string> {
  const raw = await rawExchange(t.port, `${request}GET /api/next HTTP/1.1\r\nHost: x\r\n\r\n`, {
    keepOpen: true,
    timeoutMs: 5000,
  });
  expect(raw.match(/HTTP\/1\.1 \d{3} /g), request).toHaveLength(1);
  return raw;
}

describe('dot segments', () => {
  it('never reach an upstream path outside the route prefix', async () => {
    seen.length = 0;
    for (const path of [
      '/api/../healthz',
      '/api/%2e%2e/x',
      '/api/%2E%2E/x',
      '/api/.%2e/x',
      '/api/a/../../x',
      '/pb/../healthz',
      '/pb/%2e%2e/%2e%2e/x',
    ]) {
      const raw = await get(path);
      expect([400, 404], path).toContain(statusOf(raw));
    }
    expect(statusOf(await get('/api/a/%2e%2e/b'))).toBe(200);
    expect(seen).toContain('/api/b');
    for (const path of seen) {
      expect(path.startsWith('/api/') || path === '/api', path).toBe(true);
      expect(path, path).not.toMatch(/(?:^|\/)(?:\.|%2e){1,2}(?:\/|\?|$)/i);
    }
  });

  it('forwards the normalised path when it stays inside the prefix', async () => {
    const reply = await send(`${t.base}/api/a/%2e%2e/b/./c?q=../x`, {
      headers: { host: 'x' },
    }).catch(() => null);
    // node's client sends the path as given; the upstream sees it normalised.
    expect(reply?.status).toBe(200);
    expect((reply?.json() as { url: string }).url).toBe('/api/b/c?q=../x');
    const raw = await get('/api/%2e%2e/%2e%2e/etc/passwd');
    expect(statusOf(raw)).toBe(400);
  });
});

describe('Host', () => {
  it('answers 400 to two Host headers and to an invalid Host', async () => {
    seen.length = 0;
    expect(statusOf(await get('/api/hello', 'Host: a\r\nHost: b\r\n'))).toBe(400);
    expect(statusOf(await get('/api/hello', 'Host: evil.com/../@x\r\n'))).toBe(400);
    expect(seen).toEqual([]);
    const ok = await get('/api/hello', 'Host: example.com:8080\r\n');
    expect(statusOf(ok)).toBe(200);
    expect(ok).toContain('"host":"example.com:8080"');
  });
});

describe('absolute-form targets (RFC 9112 3.2.2)', () => {
  it('are routed by their path, their authority standing for the Host', async () => {
    seen.length = 0;
    const api = await get('http://example.com:8080/api/hello?x=1', 'Host: other\r\n');
    expect(statusOf(api)).toBe(200);
    expect(api).toContain('"url":"/api/hello?x=1","host":"example.com:8080"');
    const pb = await get('HTTP://example.com/pb/a/../b', 'Host: other\r\n');
    expect(pb).toContain('"url":"/b","host":"example.com"');
    const page = await get('http://example.com/', 'Host: other\r\n');
    expect(statusOf(page)).toBe(200);
    expect(page).toContain('<!doctype html>');
    expect(seen).toEqual(['/api/hello?x=1', '/b']);
  });

  it('answer 400 to a bad authority or scheme, and to a climb out of the prefix', async () => {
    seen.length = 0;
    for (const target of [
      'http://user@example.com/api/hello',
      'http:///api/hello',
      'ftp://example.com/api/hello',
      'http://example.com/api/../../x',
    ]) {
      expect(statusOf(await get(target)), target).toBe(400);
    }
    expect(seen).toEqual([]);
  });
});

describe('"*" and authority-form targets', () => {
  it('are answered 400, as nginx answers, and never forwarded', async () => {
    seen.length = 0;
    const options = await rawExchange(
      t.port,
      'OPTIONS * HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n',
      { keepOpen: true },
    );
    expect(statusOf(options)).toBe(400);
    expect(options).toContain('{"error":"bad_request"}');
    expect(statusOf(await get('*'))).toBe(400);
    expect(statusOf(await get('example.com:80'))).toBe(400);
    expect(seen).toEqual([]);
  });
});

describe('an encoded NUL in the path', () => {
  it('is answered 400 and never forwarded', async () => {
    seen.length = 0;
    expect(statusOf(await get('/api/hello%00'))).toBe(400);
    expect(statusOf(await get('/api/a%00b/c'))).toBe(400);
    expect(seen).toEqual([]);
  });
});

describe('Transfer-Encoding in HTTP/1.0', () => {
  it('is answered 400 and closed: neither it nor what was pipelined after it is forwarded', async () => {
    seen.length = 0;
    const raw = await answeredOnceAndClosed(
      'POST /api/upload HTTP/1.0\r\nHost: x\r\nConnection: keep-alive\r\n' +
        'Transfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n',
    );
    expect(statusOf(raw)).toBe(400);
    expect(seen).toEqual([]);
  });
});

describe('an expectation other than 100-continue', () => {
  it('is answered 417, as node:http answers, wherever Expect comes, and never forwarded', async () => {
    seen.length = 0;
    for (const head of [
      'Expect: 200-ok\r\nContent-Length: 3',
      'Content-Length: 3\r\nExpect: 200-ok',
    ]) {
      const raw = await get('/api/upload', `Host: x\r\n${head}\r\n`);
      expect(statusOf(raw), head).toBe(417);
    }
    expect(seen).toEqual([]);
  });
});

describe('request lines of HTTP/0.9 and HTTP/2.0', () => {
  it('are answered 505 and closed, never forwarded', async () => {
    seen.length = 0;
    for (const line of ['GET /api/hello HTTP/2.0\r\nHost: x', 'GET /api/hello']) {
      const raw = await answeredOnceAndClosed(`${line}\r\n\r\n`);
      expect(statusOf(raw), line).toBe(505);
      expect(raw, line).toContain('{"error":"http_version_not_supported"}');
    }
    expect(seen).toEqual([]);
  });
});

describe('transfer codings other than chunked alone', () => {
  it('are answered 501 and closed, never forwarded with the coding dropped', async () => {
    seen.length = 0;
    for (const coding of ['gzip, chunked', 'deflate, chunked', 'identity, chunked']) {
      const raw = await answeredOnceAndClosed(
        `POST /api/upload HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: ${coding}\r\n\r\n` +
          '3\r\nabc\r\n0\r\n\r\n',
      );
      expect(statusOf(raw), coding).toBe(501);
      expect(raw, coding).toContain('{"error":"not_implemented"}');
    }
    expect(seen).toEqual([]);
    // Chunked alone, in any case, is relayed.
    const chunked = await rawExchange(
      t.port,
      'POST /api/upload HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: Chunked\r\n' +
        'Connection: close\r\n\r\n3\r\nabc\r\n0\r\n\r\n',
      { keepOpen: true },
    );
    expect(statusOf(chunked)).toBe(200);
    expect(seen).toEqual(['/api/upload']);
  });
});

describe('methods', () => {
  it('answers 405 to TRACE and to CONNECT', async () => {
    seen.length = 0;
    const trace = await rawExchange(
      t.port,
      'TRACE /api/hello HTTP/1.1\r\nHost: x\r\nCookie: secret=1\r\nConnection: close\r\n\r\n',
      { keepOpen: true },
    );
    expect(statusOf(trace)).toBe(405);
    expect(trace).not.toContain('secret');
    const tunnel = await rawExchange(
      t.port,
      'CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n',
      { keepOpen: true },
    );
    expect(statusOf(tunnel)).toBe(405);
    expect(seen).toEqual([]);
  });
});

describe('a non-101 answer to an upgrade', () => {
  it('reaches the client well framed', async () => {
    const { status, body } = await new Promise<{ status: number; body: string }>(
      (resolve, reject) => {
        const req = request(`${t.base}/api/realtime`, {
          headers: { connection: 'Upgrade', upgrade: 'websocket' },
          agent: false,
        });
        req.on('upgrade', () => reject(new Error('unexpected upgrade')));
        req.on('response', (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (c: string) => (text += c));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
          res.on('error', reject);
        });
        req.on('error', reject);
        req.end();
      },
    );
    expect(status).toBe(200);
    expect(body).toBe('data: one\n\ndata: two\n\n');
  });
});

describe('error bodies', () => {
  it('name no internal code for an overlong-UTF-8 path', async () => {
    for (const path of ['/%c0%ae%c0%ae/x', '/api/%c0%ae/x', '/assets/%c0%ae', '/%c0%ae']) {
      const raw = await get(path);
      expect([400, 404], path).toContain(statusOf(raw));
      expect(raw, path).not.toMatch(/FST_|ERR_|Error:/);
    }
  });
});

function openSocket(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connect(port, '127.0.0.1', () => resolve(s));
    s.on('error', reject);
  });
}

/** Sends one keep-alive request on `s` and resolves with the first chunk of the answer. */
function ask(s: Socket, path: string): Promise<string> {
  return new Promise((resolve) => {
    s.once('data', (c: Buffer) => resolve(c.toString('latin1')));
    s.write(`GET ${path} HTTP/1.1\r\nHost: x\r\n\r\n`);
  });
}

describe('http.max_connections', () => {
  it('closes idle keep-alive connections first, then refuses with 503, logged once', async () => {
    const { lines, logger } = captureLogger();
    const edge = await createHttpServer({
      http: httpConfig([{ path: '/api', upstream: upstreamUrl }], { maxConnections: 2 }),
      supervisor: new FakeSupervisor(),
      logger,
      llhttp,
    });
    const { port } = await edge.listen();
    const sockets: Socket[] = [];
    try {
      // Two idle keep-alive connections: a third client still gets in.
      for (let i = 0; i < 2; i++) {
        const s = await openSocket(port);
        sockets.push(s);
        expect(statusOf(await ask(s, '/api/hello'))).toBe(200);
      }
      const third = await openSocket(port);
      sockets.push(third);
      expect(statusOf(await ask(third, '/api/hello'))).toBe(200);
      await waitFor(() => sockets[0]!.destroyed || sockets[0]!.readableEnded);
      // Two busy connections: the next ones are refused with 503, and logged once.
      const busy: Socket[] = [];
      for (let i = 0; i < 2; i++) {
        const s = await openSocket(port);
        busy.push(s);
        sockets.push(s);
        s.write('GET /api/hang HTTP/1.1\r\nHost: x\r\n\r\n');
      }
      await waitFor(() => hanging.length === 2);
      for (let i = 0; i < 2; i++) {
        const raw = await rawExchange(port, 'GET /api/hello HTTP/1.1\r\nHost: x\r\n\r\n', {
          keepOpen: true,
        });
        expect(statusOf(raw)).toBe(503);
      }
      const warnings = lines.filter((l) => l.msg.includes('connection limit'));
      expect(warnings).toHaveLength(1);
    } finally {
      for (const s of sockets) s.destroy();
      await edge.close(500);
    }
  });
});

describe('upstream outcome', () => {
  it('reports ok for an answer and refused for a dead upstream, with the route', async () => {
    const heard: [string | null, UpstreamOutcome][] = [];
    const dead = createServer();
    await new Promise<void>((r) => dead.listen(0, '127.0.0.1', r));
    const deadPort = (dead.address() as AddressInfo).port;
    await new Promise((r) => dead.close(r));
    const { logger } = captureLogger();
    const edge = await createHttpServer({
      http: httpConfig([
        { path: '/api', upstream: upstreamUrl, program: 'backend' },
        { path: '/dead', upstream: `http://127.0.0.1:${deadPort}`, program: 'gone' },
      ]),
      supervisor: new FakeSupervisor([{ name: 'backend' }, { name: 'gone' }]),
      logger,
      llhttp,
      onUpstreamOutcome: (route: ProxyRoute, outcome) => heard.push([route.program, outcome]),
    });
    const { port } = await edge.listen();
    try {
      expect((await send(`http://127.0.0.1:${port}/api/hello`)).status).toBe(200);
      expect((await send(`http://127.0.0.1:${port}/dead/x`)).status).toBe(502);
      expect(heard).toEqual([
        ['backend', 'ok'],
        ['gone', 'refused'],
      ]);
    } finally {
      await edge.close(500);
    }
  });
});
