// GET|HEAD /api/health on the public listener: CONTRACT.md's shape, 200/503 from the
// supervisor's view, answered before any /api route, and nothing secret in it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeSupervisor } from '../helpers/fake-supervisor.js';
import { send } from '../helpers/http-client.js';
import { httpConfig, startEdge, type TestEdge } from '../helpers/http-edge.js';
import { startBackend, type Upstream } from '../helpers/http-upstreams.js';

const PROGRAM_KEYS = [
  'critical',
  'healthy',
  'last_exit',
  'pid',
  'probe',
  'ready',
  'restarts',
  'state',
  'uptime_s',
];

interface Health {
  status: string;
  uptime_s: number;
  programs: Record<string, Record<string, unknown>>;
}

let backend: Upstream;
let supervisor: FakeSupervisor;
let t: TestEdge;

beforeAll(async () => {
  backend = await startBackend();
  supervisor = new FakeSupervisor([
    { name: 'redis', critical: true, pid: 12 },
    { name: 'backend', pid: 99 },
  ]);
  t = await startEdge(
    httpConfig([{ path: '/api', upstream: backend.url, program: 'backend' }]),
    supervisor,
  );
});

afterAll(async () => {
  await t?.close();
  await backend?.stop();
});

describe('/api/health', () => {
  it("answers 200 with CONTRACT.md's shape, before the /api route", async () => {
    const r = await send(`${t.base}/api/health`);
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(r.headers['cache-control']).toBe('no-store');
    expect(r.headers['x-content-type-options']).toBe('nosniff');
    const body = r.json() as Health;
    expect(Object.keys(body).sort()).toEqual(['programs', 'status', 'uptime_s']);
    expect(body.status).toBe('ok');
    expect(typeof body.uptime_s).toBe('number');
    expect(Object.keys(body.programs)).toEqual(['redis', 'backend']);
    expect(Object.keys(body.programs.redis!).sort()).toEqual(PROGRAM_KEYS);
    expect(body.programs.redis).toMatchObject({
      state: 'RUNNING',
      ready: true,
      healthy: true,
      pid: 12,
      restarts: 0,
      critical: true,
      last_exit: null,
    });
    expect(t.accessLines().at(-1)).toMatchObject({ path: '/api/health', upstream: 'health' });
  });

  it('answers HEAD without a body and 405 to other methods', async () => {
    const head = await send(`${t.base}/api/health`, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.body.length).toBe(0);
    const post = await send(`${t.base}/api/health`, { method: 'POST', body: '{}' });
    expect(post.status).toBe(405);
    expect(post.headers.allow).toBe('GET, HEAD');
    const query = await send(`${t.base}/api/health?verbose=1`);
    expect(query.status).toBe(200);
  });

  it('flips to 503 when a critical program is down and back when it is ready', async () => {
    supervisor.down('redis', 'BACKOFF');
    const down = await send(`${t.base}/api/health`);
    expect(down.status).toBe(503);
    const body = down.json() as Health;
    expect(body.status).toBe('degraded');
    expect(body.programs.redis).toMatchObject({ state: 'BACKOFF', ready: false, pid: null });
    supervisor.up('redis', 13);
    const up = await send(`${t.base}/api/health`);
    expect(up.status).toBe(200);
    expect((up.json() as Health).programs.redis).toMatchObject({ pid: 13, restarts: 1 });
  });

  it('stays 200 (degraded) when only a non-critical program is down', async () => {
    supervisor.down('backend', 'BACKOFF');
    const r = await send(`${t.base}/api/health`);
    expect(r.status).toBe(200);
    expect((r.json() as Health).status).toBe('degraded');
    supervisor.up('backend', 99);
  });

  it('contains no secrets, command lines or reasons', async () => {
    supervisor.set('backend', {
      reason: 'spawn failed: API_TOKEN=hunter2-secret /usr/local/bin/appos-backend',
      readyProbe: { ok: true, at: Date.now(), latencyMs: 3 },
    });
    const text = (await send(`${t.base}/api/health`)).text();
    expect(text).not.toContain('hunter2');
    expect(text).not.toContain('/usr/local/bin');
    expect(text).not.toContain(backend.url);
    expect(JSON.parse(text).programs.backend.probe).toMatchObject({ ok: true, latency_ms: 3 });
  });

  it('answers 503 "stopping" once apposd shuts down', async () => {
    supervisor.beginStopping();
    const r = await send(`${t.base}/api/health`);
    expect(r.status).toBe(503);
    expect((r.json() as Health).status).toBe('stopping');
  });
});
