// Static files answered from memory by the edge: validators and HEAD, a new build picked up
// within a couple of seconds without a restart, and what memory leaves to @fastify/static
// (large files, ranges, dotfiles). Runs on a copy of the fixture dashboard.
import { gunzipSync } from 'node:zlib';
import { cpSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_MEMORY_FILE_BYTES } from '../../src/http/static/file-cache.js';
import { send } from '../helpers/http-client.js';
import { httpConfig, startEdge, type TestEdge } from '../helpers/http-edge.js';
import { countNodeHttp } from '../helpers/node-http-events.js';
import { DASHBOARD_DIR } from '../helpers/http-upstreams.js';
import { tempDir } from '../helpers/temp.js';
import { waitFor } from '../helpers/wait-for.js';

const JS = '/assets/app-3f2a1b.js';

let dir: { path: string; cleanup: () => void };
let t: TestEdge;

beforeAll(async () => {
  dir = tempDir('apposd-dashboard-');
  cpSync(DASHBOARD_DIR, dir.path, { recursive: true });
  t = await startEdge(httpConfig([{ path: '/', static: dir.path, spa: true }]));
});

afterAll(async () => {
  await t?.close();
  dir?.cleanup();
});

describe('static files from memory', () => {
  it('answers HEAD with the headers of GET and no body', async () => {
    const get = await send(`${t.base}${JS}`, { headers: { 'accept-encoding': 'br' } });
    const head = await send(`${t.base}${JS}`, {
      method: 'HEAD',
      headers: { 'accept-encoding': 'br' },
    });
    expect(head.status).toBe(200);
    expect(head.body.length).toBe(0);
    for (const name of ['content-type', 'content-length', 'content-encoding', 'etag', 'vary']) {
      expect(head.headers[name], name).toBe(get.headers[name]);
    }
    expect(Number(head.headers['content-length'])).toBe(get.body.length);
    expect(head.headers['x-frame-options']).toBe('SAMEORIGIN');
  });

  it('answers 304 to If-Modified-Since and to a weak If-None-Match in a list', async () => {
    const first = await send(`${t.base}/robots.txt`);
    const since = await send(`${t.base}/robots.txt`, {
      headers: { 'if-modified-since': String(first.headers['last-modified']) },
    });
    expect(since.status).toBe(304);
    expect(since.headers['content-length']).toBeUndefined();
    expect(since.headers.etag).toBe(first.headers.etag);
    const listed = await send(`${t.base}/robots.txt`, {
      headers: { 'if-none-match': `"other", ${String(first.headers.etag).slice(2)}` },
    });
    expect(listed.status).toBe(304);
    const reload = await send(`${t.base}/robots.txt`, {
      headers: { 'if-none-match': String(first.headers.etag), 'cache-control': 'no-cache' },
    });
    expect(reload.status).toBe(200);
  });

  it('picks up a new build within a couple of seconds, without a restart', async () => {
    const before = await send(`${t.base}/deep/link`, { headers: { accept: 'text/html' } });
    expect(before.body.toString()).toContain('<!doctype html>');
    const index = join(dir.path, 'index.html');
    const next = readFileSync(index, 'utf8').replace(
      '<!doctype html>',
      '<!doctype html><!-- 2 -->',
    );
    writeFileSync(index, next);
    utimesSync(index, new Date(), new Date(Date.now() + 10_000));
    const after = await waitFor(
      async () => {
        const r = await send(`${t.base}/deep/link`, { headers: { accept: 'text/html' } });
        return r.body.toString() === next ? r : undefined;
      },
      { timeoutMs: 3000, what: 'the new index.html' },
    );
    expect(after.headers['cache-control']).toBe('no-cache');
    expect(after.headers.etag).not.toBe(before.headers.etag);
    writeFileSync(join(dir.path, 'assets/app-new.js'), 'export {};\n');
    await waitFor(async () => (await send(`${t.base}/assets/app-new.js`)).status === 200, {
      timeoutMs: 3000,
      what: 'the new asset',
    });
  });

  it('streams large files from disk, with ranges', async () => {
    const big = Buffer.alloc(MAX_MEMORY_FILE_BYTES + 4096, 7);
    writeFileSync(join(dir.path, 'assets/big.bin'), big);
    const r = await send(`${t.base}/assets/big.bin`);
    expect(r.status).toBe(200);
    expect(r.body.equals(big)).toBe(true);
    expect(r.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    const part = await send(`${t.base}/robots.txt`, { headers: { range: 'bytes=0-9' } });
    expect(part.status).toBe(206);
    expect(part.body.length).toBe(10);
  });

  it('answers a 600 KiB bundle from memory, without node:http (fastify stays unloaded)', async () => {
    const bundle = Buffer.from('export const x = 1;\n'.repeat(30 * 1024));
    writeFileSync(join(dir.path, 'assets/vendor-600k.js'), bundle);
    const events = countNodeHttp();
    try {
      const r = await send(`${t.base}/assets/vendor-600k.js`);
      expect(r.status).toBe(200);
      expect(r.body.equals(bundle)).toBe(true);
      expect(events.counts.request).toBe(0);
    } finally {
      events.restore();
    }
  });

  it('never serves dotfiles', async () => {
    writeFileSync(join(dir.path, '.env'), 'SECRET=1');
    writeFileSync(join(dir.path, 'assets/.hidden.js'), 'x');
    for (const path of ['/.env', '/assets/.hidden.js']) {
      const r = await send(`${t.base}${path}`, { headers: { accept: '*/*' } });
      expect(r.status, path).toBe(404);
      expect(r.text(), path).not.toContain('SECRET');
    }
  });
});

describe('static files memory does not hold yet', () => {
  it('are answered (or 404) on the hot path once read or compressed, not handed to node:http', async () => {
    const cold = await startEdge(httpConfig([{ path: '/', static: dir.path, spa: true }]));
    const events = countNodeHttp();
    try {
      const css = '/assets/app-9c8d7e.css';
      const [index, gz, spa, robots] = await Promise.all([
        send(`${cold.base}/`),
        send(`${cold.base}${css}`, { headers: { 'accept-encoding': 'gzip' } }),
        send(`${cold.base}/settings/users`, { headers: { accept: 'text/html' } }),
        send(`${cold.base}/robots.txt`),
      ]);
      expect([index.status, gz.status, spa.status, robots.status]).toEqual([200, 200, 200, 200]);
      expect(index.text()).toBe(readFileSync(join(dir.path, 'index.html'), 'utf8'));
      expect(spa.text()).toBe(index.text());
      expect(gz.headers['content-encoding']).toBe('gzip');
      expect(gunzipSync(gz.body).equals(readFileSync(join(dir.path, css)))).toBe(true);
      expect(robots.text()).toBe(readFileSync(join(dir.path, 'robots.txt'), 'utf8'));
      for (const method of ['GET', 'HEAD', 'GET']) {
        const missing = await send(`${cold.base}/assets/missing.js`, { method });
        expect(missing.status).toBe(404);
        expect(missing.headers['x-frame-options']).toBe('SAMEORIGIN');
        expect(missing.headers['content-type']).toBe('application/json; charset=utf-8');
        expect(missing.text()).toBe(method === 'HEAD' ? '' : '{"error":"not_found"}');
      }
      expect(events.counts.request).toBe(0);
    } finally {
      events.restore();
      await cold.close();
    }
  });
});
