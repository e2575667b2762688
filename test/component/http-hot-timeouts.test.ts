// The hot path's two connection timeouts: a keep-alive connection with nothing in flight closes
// after the keep-alive timeout, a request whose upstream stays silent gets its 504 after the
// idle timeout, whichever of the two is the longer one (the socket is armed with the shorter,
// once, and waits out the rest when that is the one in force).
import { createServer, type Server } from 'node:http';
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeServer, httpConfig, listenLoopback, startEdge } from '../helpers/http-edge.js';

let upstream: Server;
let url: string;

beforeAll(async () => {
  // /silent never answers; anything else answers at once.
  upstream = createServer((req, res) => {
    if (req.url !== '/api/silent') res.end('ok');
  });
  url = `http://127.0.0.1:${await listenLoopback(upstream)}`;
});

afterAll(async () => {
  upstream.closeAllConnections();
  await closeServer(upstream);
});

/** Sends `path` on a fresh keep-alive connection: ms until its first answer and until it closed. */
function timed(
  port: number,
  path: string,
): Promise<{ answered: number; closed: number; text: string }> {
  return new Promise((resolve) => {
    const t0 = performance.now();
    let answered = -1;
    let text = '';
    const s = connect(port, '127.0.0.1');
    s.on('error', () => undefined);
    s.on('data', (c: Buffer) => {
      if (answered < 0) answered = performance.now() - t0;
      text += c.toString('latin1');
    });
    s.on('close', () => resolve({ answered, closed: performance.now() - t0, text }));
    s.write(`GET ${path} HTTP/1.1\r\nHost: x\r\n\r\n`);
  });
}

describe('hot connection timeouts', () => {
  for (const [idle, keepAlive] of [
    [300, 900],
    [900, 300],
  ] as const) {
    it(`idle ${idle} ms, keep-alive ${keepAlive} ms: each in force where it applies`, async () => {
      const t = await startEdge(httpConfig([{ path: '/api', upstream: url }]), undefined, {
        idleTimeoutMs: idle,
        keepAliveTimeoutMs: keepAlive,
        headersTimeoutMs: 200,
      });
      try {
        const [kept, silent] = await Promise.all([
          timed(t.port, '/api/hello'),
          timed(t.port, '/api/silent'),
        ]);
        expect(kept.text).toMatch(/^HTTP\/1\.1 200 /);
        expect(kept.closed - kept.answered).toBeGreaterThanOrEqual(keepAlive - 50);
        expect(kept.closed - kept.answered).toBeLessThan(keepAlive + 2000);
        expect(silent.text).toMatch(/^HTTP\/1\.1 504 /);
        expect(silent.answered).toBeGreaterThanOrEqual(idle - 50);
        expect(silent.answered).toBeLessThan(idle + 2000);
      } finally {
        await t.close();
      }
    });
  }
});
