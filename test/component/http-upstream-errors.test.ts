// Upstream trouble as the client sees it (CONTRACT.md "Upstream errors"): 502 when the
// upstream refuses, 503 with Retry-After while its program is not ready, both naming the
// program and its state; recovery without restarting the edge.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { FakeSupervisor } from '../helpers/fake-supervisor.js';
import { send } from '../helpers/http-client.js';
import { httpConfig, startEdge, type TestEdge } from '../helpers/http-edge.js';
import { startBackend, type Upstream } from '../helpers/http-upstreams.js';
import { freePort } from '../helpers/temp.js';

let backend: Upstream;
let supervisor: FakeSupervisor;
let t: TestEdge;
let deadPort: number;

beforeAll(async () => {
  backend = await startBackend();
  deadPort = await freePort();
  supervisor = new FakeSupervisor([
    { name: 'backend' },
    { name: 'other', state: 'STARTING', ready: false },
  ]);
  t = await startEdge(
    httpConfig([
      { path: '/api', upstream: backend.url, program: 'backend' },
      { path: '/terminal', upstream: backend.url, program: 'backend', websocket: true },
      { path: '/other', upstream: `http://127.0.0.1:${deadPort}`, program: 'other' },
      { path: '/anon', upstream: `http://127.0.0.1:${deadPort}` },
    ]),
    supervisor,
  );
});

afterAll(async () => {
  await t?.close();
  await backend?.stop();
});

describe('upstream errors', () => {
  it('answers 503 with Retry-After while the program is not ready yet', async () => {
    const r = await send(`${t.base}/other/x`);
    expect(r.status).toBe(503);
    expect(r.headers['retry-after']).toBe('1');
    expect(r.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(r.headers['x-frame-options']).toBe('SAMEORIGIN');
    expect(r.json()).toEqual({
      error: 'upstream_unavailable',
      program: 'other',
      state: 'STARTING',
    });
  });

  it('takes Retry-After from the next restart attempt while in BACKOFF', async () => {
    supervisor.down('other', 'BACKOFF', Date.now() + 4200);
    const r = await send(`${t.base}/other/x`);
    expect(r.status).toBe(503);
    expect(Number(r.headers['retry-after'])).toBeGreaterThanOrEqual(4);
    expect(r.json()).toEqual({ error: 'upstream_unavailable', program: 'other', state: 'BACKOFF' });
  });

  it('answers 502 when a ready program refuses the connection', async () => {
    supervisor.up('other');
    const r = await send(`${t.base}/other/x`);
    expect(r.status).toBe(502);
    expect(r.headers['retry-after']).toBeUndefined();
    expect(r.json()).toEqual({ error: 'upstream_unavailable', program: 'other', state: 'RUNNING' });
  });

  it('answers 502 with null program for a route that names none', async () => {
    const r = await send(`${t.base}/anon`);
    expect(r.status).toBe(502);
    expect(r.json()).toEqual({ error: 'upstream_unavailable', program: null, state: null });
  });

  it('refuses a websocket upgrade with 503 while the program is not ready', async () => {
    supervisor.down('backend', 'BACKOFF');
    const ws = new WebSocket(`ws://127.0.0.1:${t.port}/terminal`);
    const status = await new Promise<number>((resolve) => {
      ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
      ws.on('error', () => resolve(-1));
    });
    expect(status).toBe(503);
    supervisor.up('backend');
  });

  it('recovers when the backend comes back, without restarting the edge', async () => {
    expect((await send(`${t.base}/api/hello`)).status).toBe(200);
    await backend.stop();
    const down = await send(`${t.base}/api/hello`);
    expect(down.status).toBe(502);
    expect(down.json()).toEqual({
      error: 'upstream_unavailable',
      program: 'backend',
      state: 'RUNNING',
    });
    supervisor.down('backend', 'BACKOFF');
    const backoff = await send(`${t.base}/api/hello`);
    expect(backoff.status).toBe(503);
    expect(backoff.json()).toMatchObject({ program: 'backend', state: 'BACKOFF' });
    await backend.start();
    supervisor.up('backend', backend.pid);
    const again = await send(`${t.base}/api/hello`);
    expect(again.status).toBe(200);
    expect(again.json()).toEqual({ hello: 'world', pid: backend.pid });
  });
});
