// A websocket flood through /terminal of the real apposd (a terminal printing a large file):
// every byte comes back, and apposd's peak RSS rises by under 16 MB. Each read a tunnel relays
// is a new buffer; uncounted, V8 let 30 MB of them pile up before collecting, and malloc kept
// that high-water mark (http/proxy/relay.ts counts them as bodies' reads are counted).
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type EdgeDaemon, startEdgeDaemon } from '../helpers/edge-daemon.js';
import { memory } from '../helpers/proc-memory.js';

const MB = 1024 * 1024;
const MESSAGE = 64 * 1024;
const TOTAL = 384 * MB;
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
      `apposd RSS before ${(before.rss / MB).toFixed(1)} MiB, peak ${(rise / MB).toFixed(1)} MiB above it, after ${(after.rss / MB).toFixed(1)} MiB`,
    );
    expect(rise).toBeLessThan(16 * MB);
  }, 120_000);
});
