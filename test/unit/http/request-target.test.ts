import { describe, expect, it } from 'vitest';
import { defaultMaxConnections } from '../../../src/http/wire/connection-limit.js';
import {
  absoluteForm,
  checkCodings,
  checkVersion,
  checkRequest,
  isValidHost,
  normalizeTarget,
  proxyTarget,
  takesUpgrade,
  withoutUpgrade,
} from '../../../src/http/wire/request-target.js';

describe('normalizeTarget', () => {
  it('leaves plain paths and queries alone', () => {
    expect(normalizeTarget('/api/hello?x=../y')).toBe('/api/hello?x=../y');
    expect(normalizeTarget('/')).toBe('/');
    expect(normalizeTarget('/a//b/')).toBe('/a//b/');
    expect(normalizeTarget('/file.v1.js')).toBe('/file.v1.js');
    expect(normalizeTarget('/assets/app.v1.js?v=..')).toBe('/assets/app.v1.js?v=..');
    expect(normalizeTarget('/.env')).toBe('/.env');
  });

  it('removes dot segments, also percent-encoded ones', () => {
    expect(normalizeTarget('/api/../healthz')).toBe('/healthz');
    expect(normalizeTarget('/api/%2e%2e/x')).toBe('/x');
    expect(normalizeTarget('/api/%2E%2e/x?q=1')).toBe('/x?q=1');
    expect(normalizeTarget('/api/.%2e/x')).toBe('/x');
    expect(normalizeTarget('/api/a/./b/../c')).toBe('/api/a/c');
    expect(normalizeTarget('/api/a/%2e/')).toBe('/api/a/');
    expect(normalizeTarget('/api/..')).toBe('/');
    expect(normalizeTarget('/api/...')).toBe('/api/...');
    expect(normalizeTarget('/api/a/.')).toBe('/api/a/');
    expect(normalizeTarget('/api/a/..?q')).toBe('/api/?q');
  });

  it('refuses a climb above the root and invalid percent-encoding', () => {
    expect(normalizeTarget('/..')).toBeNull();
    expect(normalizeTarget('/api/../../etc/passwd')).toBeNull();
    expect(normalizeTarget('/%2e%2e/x')).toBeNull();
    expect(normalizeTarget('/%c0%ae%c0%ae/x')).toBeNull();
    expect(normalizeTarget('/a%zz')).toBeNull();
  });

  it('refuses targets that are not origin-form, and an encoded NUL', () => {
    expect(normalizeTarget('http://example.com/api/x')).toBeNull();
    expect(normalizeTarget('*')).toBeNull();
    expect(normalizeTarget('example.com:443')).toBeNull();
    expect(normalizeTarget('/api/a%00b')).toBeNull();
    expect(normalizeTarget('/api/a%2500b')).toBe('/api/a%2500b');
  });
});

describe('absoluteForm', () => {
  it('takes an http(s) target apart into its authority and origin-form', () => {
    expect(absoluteForm('http://example.com/api/../x?y')).toEqual({
      authority: 'example.com',
      origin: '/api/../x?y',
    });
    expect(absoluteForm('HTTPS://[::1]:8443')).toEqual({ authority: '[::1]:8443', origin: '/' });
    expect(absoluteForm('http://h?q=1')).toEqual({ authority: 'h', origin: '/?q=1' });
  });

  it('leaves other forms alone and refuses a bad authority or scheme', () => {
    for (const t of ['/x', '*', 'example.com:443', '/a://b'])
      expect(absoluteForm(t), t).toBe(undefined);
    for (const t of ['http://a@b/x', 'http:///x', 'http://a b/x', 'ftp://h/x', 'http://h#f/x']) {
      expect(absoluteForm(t), t).toMatchObject({ status: 400 });
    }
  });
});

describe('checkCodings', () => {
  it('takes no coding or chunked alone, and refuses any other with 501', () => {
    expect(checkCodings(['Host', 'x'])).toBeUndefined();
    expect(checkCodings(['Transfer-Encoding', 'chunked'])).toBeUndefined();
    expect(checkCodings(['transfer-encoding', ' Chunked ,'])).toBeUndefined();
    for (const codings of [['gzip, chunked'], ['gzip', 'chunked'], ['identity'], ['x-custom']]) {
      const raw = codings.flatMap((c) => ['Transfer-Encoding', c]);
      expect(checkCodings(raw), codings.join(' | ')).toMatchObject({ status: 501, close: true });
    }
  });
});

