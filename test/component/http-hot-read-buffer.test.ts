// The hot path's upstream connections read into a buffer of their own and read into it again
// once the bytes it held were let go of (proxy/pool.ts): large random bodies reach fast and slow
// readers byte for byte, Content-Length (relayed from the read buffer) or chunked; the pool never
// reads into a buffer a receiver still holds, and reads into the same one when it holds none;
// a hot response lets go of body bytes only when its socket queued none of them.
import { createHash, randomBytes } from 'node:crypto';
import { Agent, createServer, request, type Server } from 'node:http';
import { connect, createServer as createTcpServer, type AddressInfo, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UpstreamPool, type ResponseReceiver } from '../../src/http/proxy/pool.js';
import { HotResponse } from '../../src/http/proxy/respond.js';
import { llhttp } from '../helpers/llhttp.js';
import { countNodeHttp } from '../helpers/node-http-events.js';
import {
  httpConfig,
  startEdge,
  type TestEdge,
  closeServer,
  listenLoopback,
} from '../helpers/http-edge.js';

const BODY = randomBytes(8 * 1024 * 1024 + 17);
const WANT = sha256(BODY);

let upstream: Server;
let t: TestEdge;
const events = countNodeHttp(
  (server) => t !== undefined && (server.address() as AddressInfo | null)?.port === t.port,
);

function sha256(b: Buffer): string {
  return createHash('sha256').update(b).digest('hex');
}

beforeAll(async () => {
  upstream = createServer((req, res) => {
    const length = req.url === '/api/sized';
    res.writeHead(200, {
      'content-type': 'application/octet-stream',
      ...(length ? { 'content-length': BODY.length } : {}),
    });
    // Pieces of uneven sizes, so the edge's reads end anywhere in the body.
    let at = 0;
    let piece = 0;
    const pump = (): void => {
      while (at < BODY.length) {
        const n = 1000 + ((piece++ * 7919) % 90_000);
        const more = res.write(BODY.subarray(at, at + n));
        at += n;
        if (!more) {
          res.once('drain', pump);
          return;
        }
      }
      res.end();
    };
    pump();
  });
  const port = await listenLoopback(upstream);
  t = await startEdge(httpConfig([{ path: '/api', upstream: `http://127.0.0.1:${port}` }]));
});

afterAll(async () => {
  events.restore();
  await t?.close();
  await closeServer(upstream);
});

/** GETs `path` and hashes the body; a slow reader pauses 2 ms after every chunk it gets. */
function fetchHash(path: string, agent: Agent, slow: boolean): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request(`${t.base}${path}`, { agent }, (res) => {
      const hash = createHash('sha256');
      let bytes = 0;
      res.on('data', (chunk: Buffer) => {
        hash.update(chunk);
        bytes += chunk.length;
        if (slow && bytes < BODY.length) {
          res.pause();
          setTimeout(() => res.resume(), 2);
        }
      });
      res.on('end', () => resolve(hash.digest('hex')));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

describe('upstream read buffers on the hot path', () => {
  it('relays large bodies byte for byte to fast and slow readers at once', async () => {
    const before = events.counts.request;
    const agent = new Agent({ keepAlive: true, maxSockets: 4 });
    try {
      for (const path of ['/api/sized', '/api/chunked']) {
        const hashes = await Promise.all([
          fetchHash(path, agent, false),
          fetchHash(path, agent, true),
          fetchHash(path, agent, false),
          fetchHash(path, agent, true),
        ]);
        expect(hashes).toEqual([WANT, WANT, WANT, WANT]);
      }
      // The same keep-alive connections again: their pooled upstreams read on into what they hold.
      const again = await Promise.all([
        fetchHash('/api/sized', agent, true),
        fetchHash('/api/sized', agent, false),
      ]);
      expect(again).toEqual([WANT, WANT]);
    } finally {
      agent.destroy();
    }
    expect(events.counts.request - before).toBe(0);
  });
});

/** GETs `path` on a pooled connection for a receiver that keeps every chunk it is given. */
function keptViaPool(pool: UpstreamPool, path: string): Promise<Buffer[]> {
  const port = (upstream.address() as AddressInfo).port;
  const conn = pool.acquire(`http://127.0.0.1:${port}`, '127.0.0.1', port);
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const receiver: ResponseReceiver = {
      onHead: () => undefined,
      onBody: (chunk) => {
        chunks.push(chunk);
        return false;
      },
      onEnd: () => resolve(chunks),
      onError: reject,
    };
    conn.send(`GET ${path} HTTP/1.1\r\nhost: x\r\n\r\n`, false, receiver);
  });
}

describe("an upstream connection's read buffer", () => {
  it('is never read into while a receiver keeps what it read last', async () => {
    const pool = new UpstreamPool(llhttp);
    try {
      const kept = await keptViaPool(pool, '/api/sized');
      expect(sha256(Buffer.concat(kept))).toBe(WANT);
      expect(new Set(kept.map((c) => c.buffer)).size).toBe(kept.length);
    } finally {
      pool.close();
    }
  });

  it('is read into again once the receiver let go of its bytes: no buffer per read', async () => {
    const pool = new UpstreamPool(llhttp);
    const seen = new Set<ArrayBufferLike>();
    const port = (upstream.address() as AddressInfo).port;
    const conn = pool.acquire(`http://127.0.0.1:${port}`, '127.0.0.1', port);
    try {
      const copies = await new Promise<Buffer[]>((resolve, reject) => {
        const chunks: Buffer[] = [];
        conn.send('GET /api/sized HTTP/1.1\r\nhost: x\r\n\r\n', false, {
          onHead: () => undefined,
          onBody: (chunk) => {
            seen.add(chunk.buffer);
            chunks.push(Buffer.from(chunk));
            return true;
          },
          onEnd: () => resolve(chunks),
          onError: reject,
        });
      });
      expect(sha256(Buffer.concat(copies))).toBe(WANT);
      expect(copies.length).toBeGreaterThan(50);
      expect(seen.size).toBe(1);
    } finally {
      pool.close();
    }
  });
});

describe('a hot response', () => {
  it('lets go of body bytes only once they were written out whole', async () => {
    const server = createTcpServer();
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const accepted = new Promise<Socket>((r) => server.once('connection', r));
    // A client that never reads: the edge's socket fills up.
    const client = connect((server.address() as AddressInfo).port, '127.0.0.1');
    client.pause();
    const socket = await accepted;
    try {
      const chunk = Buffer.alloc(1024 * 1024, 1);
      const total = 64 * chunk.length;
      const head = {
        method: 'GET',
        url: '/',
        headers: [],
        versionMinor: 1,
        keepAlive: true,
        upgrade: false,
        raw: Buffer.alloc(0),
      };
      const owner = { responded: () => undefined, responseFailed: () => undefined };
      const state = { closing: false, longLived: new Set<Socket>() };
      const res = new HotResponse(
        owner,
        socket,
        state,
        head,
        200,
        ['content-length', `${total}`],
        false,
      );
      const answers: [boolean, number][] = [];
      for (let i = 0; i < 64; i++) {
        const free = res.body(chunk, null);
        answers.push([free, socket.writableLength]);
        if (!free) break;
      }
      // Every "free" came with nothing queued; the first kept chunk is still queued.
      expect(answers.filter(([free, queued]) => free && queued !== 0)).toEqual([]);
      expect(answers.at(-1)![0]).toBe(false);
      expect(answers.at(-1)![1]).toBeGreaterThan(0);
      res.release();
    } finally {
      client.destroy();
      socket.destroy();
      server.close();
    }
  });
});
