// Request heads that arrive over several reads stay on the hot path (a large head over a real
// network, pipelined requests cut by a read's end), and a head that takes longer than the
// headers timeout from its first bytes is answered 408 and closed, as node:http answers it,
// however often its bytes trickle in. The hot path parses such a head again from its start on
// each read: one that keeps trickling goes to node:http, which parses on where it stopped.
import { createServer, type Server } from 'node:http';
import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PARTIAL_PARSE_BYTES } from '../../src/http/wire/connection.js';
import { statusOf } from '../helpers/http-client.js';
import { startEdgeTo, type TestEdge } from '../helpers/http-edge.js';
import { countNodeHttp } from '../helpers/node-http-events.js';
import { waitFor } from '../helpers/wait-for.js';

const HEADERS_TIMEOUT_MS = 400;

let upstream: Server;
let t: TestEdge;
const events = countNodeHttp((server) => server !== upstream);

beforeAll(async () => {
  upstream = createServer((req, res) => res.end(`seen ${req.url}`));
  t = await startEdgeTo(upstream, (origin) => [{ path: '/api', upstream: origin }], {
    headersTimeoutMs: HEADERS_TIMEOUT_MS,
  });
});

afterAll(async () => {
  events.restore();
  await t?.close();
});

interface Client {
  readonly socket: Socket;
  /** Everything read so far. */
  text(): string;
  /** True once the edge closed the connection. */
  closed(): boolean;
}

async function client(): Promise<Client> {
  const socket = connect(t.port, '127.0.0.1');
  let got = '';
  let closed = false;
  socket.on('data', (c: Buffer) => (got += c.toString('latin1')));
  socket.on('close', () => (closed = true));
  socket.on('error', () => undefined);
  await new Promise<void>((r) => socket.once('connect', r));
  return { socket, text: () => got, closed: () => closed };
}

/** Writes `data` in pieces of `size` bytes, `gapMs` apart. */
async function trickle(socket: Socket, data: string, size: number, gapMs: number): Promise<void> {
  for (let at = 0; at < data.length && !socket.destroyed; at += size) {
    socket.write(data.slice(at, at + size));
    await new Promise((r) => setTimeout(r, gapMs));
  }
}

const answers = (text: string): number => text.split('HTTP/1.1 200 OK').length - 1;

describe('heads over several reads', () => {
  it('reads a head sent in two parts on the hot path', async () => {
    const before = events.counts.request;
    const c = await client();
    try {
      await trickle(c.socket, 'GET /api/two HTTP/1.1\r\nHost: x\r\nX-Part: one\r\n\r\n', 20, 50);
      await waitFor(() => c.text().includes('seen /api/two') || undefined, {
        what: 'the answer',
      });
      expect(statusOf(c.text())).toBe(200);
      expect(events.counts.request - before).toBe(0);
    } finally {
      c.socket.destroy();
    }
  });

  it('reads pipelined requests cut at every few bytes on the hot path, in order', async () => {
    const before = events.counts.request;
    const c = await client();
    let data = '';
    for (let i = 0; i < 5; i++) data += `GET /api/p${i} HTTP/1.1\r\nHost: x\r\n\r\n`;
    try {
      await trickle(c.socket, data, 7, 2);
      await waitFor(() => answers(c.text()) === 5 || undefined, { what: 'five answers' });
      const seen = [...c.text().matchAll(/seen (\/api\/p\d)/g)].map((m) => m[1]);
      expect(seen).toEqual(['/api/p0', '/api/p1', '/api/p2', '/api/p3', '/api/p4']);
      expect(events.counts.request - before).toBe(0);
    } finally {
      c.socket.destroy();
    }
  });

  it('hands a head trickled over many reads to node:http, which answers it', async () => {
    const before = events.counts.request;
    const c = await client();
    const pad = 'p'.repeat(4000);
    const head = `GET /api/trickled HTTP/1.1\r\nHost: x\r\nX-Pad: ${pad}\r\n\r\n`;
    // Parsed again on each read: 4 KB, then a byte at a time until that passes the bound.
    const pieces = Math.ceil(PARTIAL_PARSE_BYTES / 4000) + 2;
    try {
      c.socket.write(head.slice(0, 4000));
      await new Promise((r) => setTimeout(r, 5));
      await trickle(c.socket, head.slice(4000, 4000 + pieces), 1, 2);
      c.socket.write(head.slice(4000 + pieces));
      await waitFor(() => c.text().includes('seen /api/trickled') || undefined, {
        what: 'the answer',
      });
      expect(statusOf(c.text())).toBe(200);
      expect(events.counts.request - before).toBe(1);
    } finally {
      c.socket.destroy();
    }
  });

  it('answers 408 to a head still coming in after the headers timeout, and closes', async () => {
    const c = await client();
    const started = Date.now();
    // A byte every 40 ms: each read is quick, the head as a whole is not.
    void trickle(
      c.socket,
      'GET /api/slow HTTP/1.1\r\nHost: x\r\nX-Long: abcdefghij\r\n\r\n',
      1,
      40,
    );
    await waitFor(() => c.closed() || undefined, { timeoutMs: 5_000, what: 'the close' });
    expect(statusOf(c.text())).toBe(408);
    expect(c.text()).toContain('{"error":"request_timeout"}');
    expect(Date.now() - started).toBeGreaterThanOrEqual(HEADERS_TIMEOUT_MS - 50);
    expect(Date.now() - started).toBeLessThan(HEADERS_TIMEOUT_MS + 1_500);
  });
});
