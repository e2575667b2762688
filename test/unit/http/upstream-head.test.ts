// The request head the hot path sends upstream (proxy/forward.ts upstreamHead): the client's
// headers in order less hop-by-hop, Expect and the forwarded ones, Host added when the client sent
// none, a chunked body said so, and X-Forwarded-* / X-Real-IP as forwardedLines writes them (the
// upgrade path writes them with it too), the client's X-Forwarded-For chained.
import { describe, expect, it } from 'vitest';
import { forwardedLines, upstreamHead } from '../../../src/http/proxy/forward.js';
import type { RequestHead } from '../../../src/http/wire/llhttp.js';

function head(method: string, headers: string[]): RequestHead {
  return {
    method,
    url: '/ignored',
    headers,
    versionMinor: 1,
    keepAlive: true,
    upgrade: false,
    raw: Buffer.alloc(0),
  };
}

describe('upstreamHead', () => {
  it("writes the client's headers less the dropped ones, then the forwarded lines", () => {
    const h = head('POST', [
      'Host',
      'app.example',
      'Connection',
      'keep-alive',
      'X-Forwarded-For',
      '10.0.0.1',
      'Content-Type',
      'application/json',
      'Expect',
      '100-continue',
      'x-forwarded-for',
      '10.0.0.2',
      'X-Real-IP',
      '6.6.6.6',
      'Keep-Alive',
      'timeout=5',
      'Accept',
      '*/*',
    ]);
    const got = upstreamHead(h, '/v1/items?a=1', '127.0.0.9', 'up.internal:8080', true);
    expect(got).toBe(
      'POST /v1/items?a=1 HTTP/1.1\r\nHost: app.example\r\nContent-Type: application/json\r\n' +
        'Accept: */*\r\ntransfer-encoding: chunked\r\n' +
        forwardedLines('10.0.0.1, 10.0.0.2', '127.0.0.9', 'app.example') +
        'connection: keep-alive\r\n\r\n',
    );
  });

  it('adds Host when the client sent none', () => {
    const got = upstreamHead(head('GET', ['X-Name', 'caf\u00e9']), '/', '::1', 'up:1');
    expect(got).toBe(
      'GET / HTTP/1.1\r\nX-Name: caf\u00e9\r\nhost: up:1\r\n' +
        forwardedLines('', '::1', '') +
        'connection: keep-alive\r\n\r\n',
    );
  });
});
