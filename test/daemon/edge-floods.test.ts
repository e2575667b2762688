// Floods through the real apposd's edge, from and to its supervised backend: a websocket
// echoing a large stream through /terminal (a terminal printing a large file) and a large
// chunked download through /api (a Go API streaming a long list). Every byte arrives, and
// apposd's peak RSS rises by under 16 MB. Each read a tunnel relays is a new buffer, and llhttp
// hands each chunk over as a copy: they die young, but uncounted, V8 let some 30 MB of them pile
// up before collecting, and malloc kept that high-water mark (wire/read-garbage.ts counts them).
// Many short websockets and chunked uploads, one after another, level off too: each has an
// llhttp parser of its own, which Node's binding keeps with all it refers to until it is closed.
import { request } from 'node:http';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type EdgeDaemon, startEdgeDaemon } from '../helpers/edge-daemon.js';
import { MiB, memory } from '../helpers/proc-memory.js';

const MESSAGE = 64 * 1024;
const TOTAL = 384 * MiB;
/** Messages in flight at once, each way. */
const WINDOW = 16;

let edge: EdgeDaemon;

beforeAll(async () => {
  edge = await startEdgeDaemon({ dashboard: false });
}, 60_000);

afterAll(async () => {
  await edge?.d.cleanup();
});

/** Sends `total` bytes through the backend's /terminal echo; resolves with the bytes echoed. */
function echoFlood(url: string, total: number): Promise<number> {
  const message = Buffer.alloc(MESSAGE, 0x78);
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url);
    let sent = 0;
    let echoed = 0;
    const pump = (): void => {
      while (sent < total && sent - echoed < WINDOW * MESSAGE) {
        ws.send(message);
        sent += MESSAGE;
      }
    };
    ws.on('open', pump);
    ws.on('message', (data: Buffer) => {
      echoed += data.length;
      if (echoed >= total) {
        ws.close();
        resolve(echoed);
      } else pump();
    });
    ws.on('error', reject);
    ws.on('close', () => {
      if (echoed < total) reject(new Error(`closed after ${echoed} of ${total} bytes`));
    });
  });
}

describe('websocket flood', () => {
  it('echoes 384 MiB through /terminal with apposd peak RSS rising under 16 MB', async () => {
    const pid = edge.d.proc.pid as number;
    const url = `${edge.base.replace('http:', 'ws:')}/terminal`;
    // A small exchange first: the tunnel's code and buffers exist before the baseline.
    await echoFlood(url, 4 * MESSAGE);
    const before = memory(pid);
    const echoed = await echoFlood(url, TOTAL);
    const after = memory(pid);
    expect(echoed).toBe(TOTAL);
    const rise = after.peak - before.rss;
    console.log(
      `apposd RSS before ${(before.rss / MiB).toFixed(1)} MiB, peak ${(rise / MiB).toFixed(1)} MiB above it, after ${(after.rss / MiB).toFixed(1)} MiB`,
    );
    expect(rise).toBeLessThan(16 * MiB);
  }, 120_000);
});

/** GETs `path` and counts its body; resolves with the count and the framing it came with. */
function download(path: string): Promise<{ bytes: number; chunked: boolean }> {
  return new Promise((resolve, reject) => {
    const req = request(`${edge.base}${path}`, { agent: false }, (res) => {
      let bytes = 0;
      res.on('data', (c: Buffer) => (bytes += c.length));
      res.on('end', () =>
        resolve({ bytes, chunked: res.headers['transfer-encoding'] === 'chunked' }),
      );
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

describe('large downloads', () => {
  it('relays 512 MiB chunked with apposd peak RSS rising under 16 MB', async () => {
    const pid = edge.d.proc.pid as number;
    // A small one first: the path's code and buffers exist before the baseline.
    expect(await download(`/api/big?bytes=${MiB}&chunked=1`)).toEqual({
      bytes: MiB,
      chunked: true,
    });
    const before = memory(pid);
    const total = 512 * MiB;
    expect(await download(`/api/big?bytes=${total}&chunked=1`)).toEqual({
      bytes: total,
      chunked: true,
    });
    const after = memory(pid);
    const rise = after.peak - before.rss;
    console.log(
      `apposd RSS before ${(before.rss / MiB).toFixed(1)} MiB, peak ${(rise / MiB).toFixed(1)} MiB above it`,
    );
    expect(rise).toBeLessThan(16 * MiB);
  }, 120_000);
});

/** Opens a websocket to `url`, echoes one message, closes it; resolves once it closed. */
function oneEcho(url: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url);
    ws.on('open', () => ws.send('ping'));
    ws.on('message', () => ws.close());
    ws.on('close', () => resolve());
    ws.on('error', reject);
  });
}

/** A chunked POST of `body` to /api/upload; resolves with the bytes the backend counted. */
function chunkedUpload(body: Buffer): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(
      `${edge.base}/api/upload`,
      { method: 'POST', agent: false, headers: { 'transfer-encoding': 'chunked' } },
      (res) => {
        const parts: Buffer[] = [];
        res.on('data', (c: Buffer) => parts.push(c));
        res.on('end', () =>
          resolve((JSON.parse(Buffer.concat(parts).toString()) as { bytes: number }).bytes),
        );
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.write(body);
    req.end();
  });
}

/** Runs `count` of `task`, `concurrency` at a time. */
async function many(
  count: number,
  concurrency: number,
  task: () => Promise<unknown>,
): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < count) {
      next++;
      await task();
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
}

describe('many short exchanges', () => {
  it("3 x 3,000 websockets through /terminal while apposd's RSS levels off", async () => {
    const pid = edge.d.proc.pid as number;
    const url = `${edge.base.replace('http:', 'ws:')}/terminal`;
    const rss: number[] = [];
    for (let round = 0; round < 3; round++) {
      await many(3000, 16, () => oneEcho(url));
      rss.push(memory(pid).rss);
    }
    console.log(
      `apposd RSS after each round of websockets: ${rss.map((b) => (b / MiB).toFixed(1)).join(', ')} MiB`,
    );
    // Each round's garbage comes and goes by up to some 16 MB; a parser kept per websocket
    // added 31 MB over 2 rounds of 2,000.
    expect(rss[2]! - rss[0]!).toBeLessThan(20 * MiB);
  }, 120_000);

  it("3 x 5,000 chunked uploads through /api while apposd's RSS levels off", async () => {
    const pid = edge.d.proc.pid as number;
    const body = Buffer.alloc(1000, 0x61);
    const rss: number[] = [];
    for (let round = 0; round < 3; round++) {
      await many(5000, 16, async () => expect(await chunkedUpload(body)).toBe(body.length));
      rss.push(memory(pid).rss);
    }
    console.log(
      `apposd RSS after each round of uploads: ${rss.map((b) => (b / MiB).toFixed(1)).join(', ')} MiB`,
    );
    expect(rss[2]! - rss[0]!).toBeLessThan(16 * MiB);
  }, 120_000);
});
