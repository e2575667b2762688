// apposd as the edge alone (no programs), in front of a backend started separately, as docker
// compose starts the exported services: routes, websocket and SSE pass; the route probes drive
// the 503 (naming the upstream and its probe state), hold, /api/health and `appos-ctl status`.
import { spawn, type ChildProcess } from 'node:child_process';
import { afterEach, describe, expect, test } from 'vitest';
import WebSocket from 'ws';
import { Daemon, NODE } from '../helpers/daemon.js';
import { BACKEND_SCRIPT } from '../helpers/edge-daemon.js';
import { send, type Reply } from '../helpers/http-client.js';
import { runCtl } from '../helpers/run-ctl.js';
import { freePort } from '../helpers/temp.js';
import { waitFor } from '../helpers/wait-for.js';

/** The example backend as its own process, as compose would run it. */
class Backend {
  child: ChildProcess | undefined;
  constructor(readonly port: number) {}

  async start(): Promise<void> {
    this.child = spawn(NODE, [BACKEND_SCRIPT], {
      env: { PATH: process.env.PATH ?? '', PORT: String(this.port) },
      stdio: 'ignore',
    });
    await waitFor(
      async () => (await send(`http://127.0.0.1:${this.port}/healthz`)).status === 200,
      { timeoutMs: 15_000, what: 'the backend to answer' },
    );
  }

  /** kill -9, and wait until it is gone. */
  async kill(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const gone = new Promise((r) => child.once('exit', r));
    child.kill('SIGKILL');
    await gone;
  }
}

let daemon: Daemon | undefined;
let backend: Backend | undefined;
afterEach(async () => {
  await daemon?.cleanup();
  await backend?.kill();
  daemon = undefined;
  backend = undefined;
});

async function startEdge(): Promise<{ base: string; name: string; d: Daemon; b: Backend }> {
  const [httpPort, backendPort] = [await freePort(), await freePort()];
  const b = (backend = new Backend(backendPort));
  await b.start();
  const up = `http://127.0.0.1:${backendPort}`;
  const probe = `{ http: "${up}/healthz", interval: 100ms, timeout: 500ms, retries: 1 }`;
  const d = (daemon = Daemon.start(`
log: { format: json }
control: { socket: $DIR/ctl.sock }
http:
  listen: 127.0.0.1:${httpPort}
  routes:
    - { path: /terminal, upstream: "${up}", websocket: true, probe: ${probe} }
    - { path: /api, upstream: "${up}", hold: 10s, probe: ${probe} }
    - { path: /healthz, upstream: "${up}", probe: ${probe} }
`));
  const base = `http://127.0.0.1:${httpPort}`;
  await waitFor(async () => (await health(base)).status === 200, {
    timeoutMs: 15_000,
    what: 'the edge to report its upstream UP',
  });
  return { base, name: `127.0.0.1:${backendPort}`, d, b };
}

interface Health {
  status: string;
  programs: Record<string, unknown>;
  upstreams?: Record<string, { state: string; probe: { ok: boolean; error?: string } | null }>;
}

async function health(base: string): Promise<{ status: number; body: Health }> {
  const r = await send(`${base}/api/health`).catch(() => undefined);
  return { status: r?.status ?? 0, body: r ? (r.json() as Health) : ({} as Health) };
}

const ctl = (d: Daemon, ...args: string[]) =>
  runCtl([...args], { env: { APPOS_CTL_SOCKET: d.socket } });

