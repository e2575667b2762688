import { mkdirSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  FileCache,
  cacheControlOf,
  contentTypeOf,
  type Cached,
  type MemoryFile,
} from '../../src/http/static/file-cache.js';
import { etagMatches } from '../../src/http/static/memory.js';
import { tempDir } from '../helpers/temp.js';

let dir: { path: string; cleanup: () => void };

beforeEach(() => {
  dir = tempDir('apposd-files-');
  mkdirSync(join(dir.path, 'assets'));
});

afterEach(() => dir.cleanup());

const header = (f: MemoryFile, name: string, ok = f.identity.ok): string | undefined => {
  const at = ok.indexOf(name);
  return at === -1 ? undefined : ok[at + 1];
};

function asFile(c: Cached): MemoryFile {
  expect(c.kind).toBe('file');
  return c as MemoryFile;
}

describe('FileCache', () => {
  it('keeps a small file with the headers @fastify/static would send', async () => {
    const file = join(dir.path, 'assets/app.js');
    writeFileSync(file, 'console.log(1);\n'.repeat(100));
    const s = statSync(file);
    const f = asFile(await new FileCache(dir.path).get('/assets/app.js'));
    expect(f.identity.body.toString()).toBe('console.log(1);\n'.repeat(100));
    expect(f.identity.etag).toBe(`W/"${s.size.toString(16)}-${s.mtime.getTime().toString(16)}"`);
    expect(header(f, 'last-modified')).toBe(s.mtime.toUTCString());
    expect(header(f, 'content-type')).toBe('application/javascript; charset=utf-8');
    expect(header(f, 'content-length')).toBe(String(s.size));
    expect(header(f, 'cache-control')).toBe('public, max-age=31536000, immutable');
    expect(header(f, 'vary')).toBe('accept-encoding');
    expect(header(f, 'x-content-type-options')).toBeUndefined();
    expect(f.identity.ok).toContain('X-Content-Type-Options');
    expect(f.identity.notModified).not.toContain('content-length');
    expect(f.identity.notModified).not.toContain('content-type');
    expect(f.br).toBeNull();
    expect(f.compressible).toBe(true);
  });

  it('loads precompressed siblings with their own validators', async () => {
    const file = join(dir.path, 'index.html');
    writeFileSync(file, '<!doctype html>');
    writeFileSync(`${file}.br`, 'br-bytes');
    writeFileSync(`${file}.gz`, 'gz-bytes');
    const f = asFile(await new FileCache(dir.path).get('/index.html'));
    expect(f.br?.body.toString()).toBe('br-bytes');
    expect(header(f, 'content-encoding', f.br!.ok)).toBe('br');
    expect(header(f, 'content-length', f.gzip!.ok)).toBe('8');
    expect(header(f, 'content-type', f.gzip!.ok)).toBe('text/html; charset=utf-8');
    expect(header(f, 'cache-control', f.br!.ok)).toBe('no-cache');
    expect(f.compressible).toBe(false);
  });

  it('tells missing paths from those it does not keep (directories, large files)', async () => {
    writeFileSync(join(dir.path, 'big.bin'), Buffer.alloc(2048));
    const cache = new FileCache(dir.path, { maxFileBytes: 1024 });
    expect((await cache.get('/nothing.js')).kind).toBe('missing');
    expect((await cache.get('/assets')).kind).toBe('other');
    expect((await cache.get('/big.bin')).kind).toBe('other');
    expect((await cache.get('/assets/nothing/x.js')).kind).toBe('missing');
  });

  it('answers from memory until the interval passes, then picks up a changed file', async () => {
    const file = join(dir.path, 'index.html');
    writeFileSync(file, 'build 1');
    const cache = new FileCache(dir.path, { revalidateMs: 50 });
    const first = asFile(await cache.get('/index.html'));
    expect(cache.peek('/index.html', Date.now())).toBe(first);
    expect(cache.peek('/index.html', Date.now() + 60)).toBeUndefined();
    expect(await cache.get('/index.html')).toBe(first);
    writeFileSync(file, 'build 2, longer');
    utimesSync(file, new Date(), new Date(Date.now() + 5000));
    const second = asFile(await cache.get('/index.html'));
    expect(second.identity.body.toString()).toBe('build 2, longer');
    expect(second.identity.etag).not.toBe(first.identity.etag);
  });

  it('sees a file that appears where there was none', async () => {
    const cache = new FileCache(dir.path);
    expect((await cache.get('/late.txt')).kind).toBe('missing');
    writeFileSync(join(dir.path, 'late.txt'), 'here now');
    const f = asFile(await cache.get('/late.txt'));
    expect(f.identity.body.toString()).toBe('here now');
    expect(header(f, 'cache-control')).toBe('public, max-age=0');
  });

  it('keeps within its byte budget, oldest first', async () => {
    for (const n of ['a', 'b', 'c']) writeFileSync(join(dir.path, `${n}.txt`), 'x'.repeat(400));
    const cache = new FileCache(dir.path, { maxTotalBytes: 1000 });
    for (const n of ['a', 'b', 'c']) await cache.get(`/${n}.txt`);
    const now = Date.now();
    expect(cache.peek('/a.txt', now)).toBeUndefined();
    expect(cache.peek('/b.txt', now)?.kind).toBe('file');
    expect(cache.peek('/c.txt', now)?.kind).toBe('file');
  });
});

describe('static file headers', () => {
  it('types and cache policies', () => {
    expect(contentTypeOf('/a.css')).toBe('text/css; charset=utf-8');
    expect(contentTypeOf('/a.woff2')).toBe('font/woff2');
    expect(contentTypeOf('/a.unknownext')).toBe('application/octet-stream');
    expect(cacheControlOf('/assets/a.html')).toBe('no-cache');
    expect(cacheControlOf('/assets/a.js')).toBe('public, max-age=31536000, immutable');
    expect(cacheControlOf('/robots.txt')).toBe('public, max-age=0');
  });

  it('matches If-None-Match lists like @fastify/send', () => {
    const etag = 'W/"10-abc"';
    expect(etagMatches(etag, etag)).toBe(true);
    expect(etagMatches('"10-abc"', etag)).toBe(true);
    expect(etagMatches('"x", W/"10-abc"', etag)).toBe(true);
    expect(etagMatches('*', etag)).toBe(true);
    expect(etagMatches('"x", "y"', etag)).toBe(false);
  });
});
