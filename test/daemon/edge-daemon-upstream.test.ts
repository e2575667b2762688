// Upstream trouble with the real supervisor: the backend stopped with `appos-ctl stop` gives
// CONTRACT.md's upstream error naming it and its state, and serves again after `appos-ctl
// start` without an apposd restart; a websocket through /terminal closes when the backend is
// killed with kill -9, and a new one works after the respawn.
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { startEdgeDaemon, type EdgeDaemon } from '../helpers/edge-daemon.js';
import { rawExchange, send, statusOf } from '../helpers/http-client.js';
import { waitFor } from '../helpers/wait-for.js';

let e: EdgeDaemon | undefined;
const sockets: WebSocket[] = [];
afterEach(async () => {
  for (const ws of sockets.splice(0)) ws.terminate();
  await e?.d.cleanup();
  e = undefined;
});

function openSocket(base: string): Promise<WebSocket> {
  const ws = new WebSocket(`${base.replace('http:', 'ws:')}/terminal`);
  sockets.push(ws);
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
    ws.once('unexpected-response', (_req, res) =>
      reject(new Error(`upgrade refused: ${res.statusCode}`)),
    );
  });
}

/** Sends `n` messages and resolves with the echoes, in arrival order. */
function echo(ws: WebSocket, n: number, tag: string): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const got: string[] = [];
    const onMessage = (data: WebSocket.RawData): void => {
      got.push(String(data));
      if (got.length === n) {
        ws.off('message', onMessage);
        resolve(got);
      }
    };
    ws.on('message', onMessage);
    ws.once('close', () => reject(new Error(`closed after ${got.length} echoes`)));
    for (let i = 0; i < n; i++) ws.send(`${tag} ${i}`);
  });
}

const expected = (n: number, tag: string): string[] =>
  Array.from({ length: n }, (_, i) => `${tag} ${i}`);

const apposdPid = (e: EdgeDaemon): string => e.d.ctl('pid').stdout.trim();

describe('upstream trouble with the real supervisor', () => {
  it('answers with the program and its state while the backend is stopped, then serves again', async () => {
    e = await startEdgeDaemon({ hold: '5s' });
    const { d, base } = e;
    const daemonPid = apposdPid(e);
    expect(daemonPid).toMatch(/^\d+$/);
    expect((await send(`${base}/api/hello`)).status).toBe(200);

    const stop = d.ctl('stop', 'backend');
    expect(stop.stdout.trim()).toBe('backend: stopped');
    expect(stop.code).toBe(0);

    // A stopped program is not restarting: no hold, an answer at once.
    const t0 = Date.now();
    const r = await send(`${base}/api/hello`);
    const took = Date.now() - t0;
    expect([502, 503]).toContain(r.status);
    expect(r.headers['content-type']).toMatch(/^application\/json/);
    expect(r.json()).toEqual({
      error: 'upstream_unavailable',
      program: 'backend',
      state: 'STOPPED',
    });
    if (r.status === 503) expect(r.headers['retry-after']).toMatch(/^\d+$/);
    expect(r.headers['x-content-type-options']).toBe('nosniff');
    expect(took).toBeLessThan(1000);
    const post = await send(`${base}/api/upload`, { method: 'POST', body: 'x'.repeat(100) });
    expect(post.status).toBe(r.status);
    expect(post.json()).toEqual({
      error: 'upstream_unavailable',
      program: 'backend',
      state: 'STOPPED',
    });
    // A websocket upgrade is refused the same way.
    const raw = await rawExchange(
      e.httpPort,
      'GET /terminal HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n' +
        'Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n',
      { keepOpen: true },
    );
    expect([502, 503]).toContain(statusOf(raw));
    expect(raw).toContain('{"error":"upstream_unavailable","program":"backend","state":"STOPPED"}');
    // The backend is not critical: apposd stays healthy with it deliberately stopped.
    const h = await send(`${base}/api/health`);
    expect((h.json() as { programs: { backend: { state: string } } }).programs.backend.state).toBe(
      'STOPPED',
    );

    const start = d.ctl('start', 'backend');
    expect(start.stdout.trim()).toBe('backend: started');
    expect(start.code).toBe(0);
    const ok = await send(`${base}/api/hello`);
    expect(ok.status).toBe(200);
    expect((ok.json() as { pid: number }).pid).toBe(d.pidOf('backend'));
    const ws = await openSocket(base);
    expect(await echo(ws, 10, 'after start')).toEqual(expected(10, 'after start'));
    // Same apposd all along.
    expect(apposdPid(e)).toBe(daemonPid);
    expect(d.exitStatus).toBeNull();
    expect(d.records().filter((x) => /apposd .* starting/.test(x.msg))).toHaveLength(1);
    console.log(`stopped backend: ${r.status} in ${took} ms`);
  });

  it('closes an open websocket when the backend is killed, and serves new ones after the respawn', async () => {
    e = await startEdgeDaemon();
    const { d, base } = e;
    const pid = await waitFor(() => d.pidOf('backend'));
    const ws = await openSocket(base);
    expect(await echo(ws, 1000, 'before')).toEqual(expected(1000, 'before'));

    const closed = new Promise<{ code: number; at: number }>((resolve) =>
      ws.once('close', (code) => resolve({ code, at: Date.now() })),
    );
    ws.on('error', () => undefined);
    const killedAt = Date.now();
    process.kill(pid, 'SIGKILL');
    const close = await Promise.race([
      closed,
      new Promise<never>((_, reject) =>
        setTimeout(() => reject(new Error('websocket still open 5 s after the kill')), 5000),
      ),
    ]);
    // 1006: abnormal closure, the TCP connection was cut with no close frame.
    expect(close.code).toBe(1006);
    expect(d.exitStatus).toBeNull();

    await d.waitState('backend', 'RUNNING', 15_000, 2);
    const again = await openSocket(base);
    expect(await echo(again, 200, 'after')).toEqual(expected(200, 'after'));
    expect((await send(`${base}/api/hello`)).status).toBe(200);
    expect((await send(`${base}/api/health`)).status).toBe(200);
    expect(d.exitStatus).toBeNull();
    console.log(`websocket closed ${close.at - killedAt} ms after the kill (code ${close.code})`);
  });
});
