import { describe, expect, it } from 'vitest';
import { isCompressible, isEventStream, negotiateEncoding } from '../../../src/http/encoding.js';

describe('negotiateEncoding', () => {
  it('prefers brotli, then gzip, honouring q=0', () => {
    expect(negotiateEncoding('gzip, deflate, br')).toBe('br');
    expect(negotiateEncoding('gzip')).toBe('gzip');
    expect(negotiateEncoding('br;q=0, gzip;q=0.8')).toBe('gzip');
    expect(negotiateEncoding('BR')).toBe('br');
    expect(negotiateEncoding('*')).toBe('gzip');
    expect(negotiateEncoding('identity')).toBeNull();
    expect(negotiateEncoding('gzip;q=0')).toBeNull();
    expect(negotiateEncoding('')).toBeNull();
    expect(negotiateEncoding(undefined)).toBeNull();
  });

  it('gives the same answer from its memo', () => {
    expect(negotiateEncoding('deflate, gzip')).toBe('gzip');
    expect(negotiateEncoding('deflate, gzip')).toBe('gzip');
  });
});

describe('media types', () => {
  it('compresses text-like types only, never event streams', () => {
    for (const t of [
      'text/html; charset=utf-8',
      'text/css',
      'application/json',
      'application/javascript',
      'application/problem+json',
      'application/xml',
      'image/svg+xml',
    ]) {
      expect(isCompressible(t), t).toBe(true);
    }
    for (const t of [
      'text/event-stream',
      'image/png',
      'application/octet-stream',
      'video/mp4',
      undefined,
    ]) {
      expect(isCompressible(t), String(t)).toBe(false);
    }
  });

  it('recognises event streams', () => {
    expect(isEventStream('text/event-stream')).toBe(true);
    expect(isEventStream('Text/Event-Stream; charset=utf-8')).toBe(true);
    expect(isEventStream('text/plain')).toBe(false);
    expect(isEventStream(undefined)).toBe(false);
  });
});