describe('apposd as the edge alone', () => {
  test('routes, websocket and SSE reach an upstream it does not run', async () => {
    const { base } = await startEdge();
    const hello = await send(`${base}/api/hello`);
    expect(hello.status).toBe(200);

    const sse = await send(`${base}/api/events?n=3&ms=20`);
    expect(sse.status).toBe(200);
    expect(sse.headers['content-type']).toMatch(/^text\/event-stream/);
    expect(sse.text().match(/^data:/gm)?.length).toBe(3);

    const ws = new WebSocket(`${base.replace('http', 'ws')}/terminal`);
    await new Promise((resolve, reject) => {
      ws.once('open', resolve);
      ws.once('error', reject);
    });
    const echoed = new Promise<string>((resolve) => ws.once('message', (m) => resolve(String(m))));
    ws.send('ping over the edge');
    expect(await echoed).toBe('ping over the edge');
    ws.close();
  });

  test('/api/health and appos-ctl status list the upstream beside the (no) programs', async () => {
    const { base, name, d } = await startEdge();
    const h = await health(base);
    expect(h.status).toBe(200);
    expect(h.body.status).toBe('ok');
    expect(h.body.programs).toEqual({});
    expect(h.body.upstreams?.[name]).toMatchObject({ state: 'UP', probe: { ok: true } });

    const status = await ctl(d, 'status');
    expect(status.code).toBe(0);
    expect(status.stdout).toMatch(
      new RegExp(`^${name} +UP +upstream, probe ok \\(\\d+ ms\\)`, 'm'),
    );
    const json = JSON.parse((await ctl(d, 'status', '--json')).stdout) as {
      upstreams: { name: string; state: string }[];
    };
    expect(json.upstreams).toEqual([expect.objectContaining({ name, state: 'UP' })]);
    expect((await ctl(d, 'health')).code).toBe(0);
  });

  test('a killed upstream gives 503 with its probe state, then 200 once it is back', async () => {
    const { base, name, d, b } = await startEdge();
    await b.kill();
    const down = await waitFor(
      async () => {
        // A probe in flight at the kill fails with "socket hang up"; the next ones are refused.
        const r = await send(`${base}/healthz`);
        const probe = r.status === 503 ? String((r.json() as { probe?: unknown }).probe) : '';
        return /ECONN/.test(probe) ? r : undefined;
      },
      { timeoutMs: 10_000, what: 'a 503 naming the refused probe of the killed upstream' },
    );
    expect(down.headers['retry-after']).toBeDefined();
    const body = down.json() as Record<string, unknown>;
    expect(body).toMatchObject({ error: 'upstream_unavailable', upstream: name, state: 'DOWN' });
    expect(String(body.probe)).toMatch(/ECONN(REFUSED|RESET)/);

    const h = await health(base);
    expect(h.status).toBe(503);
    expect(h.body.status).toBe('degraded');
    expect(h.body.upstreams?.[name]?.state).toBe('DOWN');
    const status = await ctl(d, 'status');
    expect(status.code).toBe(3);
    expect(status.stdout).toMatch(
      new RegExp(`^${name} +DOWN +upstream, .*ECONN(REFUSED|RESET)`, 'm'),
    );
    expect((await ctl(d, 'health')).stdout).toMatch(`unhealthy (degraded): ${name} DOWN`);

    await b.start();
    await waitFor(async () => (await send(`${base}/healthz`)).status === 200, {
      timeoutMs: 10_000,
      what: '200 once the upstream is back',
    });
    expect((await health(base)).status).toBe(200);
  });

  test('hold covers a restart of the upstream', async () => {
    const { base, name, b } = await startEdge();
    await b.kill();
    await waitFor(async () => (await health(base)).body.upstreams?.[name]?.state === 'DOWN', {
      timeoutMs: 10_000,
      what: 'the probe to see the upstream DOWN',
    });
    // Sent while the upstream is down: /api holds it (10s) instead of failing; /healthz,
    // without hold, is refused at once meanwhile.
    let answered = false;
    const held: Promise<Reply> = send(`${base}/api/hello`).finally(() => {
      answered = true;
    });
    expect((await send(`${base}/healthz`)).status).toBe(503);
    expect(answered).toBe(false);
    await b.start();
    const reply = await held;
    expect(reply.status).toBe(200);
  });
});