describe('checkVersion', () => {
  it('takes HTTP/1.x alone, and refuses 0.9 and 2.0 with 505', () => {
    expect(checkVersion(1)).toBeUndefined();
    expect(checkVersion(0)).toMatchObject({ status: 505, close: true });
    expect(checkVersion(2)).toMatchObject({ status: 505, close: true });
  });
});

describe('isValidHost', () => {
  it('accepts names, addresses and ports', () => {
    for (const h of [
      'example.com',
      'a-b.c_d~e',
      'localhost:8080',
      '127.0.0.1:80',
      '[::1]:80',
      '',
    ]) {
      expect(isValidHost(h), h).toBe(true);
    }
  });

  it('refuses paths, userinfo and bad ports', () => {
    for (const h of ['evil.com/../@x', 'a@b', 'a b', 'x:80a', '[::1', 'a/b', 'x:8:8']) {
      expect(isValidHost(h), h).toBe(false);
    }
  });
});

describe('checkRequest', () => {
  it('answers 405 to TRACE and CONNECT, 400 to two Host headers', () => {
    expect(checkRequest('TRACE', ['Host', 'x'], 1)).toMatchObject({ status: 405 });
    expect(checkRequest('CONNECT', ['Host', 'x'], 1)).toMatchObject({ status: 405 });
    expect(checkRequest('GET', ['Host', 'a', 'host', 'a'], 1)).toMatchObject({ status: 400 });
    expect(checkRequest('GET', ['Host', 'a'], 1)).toBeUndefined();
  });

  it('answers 400 and closes on Transfer-Encoding in HTTP/1.0 only', () => {
    const te = ['Host', 'a', 'Transfer-Encoding', 'chunked'];
    expect(checkRequest('POST', te, 0)).toMatchObject({ status: 400, close: true });
    expect(checkRequest('POST', te, 1)).toBeUndefined();
    expect(checkRequest('POST', ['Host', 'a', 'Content-Length', '3'], 0)).toBeUndefined();
  });
});

describe('proxyTarget', () => {
  it('forwards a normalised target inside the prefix, refuses one outside', () => {
    expect(proxyTarget('/api/a/../b', '/api')).toBe('/api/b');
    expect(proxyTarget('/api/hello', '/api')).toBe('/api/hello');
    expect(proxyTarget('/api/../healthz', '/api')).toMatchObject({ status: 400 });
    expect(proxyTarget('/api/%2e%2e/x', '/api')).toMatchObject({ status: 400 });
    expect(proxyTarget('/api/../apix', '/api')).toMatchObject({ status: 400 });
    expect(proxyTarget('/api/..', '/api')).toMatchObject({ status: 400 });
    expect(proxyTarget('/x/../y', '/')).toBe('/y');
  });
});

describe('defaultMaxConnections', () => {
  it('keeps headroom and room for an upstream socket per client', () => {
    expect(defaultMaxConnections(20_000)).toBe(9872);
    expect(defaultMaxConnections(1024)).toBe(384);
    expect(defaultMaxConnections(100)).toBe(64);
  });
});

describe('takesUpgrade', () => {
  it('takes HTTP/1.1 asking for websocket alone, and no other upgrade', () => {
    expect(takesUpgrade(1, ['Host', 'x', 'Upgrade', 'websocket'])).toBe(true);
    expect(takesUpgrade(1, ['upgrade', ' WebSocket '])).toBe(true);
    expect(takesUpgrade(0, ['Upgrade', 'websocket'])).toBe(false);
    expect(takesUpgrade(1, ['Upgrade', 'h2c'])).toBe(false);
    expect(takesUpgrade(1, ['Upgrade', 'websocket, h2c'])).toBe(false);
    expect(takesUpgrade(1, ['Upgrade', 'websocket', 'Upgrade', 'websocket'])).toBe(false);
    expect(takesUpgrade(1, ['Host', 'x'])).toBe(false);
  });
});

describe('withoutUpgrade', () => {
  it('writes the head again without its Upgrade, the other Connection tokens kept', () => {
    const head = (raw: string[]): string =>
      withoutUpgrade('GET', '/x?y', 1, raw).toString('latin1');
    expect(
      head([
        'Host',
        'x',
        'Connection',
        'Upgrade, HTTP2-Settings, close',
        'Upgrade',
        'h2c',
        'HTTP2-Settings',
        'AAM',
        'Accept',
        '*/*',
      ]),
    ).toBe('GET /x?y HTTP/1.1\r\nHost: x\r\nConnection: close\r\nAccept: */*\r\n\r\n');
    expect(head(['Host', 'x', 'connection', 'upgrade', 'upgrade', 'h2c'])).toBe(
      'GET /x?y HTTP/1.1\r\nHost: x\r\n\r\n',
    );
  });
});
