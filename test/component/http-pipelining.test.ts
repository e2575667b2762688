// A client that pipelines requests and does not read the answers: the edge stops taking its
// requests once the answers it owes fill the socket, on the hot path and on connections
// node:http serves, and once the client reads, every answer arrives, in order. Answering on,
// one such connection had apposd proxy 120,000 requests at once (RSS 65 -> 290-550 MB).
import { createServer, type Server } from 'node:http';
import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEdgeTo, type TestEdge } from '../helpers/http-edge.js';
import { countNodeHttp } from '../helpers/node-http-events.js';
import { waitFor } from '../helpers/wait-for.js';

/** A large answer's body: a few hundred fill the kernel's socket buffers (some 10 MB here). */
const BODY = Buffer.alloc(64 * 1024, 'x');
/** A small answer's body: each is written whole at once, queued once the socket is full. */
const SMALL = Buffer.alloc(512, 'y');

let upstream: Server;
let t: TestEdge;
let received = 0;
/** node:http's events on the edge's server (not the upstream's). */
const events = countNodeHttp((server) => server !== upstream);

beforeAll(async () => {
  upstream = createServer((req, res) => {
    received++;
    res.setHeader('x-url', req.url ?? '');
    res.end(req.url?.startsWith('/small') === true ? SMALL : BODY);
  });
  t = await startEdgeTo(upstream, (origin) => [
    { path: '/api', upstream: origin },
    { path: '/small', upstream: origin },
  ]);
});

afterAll(async () => {
  events.restore();
  await t?.close();
});

/** Pipelined GETs `from` to `to` of `prefix`/p. */
function pipelined(prefix: string, from: number, to: number): string {
  let out = '';
  for (let i = from; i < to; i++) out += `GET ${prefix}/p?i=${i} HTTP/1.1\r\nHost: x\r\n\r\n`;
  return out;
}

/** Waits until the upstream's count has not moved for `quietMs`, and returns it. */
async function settled(quietMs = 400): Promise<number> {
  let last = -1;
  let since = Date.now();
  return waitFor(
    () => {
      if (received !== last) {
        last = received;
        since = Date.now();
        return undefined;
      }
      return Date.now() - since >= quietMs ? received : undefined;
    },
    { timeoutMs: 15_000, what: 'the upstream count settling' },
  );
}

/** Reads the paused client's answers until `count` x-url headers came; returns them in order. */
function readAnswers(client: Socket, count: number): Promise<string[]> {
  const urls: string[] = [];
  let tail = '';
  return new Promise((resolve, reject) => {
    client.on('data', (chunk: Buffer) => {
      // Only the heads' x-url lines matter; a line may straddle two reads.
      const text = tail + chunk.toString('latin1');
      const cut = text.lastIndexOf('\n');
      for (const line of text.slice(0, cut + 1).split('\r\n')) {
        if (line.startsWith('x-url: ')) urls.push(line.slice(7));
      }
      tail = text.slice(cut + 1);
      if (urls.length >= count) resolve(urls);
    });
    client.on('error', reject);
    client.resume();
  });
}

async function unreadThenRead(
  prefix: string,
  requests: number,
  first = '',
  answersBefore = 0,
): Promise<void> {
  const before = received;
  const client = connect(t.port, '127.0.0.1');
  client.pause();
  await new Promise<void>((r) => client.once('connect', r));
  client.write(first + pipelined(prefix, 0, requests));
  try {
    const taken = (await settled()) - before;
    // The answers owed fill the sockets' buffers; without backpressure all were taken.
    expect(taken).toBeLessThan(requests / 2);
    const urls = await readAnswers(client, answersBefore + requests);
    expect(urls.slice(answersBefore)).toEqual(
      Array.from({ length: requests }, (_, i) => `${prefix}/p?i=${i}`),
    );
    expect(received - before).toBe(answersBefore + requests);
  } finally {
    client.destroy();
  }
}

describe('pipelined requests whose answers are not read', () => {
  it('wait on the hot path until the client reads (small answers, written whole)', async () => {
    const before = events.counts.request;
    await unreadThenRead('/small', 60_000);
    expect(events.counts.request - before).toBe(0);
  });

  it('wait on a connection node:http serves until the client reads', async () => {
    // More than 32 header fields: the hot path hands the connection to node:http.
    let many = 'GET /api/first HTTP/1.1\r\nHost: x\r\n';
    for (let i = 0; i < 40; i++) many += `X-H${i}: v\r\n`;
    await unreadThenRead('/api', 1200, `${many}\r\n`, 1);
  });
});
