// The edge's static route against the fixture dashboard: types, validators, cache headers,
// precompressed siblings, compression, the SPA fallback, ranges and failed preconditions (416,
// 412), 404s and traversal attempts.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeSupervisor } from '../helpers/fake-supervisor.js';
import { rawExchange, send, statusOf } from '../helpers/http-client.js';
import { httpConfig, startEdge, type TestEdge } from '../helpers/http-edge.js';
import { DASHBOARD_DIR } from '../helpers/http-upstreams.js';
import { waitFor } from '../helpers/wait-for.js';

const JS = '/assets/app-3f2a1b.js';
const CSS = '/assets/app-9c8d7e.css';
const file = (p: string): Buffer => readFileSync(join(DASHBOARD_DIR, p));

let t: TestEdge;

beforeAll(async () => {
  t = await startEdge(
    httpConfig([{ path: '/', static: DASHBOARD_DIR, spa: true }]),
    new FakeSupervisor(),
  );
});

afterAll(async () => {
  await t?.close();
});

describe('static files', () => {
  it('serves index.html at / with no-cache, validators and security headers', async () => {
    const r = await send(`${t.base}/`, { headers: { accept: 'text/html' } });
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(r.headers['cache-control']).toBe('no-cache');
    expect(r.headers.etag).toBeTruthy();
    expect(r.headers['last-modified']).toBeTruthy();
    expect(r.headers['x-content-type-options']).toBe('nosniff');
    expect(r.headers['x-frame-options']).toBe('SAMEORIGIN');
    expect(r.headers['referrer-policy']).toBe('strict-origin-when-cross-origin');
    expect(r.headers.server).toBeUndefined();
    expect(r.headers['x-powered-by']).toBeUndefined();
    expect(r.body.equals(file('index.html'))).toBe(true);
  });

  it('serves hashed assets as immutable with the right types', async () => {
    const js = await send(`${t.base}${JS}`);
    expect(js.status).toBe(200);
    expect(js.headers['content-type']).toMatch(/^(text|application)\/javascript; charset=utf-8$/);
    expect(js.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(js.body.equals(file(JS))).toBe(true);
    const css = await send(`${t.base}${CSS}`);
    expect(css.headers['content-type']).toBe('text/css; charset=utf-8');
    expect(css.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    const robots = await send(`${t.base}/robots.txt`);
    expect(robots.headers['content-type']).toBe('text/plain; charset=utf-8');
    expect(robots.headers['cache-control']).toBe('public, max-age=0');
  });

  it('answers 304 to a matching If-None-Match', async () => {
    const first = await send(`${t.base}${JS}`);
    const again = await send(`${t.base}${JS}`, {
      headers: { 'if-none-match': String(first.headers.etag) },
    });
    expect(again.status).toBe(304);
    expect(again.body.length).toBe(0);
  });

  it('serves the precompressed siblings when the client accepts them', async () => {
    const br = await send(`${t.base}${JS}`, {
      headers: { 'accept-encoding': 'gzip, deflate, br' },
    });
    expect(br.headers['content-encoding']).toBe('br');
    expect(br.headers['content-type']).toMatch(/^(text|application)\/javascript; charset=utf-8$/);
    expect(br.headers.vary).toMatch(/accept-encoding/i);
    expect(br.body.equals(file(`${JS}.br`))).toBe(true);
    expect(brotliDecompressSync(br.body).equals(file(JS))).toBe(true);
    const gz = await send(`${t.base}${JS}`, { headers: { 'accept-encoding': 'gzip' } });
    expect(gz.headers['content-encoding']).toBe('gzip');
    expect(gunzipSync(gz.body).equals(file(JS))).toBe(true);
  });

  it('compresses text files without siblings, from a cache after the first request', async () => {
    const first = await send(`${t.base}${CSS}`, { headers: { 'accept-encoding': 'gzip' } });
    expect(first.headers['content-encoding']).toBe('gzip');
    expect(gunzipSync(first.body).equals(file(CSS))).toBe(true);
    const cached = await waitFor(async () => {
      const r = await send(`${t.base}${CSS}`, { headers: { 'accept-encoding': 'br' } });
      return r.headers['content-length'] !== undefined ? r : undefined;
    });
    expect(cached.headers['content-encoding']).toBe('br');
    expect(Number(cached.headers['content-length'])).toBe(cached.body.length);
    expect(brotliDecompressSync(cached.body).equals(file(CSS))).toBe(true);
  });

  it('falls back to index.html for navigations, with no-cache', async () => {
    for (const path of ['/services', '/deep/link/to/page', '/user/jane.doe']) {
      const r = await send(`${t.base}${path}`, { headers: { accept: 'text/html,*/*' } });
      expect(r.status, path).toBe(200);
      expect(r.headers['content-type']).toBe('text/html; charset=utf-8');
      expect(r.headers['cache-control']).toBe('no-cache');
      expect(r.body.equals(file('index.html'))).toBe(true);
    }
    const noAccept = await send(`${t.base}/settings`);
    expect(noAccept.status).toBe(200);
    expect(noAccept.body.equals(file('index.html'))).toBe(true);
    const head = await send(`${t.base}/settings`, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.headers['content-type']).toBe('text/html; charset=utf-8');
  });

  it('answers 404 (never index.html) for a missing asset or file', async () => {
    for (const path of ['/assets/x.js', '/assets/missing', '/missing.js']) {
      const r = await send(`${t.base}${path}`, { headers: { accept: '*/*' } });
      expect(r.status, path).toBe(404);
      expect(r.json()).toEqual({ error: 'not_found' });
      expect(r.headers['x-content-type-options']).toBe('nosniff');
    }
    const navigationToAsset = await send(`${t.base}/assets/x.js`, {
      headers: { accept: 'text/html' },
    });
    expect(navigationToAsset.status).toBe(404);
  });

  it('answers a failed precondition 412 and a range past the end 416, with the length', async () => {
    for (const path of ['/index.html', JS]) {
      const length = file(path).length;
      const part = await send(`${t.base}${path}`, { headers: { range: 'bytes=0-3' } });
      expect(part.status, path).toBe(206);
      expect(part.headers['content-range'], path).toBe(`bytes 0-3/${length}`);
      for (const range of [`bytes=${length}-`, `bytes=${length + 10}-${length + 20}`]) {
        const r = await send(`${t.base}${path}`, { headers: { range } });
        expect(r.status, `${path} ${range}`).toBe(416);
        expect(r.headers['content-range'], path).toBe(`bytes */${length}`);
        expect(r.json(), path).toEqual({ error: 'range_not_satisfiable' });
      }
      const preconditions: Record<string, string>[] = [
        { 'if-match': '"not-this-one"' },
        { 'if-unmodified-since': 'Mon, 01 Jan 2001 00:00:00 GMT' },
      ];
      for (const headers of preconditions) {
        const r = await send(`${t.base}${path}`, { headers });
        expect(r.status, `${path} ${JSON.stringify(headers)}`).toBe(412);
        expect(r.json(), path).toEqual({ error: 'precondition_failed' });
      }
    }
  });

  it('answers 404 to other methods', async () => {
    const r = await send(`${t.base}/`, { method: 'POST', body: 'x' });
    expect(r.status).toBe(404);
  });

  it('never leaves the root, however the traversal is spelled', async () => {
    const attempts = [
      '/../../../../etc/passwd',
      '/assets/../../../etc/passwd',
      '/%2e%2e/%2e%2e/%2e%2e/etc/passwd',
      '/..%2f..%2f..%2fetc/passwd',
      '/%2e%2e%2f%2e%2e%2fetc%2fpasswd',
      '/%252e%252e/%252e%252e/etc/passwd',
      '/..%252f..%252fetc/passwd',
      '/..\\..\\etc\\passwd',
      '/%5c..%5c..%5cetc%5cpasswd',
      '/assets/%2e%2e/index.html',
      '/index.html%00.js',
      '//etc/passwd',
      '/./index.html',
    ];
    for (const path of attempts) {
      const raw = await rawExchange(
        t.port,
        `GET ${path} HTTP/1.1\r\nHost: x\r\nAccept: text/html\r\nConnection: close\r\n\r\n`,
      );
      expect(statusOf(raw), path).toBe(404);
      expect(raw, path).not.toContain('root:');
      expect(raw, path).not.toContain('<!doctype html>');
    }
    expect((await send(`${t.base}/`)).status).toBe(200);
  });
});
