// Websockets through the edge: 1,000 messages echoed in order through /terminal, sockets that
// outlive every idle timeout, and a backend killed under an open socket.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { FakeSupervisor } from '../helpers/fake-supervisor.js';
import { rawExchange, send, statusOf } from '../helpers/http-client.js';
import { httpConfig, startEdge, type TestEdge } from '../helpers/http-edge.js';
import { DASHBOARD_DIR, startBackend, type Upstream } from '../helpers/http-upstreams.js';

let backend: Upstream;
let t: TestEdge;

beforeAll(async () => {
  backend = await startBackend();
  t = await startEdge(
    httpConfig([
      { path: '/terminal', upstream: backend.url, program: 'backend', websocket: true },
      { path: '/api', upstream: backend.url, program: 'backend' },
      { path: '/', static: DASHBOARD_DIR, spa: true },
    ]),
    new FakeSupervisor([{ name: 'backend' }]),
    { idleTimeoutMs: 300, headersTimeoutMs: 300, keepAliveTimeoutMs: 300 },
  );
});

afterAll(async () => {
  await t?.close();
  await backend?.stop();
});

function open(path = '/terminal'): Promise<WebSocket> {
  const ws = new WebSocket(`ws://127.0.0.1:${t.port}${path}`);
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
  });
}

describe('websockets', () => {
  it('echoes 1,000 messages both ways, in order', async () => {
    const ws = await open();
    const received: string[] = [];
    const done = new Promise<void>((resolve) => {
      ws.on('message', (data, binary) => {
        received.push(binary ? `bin:${(data as Buffer).readUInt32BE(0)}` : String(data));
        if (received.length === 1000) resolve();
      });
    });
    const sent: string[] = [];
    for (let i = 0; i < 1000; i++) {
      if (i % 4 === 3) {
        const buf = Buffer.alloc(1024);
        buf.writeUInt32BE(i, 0);
        ws.send(buf);
        sent.push(`bin:${i}`);
      } else {
        const text = `message ${i} ${'x'.repeat(i % 200)}`;
        ws.send(text);
        sent.push(text);
      }
    }
    await done;
    expect(received).toEqual(sent);
    ws.close();
  });

  it('keeps an open websocket past the idle and header timeouts', async () => {
    const ws = await open();
    await new Promise((r) => setTimeout(r, 1500));
    const echo = new Promise<string>((resolve) => ws.once('message', (d) => resolve(String(d))));
    ws.send('still here');
    expect(await echo).toBe('still here');
    ws.close();
  });

  it('keeps a server-sent event stream past the idle timeout', async () => {
    const r = await send(`${t.base}/api/events?n=3&ms=500`);
    expect(r.status).toBe(200);
    expect(r.text().match(/^data: /gm)).toHaveLength(3);
  });

  it('refuses upgrades on routes without websocket', async () => {
    for (const path of ['/api/hello', '/', '/api/health']) {
      const raw = await rawExchange(
        t.port,
        `GET ${path} HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n` +
          'Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n',
        { keepOpen: true },
      );
      expect(statusOf(raw), path).toBe(404);
    }
  });

  it('closes the client socket when the backend dies, and keeps serving', async () => {
    const ws = await open();
    const closed = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)));
    ws.on('error', () => undefined);
    const started = Date.now();
    await backend.kill('SIGKILL');
    await closed;
    expect(Date.now() - started).toBeLessThan(3000);
    expect((await send(`${t.base}/api/health`)).status).toBe(200);
    expect((await send(`${t.base}/`)).status).toBe(200);
    expect((await send(`${t.base}/api/hello`)).status).toBe(502);
    await backend.start();
    const again = await open();
    const echo = new Promise<string>((resolve) => again.once('message', (d) => resolve(String(d))));
    again.send('back');
    expect(await echo).toBe('back');
    again.close();
  });
});
