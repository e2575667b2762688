import { describe, expect, it } from 'vitest';
import { addVary, forwardHead, markEncoded } from '../../../src/http/proxy/response-headers.js';

const pairs = (h: string[]): [string, string][] =>
  h.flatMap((v, i) => (i % 2 === 0 ? [[v, h[i + 1]!] as [string, string]] : []));

describe('forwardHead', () => {
  it('drops hop-by-hop and server-token headers and adds the security headers', () => {
    const head = forwardHead(
      [
        'Content-Type',
        'application/json',
        'Content-Length',
        '2048',
        'Connection',
        'keep-alive',
        'Keep-Alive',
        'timeout=5',
        'Transfer-Encoding',
        'chunked',
        'Server',
        'Go',
        'X-Powered-By',
        'PHP',
        'Set-Cookie',
        'a=1',
        'Set-Cookie',
        'b=2',
      ],
      200,
    );
    expect(pairs(head.headers)).toEqual([
      ['Content-Type', 'application/json'],
      ['Content-Length', '2048'],
      ['Set-Cookie', 'a=1'],
      ['Set-Cookie', 'b=2'],
      ['X-Content-Type-Options', 'nosniff'],
      ['X-Frame-Options', 'SAMEORIGIN'],
      ['Referrer-Policy', 'strict-origin-when-cross-origin'],
    ]);
    expect(head).toMatchObject({
      contentType: 'application/json',
      contentLength: '2048',
      contentEncoding: undefined,
      noTransform: false,
    });
  });

  it("keeps the upstream's own security headers", () => {
    const head = forwardHead(
      ['x-frame-options', 'DENY', 'Cache-Control', 'no-store, no-transform'],
      200,
    );
    expect(pairs(head.headers).filter(([k]) => k.toLowerCase() === 'x-frame-options')).toEqual([
      ['x-frame-options', 'DENY'],
    ]);
    expect(head.noTransform).toBe(true);
  });

  it('switches to an encoded body: no length, encoding and Vary added', () => {
    const head = forwardHead(['Content-Length', '5000', 'Vary', 'Origin'], 200);
    markEncoded(head, 'br');
    const h = pairs(head.headers);
    expect(h.find(([k]) => k === 'Content-Length')).toBeUndefined();
    expect(h).toContainEqual(['Content-Encoding', 'br']);
    expect(h).toContainEqual(['Vary', 'Origin, Accept-Encoding']);
  });

  it('finds Content-Length and Vary in any case, before or after each other', () => {
    const head = forwardHead(
      ['VARY', 'Origin', 'X-A', '1', 'content-length', '9000', 'X-B', '2'],
      200,
    );
    markEncoded(head, 'gzip');
    expect(pairs(head.headers)).toEqual([
      ['VARY', 'Origin, Accept-Encoding'],
      ['X-A', '1'],
      ['X-B', '2'],
      ['X-Content-Type-Options', 'nosniff'],
      ['X-Frame-Options', 'SAMEORIGIN'],
      ['Referrer-Policy', 'strict-origin-when-cross-origin'],
      ['Content-Encoding', 'gzip'],
    ]);
    const after = forwardHead(['Content-Length', '9000', 'X-A', '1', 'Vary', 'Cookie'], 200);
    markEncoded(after, 'br');
    addVary(after);
    expect(pairs(after.headers).filter(([k]) => k.toLowerCase() === 'vary')).toEqual([
      ['Vary', 'Cookie, Accept-Encoding'],
    ]);
    expect(pairs(after.headers).find(([k]) => k === 'Content-Length')).toBeUndefined();
  });

  it('adds Vary once', () => {
    const head = forwardHead(['vary', 'accept-encoding'], 200);
    addVary(head);
    expect(pairs(head.headers).filter(([k]) => k.toLowerCase() === 'vary')).toEqual([
      ['vary', 'accept-encoding'],
    ]);
    const none = forwardHead([], 200);
    addVary(none);
    expect(pairs(none.headers)).toContainEqual(['Vary', 'Accept-Encoding']);
  });
});

describe('forwardHead on a 204', () => {
  it('drops its Content-Length (RFC 9110 8.6), keeping the rest', () => {
    const head = forwardHead(['Content-Length', '0', 'X-A', 'b'], 204);
    expect(pairs(head.headers).slice(0, 1)).toEqual([['X-A', 'b']]);
    expect(head.contentLength).toBeUndefined();
    expect(forwardHead(['Content-Length', '0'], 200).contentLength).toBe('0');
  });
});
