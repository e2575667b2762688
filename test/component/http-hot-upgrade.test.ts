// Websocket upgrades on the hot path: relayed without node:http's 'upgrade' event (counted on
// every http.Server in this process but the upstream's), the request head re-written as the
// node:http path writes it, an answer without switching relayed byte for byte, a 502 when the
// upstream is not there, a 504 when it never answers, and a fast upstream writing into a slow
// reader's tunnel held back (bounded bytes in flight).
import { createServer, Server, type IncomingMessage } from 'node:http';
import { connect, type AddressInfo, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket, WebSocketServer } from 'ws';
import { rawExchange, statusOf } from '../helpers/http-client.js';
import { countNodeHttp } from '../helpers/node-http-events.js';
import { httpConfig, startEdge, type TestEdge } from '../helpers/http-edge.js';
import { waitFor } from '../helpers/wait-for.js';

/** An answer without switching, exactly as the upstream writes it (chunk extension, trailer). */
const REFUSAL_BODY = '5;ext=1\r\nhello\r\n6\r\n world\r\n0\r\nX-Trailer: done\r\n\r\n';
const REFUSAL =
  'HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nServer: upstream/1.0\r\n' +
  `Transfer-Encoding: chunked\r\n\r\n${REFUSAL_BODY}`;
const BLOCK = Buffer.alloc(64 * 1024, 0x62);

let upstream: Server;
let wss: WebSocketServer;
let t: TestEdge;
/** 'upgrade' events node:http emitted on a server other than the upstream's. */
/** The last upgrade request the upstream's websocket server accepted. */
let seen: IncomingMessage | undefined;
/** Bytes the upstream's /flood tunnel handed to its socket so far. */
let flooded = 0;
let stopFlood = false;
/** /half-open upstream sockets whose writes failed or that closed. */
let halfOpenGone = 0;
/** Upstream sockets taken over by an upgrade (closed at the end). */
const tunnels = new Set<Socket>();
/** node:http's events on servers other than the test's upstream: the edge's server. */
const events = countNodeHttp((server) => server !== upstream);

beforeAll(async () => {
  upstream = createServer();
  wss = new WebSocketServer({ noServer: true });
  wss.on('connection', (ws) => ws.on('message', (d, binary) => ws.send(d, { binary })));
  upstream.on('upgrade', (req: IncomingMessage, socket: Socket, head: Buffer) => {
    tunnels.add(socket);
    // Never answers: the edge's idle timeout answers for it.
    if (req.url === '/silent') return;
    if (req.url === '/refused') {
      socket.write(REFUSAL);
      return;
    }
    // Bytes after the body in the same write: not part of the answer.
    if (req.url === '/refused-extra') {
      socket.write(`${REFUSAL}HTTP/1.1 200 OK\r\nX-Smuggled: 1\r\n\r\n`);
      return;
    }
    // Keeps its half open when the client's side ends (as http.Server's sockets do), and
    // writes on until its writes fail.
    if (req.url === '/half-open') {
      socket.write('HTTP/1.1 101 Switching Protocols\r\nUpgrade: x\r\nConnection: Upgrade\r\n\r\n');
      const tick = setInterval(() => socket.write('.'), 20);
      const gone = (): void => {
        clearInterval(tick);
        halfOpenGone++;
      };
      socket.once('error', gone);
      socket.once('close', gone);
      return;
    }
    if (req.url === '/forbidden-extra') {
      socket.write('HTTP/1.1 403 Forbidden\r\nContent-Length: 5\r\n\r\nnope!EXTRA');
      return;
    }
    if (req.url === '/flood') {
      socket.write('HTTP/1.1 101 Switching Protocols\r\nUpgrade: x\r\nConnection: Upgrade\r\n\r\n');
      const pump = (): void => {
        while (!stopFlood && !socket.destroyed) {
          flooded += BLOCK.length;
          if (!socket.write(BLOCK)) {
            socket.once('drain', pump);
            return;
          }
        }
      };
      socket.on('error', () => undefined);
      pump();
      return;
    }
    seen = req;
    wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req));
  });
  await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;
  const dead = createServer();
  await new Promise<void>((r) => dead.listen(0, '127.0.0.1', r));
  const deadUrl = `http://127.0.0.1:${(dead.address() as AddressInfo).port}`;
  await new Promise((r) => dead.close(r));
  t = await startEdge(
    httpConfig([
      { path: '/ws', upstream: url, websocket: true, stripPrefix: true },
      { path: '/dead', upstream: deadUrl, websocket: true },
      { path: '/api', upstream: url },
    ]),
  );
});

afterAll(async () => {
  events.restore();
  stopFlood = true;
  await t?.close();
  for (const c of wss?.clients ?? []) c.terminate();
  for (const s of tunnels) s.destroy();
  upstream?.closeAllConnections();
  await new Promise((r) => upstream?.close(r));
});

function open(path: string): Promise<WebSocket> {
  const ws = new WebSocket(`ws://127.0.0.1:${t.port}${path}`, {
    headers: { 'X-Forwarded-For': '10.0.0.1' },
  });
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
  });
}

