import { describe, expect, it } from 'vitest';
import {
  encodeCommand,
  MAX_REPLY_BYTES,
  parseRedisUrl,
  readReply,
} from '../../../src/probes/resp.js';

describe('parseRedisUrl', () => {
  it('reads host, port, TLS and decoded credentials', () => {
    expect(parseRedisUrl('redis://127.0.0.1:6380/0')).toEqual({
      tls: false,
      host: '127.0.0.1',
      port: 6380,
    });
    expect(parseRedisUrl('rediss://:p%40ss%20w@cache')).toEqual({
      tls: true,
      host: 'cache',
      port: 6379,
      password: 'p@ss w',
    });
    expect(parseRedisUrl('redis://probe:s3cret@[::1]:7000')).toEqual({
      tls: false,
      host: '::1',
      port: 7000,
      username: 'probe',
      password: 's3cret',
    });
  });

  it('ignores a user name without a password, and refuses other schemes', () => {
    expect(parseRedisUrl('redis://someone@127.0.0.1')).toEqual({
      tls: false,
      host: '127.0.0.1',
      port: 6379,
    });
    expect(() => parseRedisUrl('http://127.0.0.1:6379')).toThrow('not a redis:// URL: http:');
  });
});

describe('encodeCommand', () => {
  it('writes a RESP array of bulk strings, counting bytes not characters', () => {
    expect(encodeCommand(['PING']).toString()).toBe('*1\r\n$4\r\nPING\r\n');
    expect(encodeCommand(['AUTH', 'u', 'pässw']).toString()).toBe(
      '*3\r\n$4\r\nAUTH\r\n$1\r\nu\r\n$6\r\npässw\r\n',
    );
  });
});

describe('readReply', () => {
  const read = (text: string) => readReply(Buffer.from(text, 'latin1'));

  it('waits for a whole line, then returns it with the bytes it used', () => {
    expect(read('')).toBeUndefined();
    expect(read('+PON')).toBeUndefined();
    expect(read('+PONG\r')).toBeUndefined();
    expect(read('+PONG\r\n-ERR x\r\n')).toEqual({
      reply: { kind: 'simple', text: 'PONG' },
      used: 7,
    });
    expect(read('-LOADING Redis is loading\r\n')).toEqual({
      reply: { kind: 'error', text: 'LOADING Redis is loading' },
      used: 27,
    });
  });

  it('calls any other reply kind, or an endless line, unexpected', () => {
    expect(read('$4\r\nPONG\r\n')).toMatchObject({ reply: { kind: 'unexpected', text: '$4' } });
    expect(read('HTTP/1.1 400 Bad Request\r\n')).toMatchObject({
      reply: { kind: 'unexpected', text: 'HTTP/1.1 400 Bad Request' },
    });
    expect(read('x'.repeat(MAX_REPLY_BYTES))).toBeUndefined();
    expect(read('x'.repeat(MAX_REPLY_BYTES + 1))).toMatchObject({
      reply: { kind: 'unexpected' },
      used: MAX_REPLY_BYTES + 1,
    });
  });
});
