// An upstream that is down while requests keep coming (no program bound, so each request tries
// to connect): apposd answers 502 each time and its memory levels off. Each upstream connection
// has an llhttp parser of its own, which Node's binding keeps, with all it refers to, until it is
// closed: unclosed, every refused connection stayed in memory (RSS 65 -> 444 MB over 37k
// requests by hand), and so did every connection the pool ever closed.
import { Agent, request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Daemon } from '../helpers/daemon.js';
import { MiB, memory } from '../helpers/proc-memory.js';
import { freePort } from '../helpers/temp.js';
import { waitFor } from '../helpers/wait-for.js';

let d: Daemon;
let base: string;

beforeAll(async () => {
  const [port, down] = [await freePort(), await freePort()];
  d = Daemon.start(`
http:
  listen: 127.0.0.1:${port}
  routes:
    - path: /api
      upstream: http://127.0.0.1:${down}
`);
  base = `http://127.0.0.1:${port}`;
  await waitFor(async () => (await statusOf(`${base}/api/x`)) === 502, {
    timeoutMs: 15_000,
    what: 'the edge answering 502',
  });
}, 30_000);

afterAll(async () => {
  await d?.cleanup();
});

function statusOf(url: string, agent?: Agent): Promise<number> {
  return new Promise((resolve) => {
    const req = request(url, { agent }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', () => resolve(0));
    req.end();
  });
}

/** `count` requests to `url`, `concurrency` at a time; resolves with how many got a 502. */
async function load(url: string, count: number, concurrency: number): Promise<number> {
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
  let next = 0;
  let bad = 0;
  const worker = async (): Promise<void> => {
    while (next < count) {
      next++;
      if ((await statusOf(url, agent)) === 502) bad++;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  agent.destroy();
  return bad;
}

describe('an upstream down under load', () => {
  it("answers 502 to 3 x 8,000 requests while apposd's RSS levels off", async () => {
    const pid = d.proc.pid as number;
    const rss: number[] = [];
    for (let round = 0; round < 3; round++) {
      expect(await load(`${base}/api/x`, 8000, 16)).toBe(8000);
      rss.push(memory(pid).rss);
    }
    console.log(
      `apposd RSS after each round: ${rss.map((b) => (b / MiB).toFixed(1)).join(', ')} MiB`,
    );
    expect(rss[2]! - rss[0]!).toBeLessThan(16 * MiB);
  }, 120_000);
});
