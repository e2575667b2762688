// The edge's shutdown: beginShutdown stops accepting and fails held requests while in-flight
// requests finish (closing their connections); close(deadline) cuts websockets and event
// streams at once and anything else at the deadline; reload of routes without a restart.
import { Agent } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { FakeSupervisor } from '../helpers/fake-supervisor.js';
import { requestsRead } from '../helpers/edge-sockets.js';
import { send } from '../helpers/http-client.js';
import { httpConfig, startEdge } from '../helpers/http-edge.js';
import { DASHBOARD_DIR, startBackend, type Upstream } from '../helpers/http-upstreams.js';
import { waitFor } from '../helpers/wait-for.js';

let backend: Upstream;

beforeAll(async () => {
  backend = await startBackend();
});

afterAll(async () => {
  await backend?.stop();
});

const config = () =>
  httpConfig([
    { path: '/api', upstream: backend.url, program: 'backend', holdMs: 10_000 },
    { path: '/terminal', upstream: backend.url, program: 'backend', websocket: true },
    { path: '/', static: DASHBOARD_DIR, spa: true },
  ]);

describe('shutdown', () => {
  it('stops accepting but lets in-flight requests finish, with Connection: close', async () => {
    const t = await startEdge(config(), new FakeSupervisor([{ name: 'backend' }]));
    const agent = new Agent({ keepAlive: true });
    try {
      const inFlight = send(`${t.base}/api/slow?ms=500`, { agent });
      await waitFor(() => requestsRead(t.port) === 1, { what: 'the request in flight' });
      t.edge.beginShutdown();
      expect(t.edge.address()).toBeNull();
      await expect(send(`${t.base}/api/hello`)).rejects.toThrow(/ECONNREFUSED/);
      const r = await inFlight;
      expect(r.status).toBe(200);
      expect(r.headers.connection).toBe('close');
    } finally {
      agent.destroy();
      await t.close(1000);
    }
  });

  it('fails held requests with 503 when shutdown begins', async () => {
    const t = await startEdge(config(), new FakeSupervisor([{ name: 'backend' }]));
    try {
      t.supervisor.down('backend', 'BACKOFF');
      const started = Date.now();
      const held = send(`${t.base}/api/hello`);
      await waitFor(() => requestsRead(t.port) === 1, { what: 'a held request' });
      t.edge.beginShutdown();
      const r = await held;
      expect(r.status).toBe(503);
      expect(Date.now() - started).toBeLessThan(2000);
    } finally {
      await t.close(1000);
    }
  });

  it('cuts websockets and event streams at once and the rest at the deadline', async () => {
    const supervisor = new FakeSupervisor([{ name: 'backend' }]);
    const t = await startEdge(config(), supervisor);
    const ws = new WebSocket(`ws://127.0.0.1:${t.port}/terminal`);
    await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
    const wsClosed = new Promise<number>((resolve) => ws.once('close', () => resolve(Date.now())));
    ws.on('error', () => undefined);
    const sse = send(`${t.base}/api/events?n=100&ms=100`).catch(() => 'cut');
    const slow = send(`${t.base}/api/slow?ms=5000`).catch(() => 'cut');
    await waitFor(() => requestsRead(t.port) === 3, { what: 'websocket, stream and request' });
    const started = Date.now();
    await t.close(600);
    const took = Date.now() - started;
    expect(took).toBeGreaterThanOrEqual(500);
    expect(took).toBeLessThan(2500);
    expect((await wsClosed) - started).toBeLessThan(300);
    expect(await sse).toBe('cut');
    expect(await slow).toBe('cut');
    expect(supervisor.subscribers).toBe(0);
  });

  it('resolves close() at once when nothing is in flight', async () => {
    const t = await startEdge(config(), new FakeSupervisor([{ name: 'backend' }]));
    await send(`${t.base}/api/hello`, { agent: new Agent({ keepAlive: true }) });
    const started = Date.now();
    await t.close(5000);
    expect(Date.now() - started).toBeLessThan(1000);
  });
});

describe('reload', () => {
  it('applies new routes without a restart', async () => {
    const t = await startEdge(config(), new FakeSupervisor([{ name: 'backend' }]));
    try {
      expect((await send(`${t.base}/v2/api/hello`)).status).toBe(200);
      t.edge.setRoutes(
        httpConfig([
          { path: '/v2', upstream: backend.url, program: 'backend', stripPrefix: true },
          { path: '/', static: DASHBOARD_DIR, spa: false },
        ]),
      );
      const moved = await send(`${t.base}/v2/api/hello`);
      expect(moved.status).toBe(200);
      expect(moved.json()).toMatchObject({ hello: 'world' });
      expect((await send(`${t.base}/api/hello`)).status).toBe(404);
      expect((await send(`${t.base}/services`)).status).toBe(404);
    } finally {
      await t.close(1000);
    }
  });
});
