// The edge's proxy routes against the real example backend: bodies both ways, headers,
// strip_prefix, compression, server-sent events, early upstream death and max_body.
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeSupervisor } from '../helpers/fake-supervisor.js';
import { rawExchange, send, statusOf } from '../helpers/http-client.js';
import { httpConfig, startEdge, type TestEdge } from '../helpers/http-edge.js';
import { startBackend, type Upstream } from '../helpers/http-upstreams.js';
import { request } from 'node:http';

let backend: Upstream;
let t: TestEdge;

beforeAll(async () => {
  backend = await startBackend();
  const supervisor = new FakeSupervisor([{ name: 'backend', critical: true }]);
  t = await startEdge(
    httpConfig(
      [
        { path: '/api', upstream: backend.url, program: 'backend' },
        { path: '/stripped', upstream: backend.url, program: 'backend', stripPrefix: true },
      ],
      { maxBody: 1024 * 1024 },
    ),
    supervisor,
  );
});

afterAll(async () => {
  await t?.close();
  await backend?.stop();
});

function expectSecurityHeaders(h: Record<string, unknown>): void {
  expect(h['x-content-type-options']).toBe('nosniff');
  expect(h['x-frame-options']).toBe('SAMEORIGIN');
  expect(h['referrer-policy']).toBe('strict-origin-when-cross-origin');
  expect(h.server).toBeUndefined();
  expect(h['x-powered-by']).toBeUndefined();
}

