// writeHead (wire/head-lines.ts) writes a proxied answer's head and first body bytes in one
// write, assembled in a buffer it reuses while its writes go to the kernel whole: the bytes are
// the head lines, the tail and the body (framed as a chunk when asked); a write the socket queued
// keeps its bytes while other sockets' answers are written; whole writes share one buffer.
import { connect, createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { headLines, writeHead } from '../../src/http/wire/head-lines.js';

const PAIRS = ['Content-Type', 'application/json', 'X-Frame-Options', 'SAMEORIGIN'];
const TAIL = 'Connection: keep-alive\r\n\r\n';

interface Pair {
  /** The writing side (what apposd's edge holds). */
  server: Socket;
  /** The reading side, paused until `drain` is called. */
  client: Socket;
  /** Everything `client` read, once the server side ended. */
  drain(): Promise<Buffer>;
}

let listener: Server | undefined;
const opened: Socket[] = [];

afterEach(async () => {
  for (const s of opened.splice(0)) s.destroy();
  const srv = listener;
  listener = undefined;
  if (srv !== undefined) await new Promise((r) => srv.close(r));
});

async function pair(): Promise<Pair> {
  listener ??= createServer();
  const srv = listener;
  if (!srv.listening) await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const accepted = new Promise<Socket>((r) => srv.once('connection', r));
  const client = connect((srv.address() as AddressInfo).port, '127.0.0.1');
  client.pause();
  const server = await accepted;
  opened.push(client, server);
  const chunks: Buffer[] = [];
  client.on('data', (c: Buffer) => chunks.push(c));
  const ended = new Promise<Buffer>((r) => client.on('end', () => r(Buffer.concat(chunks))));
  return {
    server,
    client,
    drain: () => {
      server.end();
      client.resume();
      return ended;
    },
  };
}

describe('writeHead', () => {
  it('writes the head lines, the tail and the body, framed as one chunk when chunked', async () => {
    const p = await pair();
    const body = Buffer.from('{"hello":"world"}');
    writeHead(p.server, 200, PAIRS, TAIL, body, false);
    writeHead(p.server, 404, [], 'Transfer-Encoding: chunked\r\n\r\n', body, true);
    writeHead(p.server, 204, PAIRS, TAIL, null, false);
    const got = (await p.drain()).toString('latin1');
    expect(got).toBe(
      `${headLines(200, PAIRS)}${TAIL}${body}` +
        `HTTP/1.1 404 Not Found\r\nTransfer-Encoding: chunked\r\n\r\n11\r\n${body}\r\n` +
        `${headLines(204, PAIRS)}${TAIL}`,
    );
  });

  it("keeps a queued write's bytes while other sockets' answers are written", async () => {
    const stuck = await pair();
    const reader = await pair();
    const expected: Buffer[] = [];
    // Answers of 16 KiB to a client that reads nothing, until one is queued in part.
    for (let i = 0; stuck.server.writableLength === 0; i++) {
      expect(i).toBeLessThan(100_000);
      const body = Buffer.alloc(16 * 1024, 0x41 + (i % 26));
      writeHead(stuck.server, 200, PAIRS, TAIL, body, false);
      expected.push(Buffer.from(`${headLines(200, PAIRS)}${TAIL}`, 'latin1'), body);
    }
    for (let i = 0; i < 50; i++) {
      writeHead(reader.server, 200, PAIRS, TAIL, Buffer.alloc(16 * 1024, 0x30 + (i % 10)), false);
    }
    const [got, other] = await Promise.all([stuck.drain(), reader.drain()]);
    expect(other.length).toBe(50 * (16 * 1024 + Buffer.byteLength(headLines(200, PAIRS) + TAIL)));
    expect(got.equals(Buffer.concat(expected))).toBe(true);
  });

  it('writes answers that go out whole from one buffer', async () => {
    const p = await pair();
    const buffers = new Set<ArrayBufferLike>();
    const offsets = new Set<number>();
    const write = p.server.write.bind(p.server);
    p.server.write = ((chunk: Buffer) => {
      buffers.add(chunk.buffer);
      offsets.add(chunk.byteOffset);
      return write(chunk);
    }) as typeof p.server.write;
    p.client.resume();
    for (let i = 0; i < 20; i++) {
      writeHead(p.server, 200, PAIRS, TAIL, Buffer.from(`{"n":${i}}`), false);
      // Each answer reaches the kernel before the next is written.
      expect(p.server.writableLength).toBe(0);
    }
    expect([buffers.size, offsets.size]).toEqual([1, 1]);
    p.client.pause();
    await p.drain();
  });
});
