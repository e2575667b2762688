// `hold` on a proxy route: while its program restarts, requests (and websocket upgrades) wait
// for it instead of failing, bounded in time and in number; a kill -9 under a steady stream
// of requests costs the clients a delay, not an error.
import { Agent } from 'node:http';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { FakeSupervisor } from '../helpers/fake-supervisor.js';
import { bytesRead, requestsRead } from '../helpers/edge-sockets.js';
import { send } from '../helpers/http-client.js';
import { httpConfig, startEdge, type TestEdge } from '../helpers/http-edge.js';
import { startBackend, type Upstream } from '../helpers/http-upstreams.js';
import { countNodeHttp } from '../helpers/node-http-events.js';
import { waitFor } from '../helpers/wait-for.js';

let backend: Upstream;

beforeAll(async () => {
  backend = await startBackend();
});

afterAll(async () => {
  await backend?.stop();
});

const edges: TestEdge[] = [];
afterEach(async () => {
  await Promise.all(edges.splice(0).map((e) => e.close()));
  if (backend.child?.exitCode !== null || backend.child?.signalCode !== null) await backend.start();
});

async function edgeWithHold(holdMs: number, maxHeldRequests?: number): Promise<TestEdge> {
  const supervisor = new FakeSupervisor([{ name: 'backend', pid: backend.pid ?? null }]);
  const t = await startEdge(
    httpConfig([
      { path: '/api', upstream: backend.url, program: 'backend', holdMs },
      { path: '/terminal', upstream: backend.url, program: 'backend', websocket: true, holdMs },
      { path: '/nohold', upstream: backend.url, program: 'backend', stripPrefix: true },
    ]),
    supervisor,
    maxHeldRequests === undefined ? undefined : { maxHeldRequests },
  );
  edges.push(t);
  return t;
}