describe('upgrades on the hot path', () => {
  it('relay a websocket without node:http, the head re-written and the line logged', async () => {
    const before = events.counts.upgrade;
    const ws = await open('/ws/echo?x=1');
    const echo = new Promise<string>((resolve) => ws.once('message', (d) => resolve(String(d))));
    ws.send('hello');
    expect(await echo).toBe('hello');
    expect(seen?.url).toBe('/echo?x=1');
    expect(seen?.headers.host).toBe(`127.0.0.1:${t.port}`);
    expect(seen?.headers['x-forwarded-for']).toBe('10.0.0.1, 127.0.0.1');
    expect(seen?.headers['x-forwarded-host']).toBe(`127.0.0.1:${t.port}`);
    expect(seen?.headers['x-real-ip']).toBe('127.0.0.1');
    ws.close(1000);
    const line = await waitFor(() => t.accessLines().find((l) => l.path === '/ws/echo'), {
      what: 'the access line at close',
    });
    expect(line).toMatchObject({ method: 'GET', status: 101, upgrade: true, ip: '127.0.0.1' });
    expect(events.counts.upgrade).toBe(before);
  });

  it('leave a route without websocket to node:http (the seam counts it)', async () => {
    const before = events.counts.upgrade;
    const raw = await rawExchange(
      t.port,
      'GET /api/x HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n',
      { keepOpen: true },
    );
    expect(statusOf(raw)).toBe(404);
    expect(events.counts.upgrade).toBe(before + 1);
  });

  it('relay an answer without switching byte for byte, then close', async () => {
    const before = events.counts.upgrade;
    const raw = await rawExchange(
      t.port,
      'GET /ws/refused HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n',
      { keepOpen: true },
    );
    expect(raw).toBe(
      'HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n' +
        `Connection: close\r\n\r\n${REFUSAL_BODY}`,
    );
    expect(events.counts.upgrade).toBe(before);
  });

  it('relay no byte the upstream sent after the answer without switching', async () => {
    const ask = (path: string): Promise<string> =>
      rawExchange(
        t.port,
        `GET /ws/${path} HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n`,
        { keepOpen: true },
      );
    expect(await ask('refused-extra')).toBe(
      'HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n' +
        `Connection: close\r\n\r\n${REFUSAL_BODY}`,
    );
    expect(await ask('forbidden-extra')).toBe(
      'HTTP/1.1 403 Forbidden\r\nContent-Length: 5\r\nConnection: close\r\n\r\nnope!',
    );
  });

  it('close both connections of a tunnel once the client ends its side', async () => {
    // The hot path's tunnel, then node:http's (which takes upgrades with a body).
    for (const body of ['', 'hi']) {
      const gone = halfOpenGone;
      const client = connect(t.port, '127.0.0.1');
      client.on('error', () => undefined);
      let closed = false;
      client.once('close', () => (closed = true));
      const length = body === '' ? '' : `Content-Length: ${body.length}\r\n`;
      client.write(
        'GET /ws/half-open HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n' +
          `${length}\r\n${body}`,
      );
      let got = '';
      client.on('data', (c: Buffer) => (got += c.toString('latin1')));
      await waitFor(() => got.includes('101 Switching Protocols') && got.endsWith('.'), {
        what: 'the tunnel open',
      });
      client.end();
      await waitFor(() => closed && halfOpenGone > gone, {
        what: `both connections closed (body ${JSON.stringify(body)})`,
        timeoutMs: 3000,
      });
    }
  });

  it('answer 502 when the upstream refuses the connection before a 101', async () => {
    const before = events.counts.upgrade;
    const raw = await rawExchange(
      t.port,
      'GET /dead/x HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n',
      { keepOpen: true },
    );
    expect(statusOf(raw)).toBe(502);
    expect(events.counts.upgrade).toBe(before);
    const line = await waitFor(() => t.accessLines().find((l) => l.path === '/dead/x'), {
      what: 'the access line of the refused upgrade',
    });
    expect(line).toMatchObject({ status: 502, upgrade: true });
  });

  it('answer 504 when the upstream stays silent past the idle timeout', async () => {
    const port = (upstream.address() as AddressInfo).port;
    const quick = await startEdge(
      httpConfig([
        { path: '/ws', upstream: `http://127.0.0.1:${port}`, websocket: true, stripPrefix: true },
      ]),
      undefined,
      { idleTimeoutMs: 300, headersTimeoutMs: 200 },
    );
    try {
      const raw = await rawExchange(
        quick.port,
        'GET /ws/silent HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n',
        { keepOpen: true },
      );
      expect(statusOf(raw)).toBe(504);
    } finally {
      await quick.close();
    }
  });

  it('hold back a fast upstream writing into a slow reader (bounded bytes in flight)', async () => {
    const before = events.counts.upgrade;
    let received = 0;
    let maxInFlight = 0;
    const socket = connect(t.port, '127.0.0.1');
    socket.write(
      'GET /ws/flood HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n',
    );
    socket.on('data', (c: Buffer) => {
      received += c.length;
      maxInFlight = Math.max(maxInFlight, flooded - received);
      // Read 256 KiB, then pause 50 ms: about 5 MiB/s against an upstream that could go at
      // hundreds.
      if (received % (256 * 1024) < c.length) {
        socket.pause();
        setTimeout(() => socket.resume(), 50);
      }
    });
    await waitFor(() => received > 4 * 1024 * 1024, { what: '4 MiB through the tunnel' });
    socket.destroy();
    expect(maxInFlight).toBeLessThan(32 * 1024 * 1024);
    expect(flooded).toBeLessThan(64 * 1024 * 1024);
    expect(events.counts.upgrade).toBe(before);
  });
});
