// Streams through the edge under pressure: a slow client reading a fast 1 GiB download holds
// back the upstream (bounded bytes in flight and memory), a client that disconnects mid-body
// frees the upstream connection, and websocket ping/pong and close codes pass both ways.
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket, WebSocketServer } from 'ws';
import { httpConfig, startEdge, type TestEdge } from '../helpers/http-edge.js';
import { waitFor } from '../helpers/wait-for.js';

const GIB = 1024 ** 3;
const BLOCK = Buffer.alloc(64 * 1024, 0x61);

let upstream: Server;
let wss: WebSocketServer;
let t: TestEdge;
/** Bytes the upstream's download handed to its socket so far. */
let written = 0;
/** Upload requests the upstream saw end before completing. */
let abortedUploads = 0;
/** Upload requests the upstream received. */
let uploadsSeen = 0;

beforeAll(async () => {
  upstream = createServer((req, res) => {
    if (req.url === '/api/download') {
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': GIB });
      const pump = (): void => {
        while (written < GIB) {
          written += BLOCK.length;
          if (!res.write(BLOCK)) {
            res.once('drain', pump);
            return;
          }
        }
        res.end();
      };
      res.on('close', () => res.removeAllListeners('drain'));
      pump();
      return;
    }
    uploadsSeen++;
    req.on('close', () => {
      if (!req.complete) abortedUploads++;
    });
    req.resume();
    req.on('end', () => res.end('{}'));
  });
  wss = new WebSocketServer({ server: upstream });
  wss.on('connection', (ws) => {
    ws.on('message', (data, isBinary) => {
      const text = data.toString();
      if (text === 'ping me') ws.ping('from upstream');
      else if (text === 'close me') ws.close(4002, 'upstream says bye');
      else ws.send(data, { binary: isBinary });
    });
    ws.on('pong', (data) => ws.send(`pong: ${data.toString()}`));
    ws.on('close', (code, reason) => closes.push([code, reason.toString()]));
  });
  await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
  const port = (upstream.address() as AddressInfo).port;
  t = await startEdge(
    httpConfig([
      { path: '/api', upstream: `http://127.0.0.1:${port}` },
      { path: '/terminal', upstream: `http://127.0.0.1:${port}`, websocket: true },
    ]),
  );
});

/** Close codes and reasons the upstream's websockets received. */
const closes: [number, string][] = [];

afterAll(async () => {
  await t?.close();
  for (const c of wss?.clients ?? []) c.terminate();
  upstream?.closeAllConnections();
  await new Promise((r) => upstream?.close(r));
});

describe('backpressure', () => {
  it('a slow client reading a fast 1 GiB download keeps bytes in flight and memory bounded', async () => {
    const rssBefore = process.memoryUsage().rss;
    let received = 0;
    let maxInFlight = 0;
    let maxRss = rssBefore;
    await new Promise<void>((resolve, reject) => {
      const req = request(`${t.base}/api/download`, { agent: false }, (res) => {
        expect(res.statusCode).toBe(200);
        // Read 256 KiB, then pause 50 ms: about 5 MiB/s against an upstream that could go at
        // hundreds. Stop after 3 s.
        res.on('data', (c: Buffer) => {
          received += c.length;
          maxInFlight = Math.max(maxInFlight, written - received);
          maxRss = Math.max(maxRss, process.memoryUsage().rss);
          if (received % (256 * 1024) < c.length) {
            res.pause();
            setTimeout(() => res.resume(), 50);
          }
        });
        setTimeout(() => {
          req.destroy();
          resolve();
        }, 3000);
      });
      req.on('error', (err) => {
        if (!req.destroyed) reject(err);
      });
      req.end();
    });
    expect(received).toBeGreaterThan(1024 * 1024);
    expect(written).toBeLessThan(GIB / 4);
    expect(maxInFlight).toBeLessThan(64 * 1024 * 1024);
    expect(maxRss - rssBefore).toBeLessThan(128 * 1024 * 1024);
  });

  it('a client that disconnects mid-body frees the upstream connection', async () => {
    const before = abortedUploads;
    const seenBefore = uploadsSeen;
    const req = request(`${t.base}/api/upload`, {
      method: 'POST',
      agent: false,
      headers: { 'content-length': 10 * 1024 * 1024 },
    });
    req.on('error', () => undefined);
    req.write(Buffer.alloc(1024 * 1024));
    await waitFor(() => uploadsSeen > seenBefore, {
      what: 'the upload reaching the upstream',
    });
    req.destroy();
    await waitFor(() => abortedUploads > before, { what: 'the upstream request aborted' });
    await waitFor(
      () => new Promise<boolean>((r) => upstream.getConnections((_e, n) => r(n === 0))),
      { what: 'no upstream connection left' },
    );
  });
});

describe('websockets', () => {
  it('pass ping/pong and close codes both ways', async () => {
    const ws = new WebSocket(`ws://127.0.0.1:${t.port}/terminal`);
    const messages: string[] = [];
    const pongs: string[] = [];
    ws.on('message', (d) => messages.push(d.toString()));
    ws.on('pong', (d) => pongs.push(d.toString()));
    await new Promise<void>((resolve, reject) => {
      ws.once('open', resolve);
      ws.once('error', reject);
    });
    // Client -> upstream ping, answered by the upstream's pong.
    ws.ping('from client');
    await waitFor(() => pongs.includes('from client'), { what: 'the upstream pong' });
    // Upstream -> client ping, answered by the client's pong (which the upstream reports).
    ws.send('ping me');
    await waitFor(() => messages.includes('pong: from upstream'), { what: 'the client pong' });
    // Upstream closes with its code and reason.
    const closed = new Promise<[number, string]>((r) =>
      ws.once('close', (code, reason) => r([code, reason.toString()])),
    );
    ws.send('close me');
    expect(await closed).toEqual([4002, 'upstream says bye']);
    // Client closes with its code and reason.
    const ws2 = new WebSocket(`ws://127.0.0.1:${t.port}/terminal`);
    await new Promise<void>((resolve, reject) => {
      ws2.once('open', resolve);
      ws2.once('error', reject);
    });
    ws2.close(4001, 'client says bye');
    await waitFor(() => closes.some(([c, r]) => c === 4001 && r === 'client says bye'), {
      what: 'the client close code upstream',
    });
  });
});