describe('hold', () => {
  it('holds requests while the program restarts and forwards them once it is ready', async () => {
    const t = await edgeWithHold(5000);
    t.supervisor.down('backend', 'BACKOFF');
    const started = Date.now();
    const pending = Promise.all([1, 2, 3].map(() => send(`${t.base}/api/hello`)));
    await waitFor(() => requestsRead(t.port) === 3, { what: 'three held requests' });
    // The restart takes 300 ms: the hold the elapsed-time check below measures.
    await new Promise((r) => setTimeout(r, Math.max(0, 300 - (Date.now() - started))));
    t.supervisor.set('backend', { state: 'STARTING' });
    t.supervisor.set('backend', { state: 'RUNNING', ready: true });
    const replies = await pending;
    expect(replies.map((r) => r.status)).toEqual([200, 200, 200]);
    expect(Date.now() - started).toBeGreaterThanOrEqual(250);
  });

  it('answers 503 once the hold is over and the program is still not ready', async () => {
    const t = await edgeWithHold(400);
    t.supervisor.down('backend', 'BACKOFF');
    const started = Date.now();
    const r = await send(`${t.base}/api/hello`);
    const waited = Date.now() - started;
    expect(r.status).toBe(503);
    expect(r.json()).toEqual({
      error: 'upstream_unavailable',
      program: 'backend',
      state: 'BACKOFF',
    });
    expect(waited).toBeGreaterThanOrEqual(350);
    expect(waited).toBeLessThan(3000);
  });

  it('does not hold before the program was ever ready, or on a route without hold', async () => {
    const t = await edgeWithHold(5000);
    t.supervisor.down('backend', 'BACKOFF');
    const started = Date.now();
    expect((await send(`${t.base}/nohold/api/hello`)).status).toBe(503);
    expect(Date.now() - started).toBeLessThan(1000);
    const fresh = new FakeSupervisor([{ name: 'backend', state: 'STARTING', ready: false }]);
    const t2 = await startEdge(
      httpConfig([{ path: '/api', upstream: backend.url, program: 'backend', holdMs: 5000 }]),
      fresh,
    );
    edges.push(t2);
    const begun = Date.now();
    expect((await send(`${t2.base}/api/hello`)).status).toBe(503);
    expect(Date.now() - begun).toBeLessThan(1000);
  });

  it('fails held requests at once when the program goes FATAL', async () => {
    const t = await edgeWithHold(10_000);
    t.supervisor.down('backend', 'BACKOFF');
    const started = Date.now();
    const pending = send(`${t.base}/api/hello`);
    await waitFor(() => requestsRead(t.port) === 1, { what: 'a held request' });
    t.supervisor.set('backend', { state: 'FATAL' });
    const r = await pending;
    expect(r.status).toBe(503);
    expect(r.json()).toMatchObject({ state: 'FATAL' });
    expect(Date.now() - started).toBeLessThan(3000);
  });

  it('bounds the number of held requests', async () => {
    const t = await edgeWithHold(1500, 2);
    t.supervisor.down('backend', 'BACKOFF');
    const held = [send(`${t.base}/api/hello`), send(`${t.base}/api/hello`)];
    await waitFor(() => requestsRead(t.port) === 2, { what: 'two held requests' });
    const started = Date.now();
    const third = await send(`${t.base}/api/hello`);
    expect(third.status).toBe(503);
    expect(Date.now() - started).toBeLessThan(1000);
    t.supervisor.up('backend');
    expect((await Promise.all(held)).map((r) => r.status)).toEqual([200, 200]);
  });

  it('holds a websocket upgrade until the program is ready', async () => {
    const t = await edgeWithHold(5000);
    t.supervisor.down('backend', 'BACKOFF');
    const ws = new WebSocket(`ws://127.0.0.1:${t.port}/terminal`);
    const opened = new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    await waitFor(() => requestsRead(t.port) === 1, { what: 'a held upgrade' });
    t.supervisor.up('backend');
    await opened;
    const echo = new Promise<string>((resolve) => ws.once('message', (d) => resolve(String(d))));
    ws.send('after the hold');
    expect(await echo).toBe('after the hold');
    ws.close();
  });

  it('keeps every request of a steady stream at 200 through a kill -9 and restart', async () => {
    const t = await edgeWithHold(5000);
    const agent = new Agent({ keepAlive: true, maxSockets: 4 });
    const statuses: number[] = [];
    const failures: string[] = [];
    let running = true;
    const client = async (): Promise<void> => {
      while (running) {
        try {
          const r = await send(`${t.base}/api/hello`, { agent });
          statuses.push(r.status);
          if (r.status !== 200) failures.push(`${r.status} ${r.text()}`);
        } catch (err) {
          failures.push(String(err));
        }
      }
    };
    const clients = [client(), client(), client(), client()];
    await waitFor(() => statuses.length >= 50, { what: 'warm-up requests' });

    await backend.kill('SIGKILL');
    const atKill = statuses.length;
    // The supervisor notices the exit a moment later; requests in between see ECONNREFUSED.
    await new Promise((r) => setTimeout(r, 150));
    t.supervisor.down('backend', 'BACKOFF');
    await new Promise((r) => setTimeout(r, 300));
    t.supervisor.set('backend', { state: 'STARTING' });
    await backend.start();
    t.supervisor.set('backend', { state: 'RUNNING', ready: true, pid: backend.pid ?? null });
    await waitFor(() => statuses.length >= atKill + 100, { what: 'requests after the restart' });
    running = false;
    await Promise.all(clients);
    agent.destroy();

    expect(failures).toEqual([]);
    expect(statuses.every((s) => s === 200)).toBe(true);
    expect(statuses.length).toBeGreaterThan(atKill + 100);
  });

  it('answers 502 after the hold when the program never comes back', async () => {
    const t = await edgeWithHold(500);
    await backend.kill('SIGKILL');
    const started = Date.now();
    const r = await send(`${t.base}/api/hello`);
    expect(r.status).toBe(502);
    expect(r.json()).toEqual({
      error: 'upstream_unavailable',
      program: 'backend',
      state: 'RUNNING',
    });
    expect(Date.now() - started).toBeGreaterThanOrEqual(400);
  });

  it('holds and refuses on the hot path: a keep-alive connection never reaches node:http', async () => {
    const t = await edgeWithHold(5000);
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    const events = countNodeHttp();
    try {
      expect((await send(`${t.base}/api/hello`, { agent })).status).toBe(200);
      t.supervisor.down('backend', 'BACKOFF');
      const refused = await send(`${t.base}/nohold/api/hello`, { agent });
      expect(refused.status).toBe(503);
      expect(refused.headers['retry-after']).toBeDefined();
      const before = bytesRead(t.port);
      const held = send(`${t.base}/api/hello`, { agent });
      await waitFor(() => bytesRead(t.port) > before, { what: 'a held request read' });
      t.supervisor.up('backend');
      expect((await held).status).toBe(200);
      expect((await send(`${t.base}/api/hello`, { agent })).status).toBe(200);
      expect(events.counts.request).toBe(0);
    } finally {
      events.restore();
      agent.destroy();
    }
  });
});
