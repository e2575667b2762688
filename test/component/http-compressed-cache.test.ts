import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { CompressedCache } from '../../src/http/static/compressed-cache.js';

describe('CompressedCache', () => {
  it('compresses a file once in the background and serves both encodings', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'apposd-cache-'));
    try {
      const file = join(dir, 'a.css');
      const text = 'body { color: red; }\n'.repeat(500);
      writeFileSync(file, text);
      const cache = new CompressedCache();
      expect(cache.get(file, 'v1', 'br')).toBeUndefined();
      cache.fill(file, 'v1');
      cache.fill(file, 'v1');
      await cache.idle();
      expect(brotliDecompressSync(cache.get(file, 'v1', 'br')!).toString()).toBe(text);
      expect(gunzipSync(cache.get(file, 'v1', 'gzip')!).toString()).toBe(text);
      expect(cache.get(file, 'v2', 'br')).toBeUndefined();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('keeps within its byte budget, least recently used first', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'apposd-cache-'));
    try {
      const cache = new CompressedCache({ maxTotalBytes: 600 });
      const files = ['a', 'b', 'c'].map((n) => {
        const f = join(dir, `${n}.txt`);
        writeFileSync(f, randomBytes(150).toString('base64'));
        return f;
      });
      for (const f of files) {
        cache.fill(f, 't');
        await cache.idle();
      }
      const kept = files.filter((f) => cache.get(f, 't', 'gzip') !== undefined);
      expect(kept.length).toBeGreaterThan(0);
      expect(kept.length).toBeLessThan(3);
      expect(kept).toContain(files[2]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
