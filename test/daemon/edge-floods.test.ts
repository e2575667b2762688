// Floods through the real apposd's edge, from and to its supervised backend: a websocket
// echoing a large stream through /terminal (a terminal printing a large file) and a large
// chunked download through /api (a Go API streaming a long list). Every byte arrives, and
// apposd's peak RSS rises by under 16 MB. Each read a tunnel relays is a new buffer, and llhttp
// hands each chunk over as a copy: they die young, but uncounted, V8 let some 30 MB of them pile
// up before collecting, and malloc kept that high-water mark (wire/read-garbage.ts counts them).
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
