// What slow, oversized or malformed clients get: 408 for slow headers, 431 for oversized
// headers, 400 for Content-Length with Transfer-Encoding and other malformed requests, a cut
// for a stalled body; each answer with the security headers, and the edge still serving.
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeSupervisor } from '../helpers/fake-supervisor.js';
import { rawExchange, send, statusOf } from '../helpers/http-client.js';
import { httpConfig, startEdge, type TestEdge } from '../helpers/http-edge.js';
import { DASHBOARD_DIR, startBackend, type Upstream } from '../helpers/http-upstreams.js';

let backend: Upstream;
let t: TestEdge;

beforeAll(async () => {
  backend = await startBackend();
  t = await startEdge(
    httpConfig([
      { path: '/api', upstream: backend.url, program: 'backend' },
      { path: '/', static: DASHBOARD_DIR, spa: true },
    ]),
    new FakeSupervisor([{ name: 'backend' }]),
    { headersTimeoutMs: 500, idleTimeoutMs: 1500 },
  );
});

afterAll(async () => {
  await t?.close();
  await backend?.stop();
});

async function stillServing(): Promise<void> {
  expect((await send(`${t.base}/api/hello`)).status).toBe(200);
  expect((await send(`${t.base}/`)).status).toBe(200);
}

function expectHardenedRaw(raw: string): void {
  expect(raw).toMatch(/\r\nX-Content-Type-Options: nosniff\r\n/i);
  expect(raw).toMatch(/\r\nX-Frame-Options: SAMEORIGIN\r\n/i);
  expect(raw).toMatch(/\r\nReferrer-Policy: strict-origin-when-cross-origin\r\n/i);
  expect(raw).not.toMatch(/\r\nServer:/i);
}

describe('hardening', () => {
  it('answers 408 to a client that sends its headers too slowly', async () => {
    const started = Date.now();
    const raw = await rawExchange(t.port, 'GET /api/hello HTTP/1.1\r\nHost: x\r\n', {
      keepOpen: true,
      timeoutMs: 5000,
    });
    expect(statusOf(raw)).toBe(408);
    expectHardenedRaw(raw);
    expect(Date.now() - started).toBeLessThan(3000);
    await stillServing();
  });

  it('answers 431 to oversized request headers', async () => {
    const raw = await rawExchange(
      t.port,
      `GET / HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`,
      { keepOpen: true },
    );
    expect(statusOf(raw)).toBe(431);
    expectHardenedRaw(raw);
    await stillServing();
  });

  it('rejects Content-Length together with Transfer-Encoding (request smuggling)', async () => {
    const raw = await rawExchange(
      t.port,
      'POST /api/upload HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\n' +
        'Transfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET /api/headers HTTP/1.1\r\nHost: x\r\n\r\n',
      { keepOpen: true },
    );
    expect(statusOf(raw)).toBe(400);
    expect(raw).not.toContain('/api/headers');
    expect(raw.match(/HTTP\/1\.1 /g)).toHaveLength(1);
    expectHardenedRaw(raw);
    await stillServing();
  });

  it('answers 400 to malformed requests', async () => {
    for (const bad of [
      'GARBAGE\r\n\r\n',
      'GET / HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n',
      'POST /api/upload HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n',
      'GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n',
    ]) {
      const raw = await rawExchange(t.port, bad, { keepOpen: true });
      expect(statusOf(raw), JSON.stringify(bad)).toBe(400);
      expectHardenedRaw(raw);
    }
    await stillServing();
  });

  it('answers 408 to a request whose body stalls', async () => {
    const started = Date.now();
    const raw = await rawExchange(
      t.port,
      'POST /api/upload HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nonly part',
      { keepOpen: true, timeoutMs: 5000 },
    );
    expect(Date.now() - started).toBeLessThan(4000);
    expect(statusOf(raw)).toBe(408);
    expectHardenedRaw(raw);
    await stillServing();
  });

  it('answers 504 when the upstream stays silent past the idle timeout', async () => {
    const started = Date.now();
    const r = await send(`${t.base}/api/slow?ms=4000`);
    expect(r.status).toBe(504);
    expect(r.json()).toEqual({ error: 'upstream_timeout' });
    expect(Date.now() - started).toBeLessThan(3500);
    await stillServing();
  });

  it('survives clients that vanish mid-request and mid-response', async () => {
    for (const path of ['/api/big', '/api/slow?ms=300', '/assets/app-3f2a1b.js']) {
      await new Promise<void>((resolve) => {
        const socket = connect(t.port, '127.0.0.1', () => {
          socket.write(`GET ${path} HTTP/1.1\r\nHost: x\r\n\r\n`);
          setTimeout(() => {
            socket.destroy();
            resolve();
          }, 20);
        });
        socket.on('error', () => undefined);
      });
    }
    await new Promise<void>((resolve) => {
      const socket = connect(t.port, '127.0.0.1', () => {
        socket.write('POST /api/upload HTTP/1.1\r\nHost: x\r\nContent-Length: 1000000\r\n\r\n');
        socket.write(Buffer.alloc(50_000));
        setTimeout(() => {
          socket.resetAndDestroy();
          resolve();
        }, 20);
      });
      socket.on('error', () => undefined);
    });
    await stillServing();
  });
});

describe('access log', () => {
  it('writes nothing when access_log is off', async () => {
    const quiet = await startEdge(
      httpConfig([{ path: '/api', upstream: backend.url, program: 'backend' }], {
        accessLog: false,
      }),
      new FakeSupervisor([{ name: 'backend' }]),
    );
    try {
      await send(`${quiet.base}/api/hello`);
      await send(`${quiet.base}/api/health`);
      await send(`${quiet.base}/nothing`);
      expect(quiet.logs).toEqual([]);
      quiet.edge.setRoutes(
        httpConfig([{ path: '/api', upstream: backend.url, program: 'backend' }], {
          accessLog: true,
        }),
      );
      await send(`${quiet.base}/api/hello`);
      expect(quiet.accessLines()).toHaveLength(1);
    } finally {
      await quiet.close();
    }
  });
});
