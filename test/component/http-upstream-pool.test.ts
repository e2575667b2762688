// The hot path's upstream pool (proxy/pool.ts) against a real node:http upstream: a connection
// serves request after request while it is in use, and one left idle is closed by the pool's
// sweep after 3/4 to all of the idle time, never at once; a closed pool stops sweeping.
import { createServer, type Server } from 'node:http';
import type { Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UpstreamPool, type UpstreamConn } from '../../src/http/proxy/pool.js';
import { closeServer, listenLoopback } from '../helpers/http-edge.js';
import { llhttp } from '../helpers/llhttp.js';
import { waitFor } from '../helpers/wait-for.js';

let upstream: Server;
let port = 0;
const sockets: Socket[] = [];
const closedAt = new Map<Socket, number>();

beforeAll(async () => {
  upstream = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': 2 });
    res.end('{}');
  });
  // The upstream keeps connections longer than the pool does: only the pool closes them.
  upstream.keepAliveTimeout = 60_000;
  upstream.on('connection', (s: Socket) => {
    sockets.push(s);
    s.on('close', () => closedAt.set(s, Date.now()));
  });
  port = await listenLoopback(upstream);
});

afterAll(async () => {
  await closeServer(upstream);
});

/** One GET on a pooled connection; resolves with the status once the response ended. */
function get(pool: UpstreamPool): Promise<{ status: number; conn: UpstreamConn }> {
  const conn = pool.acquire(`http://127.0.0.1:${port}`, '127.0.0.1', port);
  return new Promise((resolve, reject) => {
    let status = 0;
    conn.send('GET / HTTP/1.1\r\nhost: x\r\n\r\n', false, {
      onHead: (s) => void (status = s),
      onBody: () => true,
      onEnd: () => resolve({ status, conn }),
      onError: reject,
    });
  });
}

describe('the hot upstream pool', () => {
  it('reuses a connection, then closes it after 3/4 to all of its idle time', async () => {
    const idleMs = 600;
    const pool = new UpstreamPool(llhttp, idleMs);
    const before = sockets.length;
    try {
      const a = await get(pool);
      const b = await get(pool);
      expect([a.status, b.status]).toEqual([200, 200]);
      expect(b.conn).toBe(a.conn);
      expect(b.conn.reused).toBe(true);
      expect(sockets.length - before).toBe(1);
      const idleFrom = Date.now();
      const socket = sockets.at(-1)!;
      const at = await waitFor(() => closedAt.get(socket), {
        timeoutMs: 5_000,
        what: 'the pool closing its idle connection',
      });
      expect(at - idleFrom).toBeGreaterThanOrEqual((idleMs * 3) / 4 - 50);
      // A request after that opens a new connection.
      const c = await get(pool);
      expect(c.status).toBe(200);
      expect(c.conn).not.toBe(a.conn);
      expect(sockets.length - before).toBe(2);
    } finally {
      pool.close();
    }
  });

  it('closes every connection, idle or not, when it closes', async () => {
    const pool = new UpstreamPool(llhttp, 60_000);
    const before = sockets.length;
    await Promise.all([get(pool), get(pool)]);
    const mine = sockets.slice(before);
    expect(mine).toHaveLength(2);
    pool.close();
    await waitFor(() => mine.every((s) => closedAt.has(s)), { what: 'both connections closed' });
  });
});