describe('proxy routes', () => {
  it('forwards small JSON with security headers and no server token', async () => {
    const r = await send(`${t.base}/api/hello`);
    expect(r.status).toBe(200);
    expect(r.json()).toEqual({ hello: 'world', pid: backend.pid });
    expect(r.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(r.headers['content-encoding']).toBeUndefined();
    expectSecurityHeaders(r.headers);
  });

  it('streams a 1 MiB response intact', async () => {
    const direct = await send(`${backend.url}/api/big`);
    const r = await send(`${t.base}/api/big`, { headers: { 'accept-encoding': 'gzip, br' } });
    expect(r.status).toBe(200);
    expect(r.headers['content-length']).toBe(String(1024 * 1024));
    expect(r.headers['content-encoding']).toBeUndefined();
    expect(r.body.equals(direct.body)).toBe(true);
  });

  it('streams a chunked upload and reports its hash', async () => {
    const parts = Array.from({ length: 64 }, (_, i) => Buffer.alloc(8192, i));
    const whole = Buffer.concat(parts);
    const r = await send(`${t.base}/api/upload`, { method: 'POST', body: Readable.from(parts) });
    expect(r.status).toBe(200);
    expect(r.json()).toEqual({
      bytes: whole.length,
      sha256: createHash('sha256').update(whole).digest('hex'),
    });
  });

  it('sets X-Forwarded-For/-Proto/-Host and X-Real-IP', async () => {
    const r = await send(`${t.base}/api/headers?x=1`, {
      headers: { host: 'apps.example.com', 'x-forwarded-for': '203.0.113.9' },
    });
    const seen = r.json() as { url: string; headers: Record<string, string> };
    expect(seen.url).toBe('/api/headers?x=1');
    expect(seen.headers['x-forwarded-for']).toBe('203.0.113.9, 127.0.0.1');
    expect(seen.headers['x-forwarded-proto']).toBe('http');
    expect(seen.headers['x-forwarded-host']).toBe('apps.example.com');
    expect(seen.headers['x-real-ip']).toBe('127.0.0.1');
    expect(seen.headers.host).toBe('apps.example.com');
  });

  it('strips the prefix when strip_prefix is set', async () => {
    const r = await send(`${t.base}/stripped/api/headers?q=2`);
    expect(r.status).toBe(200);
    expect((r.json() as { url: string }).url).toBe('/api/headers?q=2');
    const root = await send(`${t.base}/stripped`);
    expect(root.status).toBe(404);
    expect((root.json() as { path: string }).path).toBe('/');
  });

  it('compresses proxied text with brotli or gzip, as the client accepts', async () => {
    const plain = await send(`${t.base}/api/text`);
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(plain.headers.vary).toBe('Accept-Encoding');
    const br = await send(`${t.base}/api/text`, { headers: { 'accept-encoding': 'gzip, br' } });
    expect(br.headers['content-encoding']).toBe('br');
    expect(br.headers['content-length']).toBeUndefined();
    expect(brotliDecompressSync(br.body).equals(plain.body)).toBe(true);
    expect(br.body.length).toBeLessThan(plain.body.length / 4);
    const gz = await send(`${t.base}/api/text`, { headers: { 'accept-encoding': 'gzip' } });
    expect(gz.headers['content-encoding']).toBe('gzip');
    expect(gunzipSync(gz.body).equals(plain.body)).toBe(true);
    const small = await send(`${t.base}/api/hello`, { headers: { 'accept-encoding': 'br' } });
    expect(small.headers['content-encoding']).toBeUndefined();
  });

  it('passes server-sent events through unbuffered and uncompressed', async () => {
    const arrivals: number[] = [];
    const started = Date.now();
    const headers = await new Promise<Record<string, unknown>>((resolve, reject) => {
      const req = request(
        `${t.base}/api/events?n=3&ms=300`,
        { agent: false, headers: { 'accept-encoding': 'gzip, br' } },
        (res) => {
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => {
            for (const _ of chunk.matchAll(/^data: /gm)) arrivals.push(Date.now() - started);
          });
          res.on('end', () => resolve(res.headers));
        },
      );
      req.on('error', reject);
      req.end();
    });
    expect(headers['content-type']).toBe('text/event-stream');
    expect(headers['content-encoding']).toBeUndefined();
    expectSecurityHeaders(headers);
    expect(arrivals).toHaveLength(3);
    expect(arrivals[2]! - arrivals[0]!).toBeGreaterThanOrEqual(450);
  });

  it('ends the client response at once when the upstream dies mid-body', async () => {
    const started = Date.now();
    await expect(send(`${t.base}/api/partial`)).rejects.toThrow();
    expect(Date.now() - started).toBeLessThan(3000);
    expect((await send(`${t.base}/api/hello`)).status).toBe(200);
  });

  it('answers 413 for a declared body over max_body, before forwarding', async () => {
    const raw = await rawExchange(
      t.port,
      'POST /api/upload HTTP/1.1\r\nHost: x\r\nContent-Length: 2000000\r\n\r\n',
      { keepOpen: true },
    );
    expect(statusOf(raw)).toBe(413);
    expect(raw).toContain('{"error":"payload_too_large"}');
    expect(raw).toMatch(/x-content-type-options: nosniff/i);
  });

  it('answers 413 while streaming a chunked body over max_body', async () => {
    const big = Readable.from(
      (function* () {
        for (let i = 0; i < 40; i++) yield Buffer.alloc(64 * 1024, 7);
      })(),
    );
    const r = await send(`${t.base}/api/upload`, { method: 'POST', body: big }).catch(
      (err: Error) => err,
    );
    if (r instanceof Error) expect(r.message).toMatch(/EPIPE|ECONNRESET|socket hang up/);
    else expect(r.status).toBe(413);
    expect((await send(`${t.base}/api/hello`)).status).toBe(200);
  });

  it('logs one access line per request', async () => {
    const before = t.accessLines().length;
    await send(`${t.base}/api/hello?token=secret`);
    const lines = t.accessLines().slice(before);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({
      method: 'GET',
      path: '/api/hello',
      status: 200,
      upstream: 'backend',
    });
    expect(typeof lines[0]!.ms).toBe('number');
    expect(JSON.stringify(lines[0])).not.toContain('secret');
  });
});
