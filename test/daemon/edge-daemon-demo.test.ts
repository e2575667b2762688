// The demo stack that `npm start` runs: the real config/demo.yaml from the repository root
// (redis-server, PocketBase, the example backend, the dashboard) with every port, the data dir
// and the control socket moved by environment; all up and ready, every route answering, and a
// SIGTERM that exits 0 with no process left.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { Daemon, ROOT, alive } from '../helpers/daemon.js';
import { health, startDemo } from '../helpers/edge-daemon.js';
import { send } from '../helpers/http-client.js';
import { waitFor } from '../helpers/wait-for.js';

let d: Daemon | undefined;
afterEach(async () => {
  await d?.cleanup();
  d = undefined;
});

interface StatusView {
  programs: {
    name: string;
    kind: string;
    state: string;
    ready: boolean;
    completed: boolean;
    pid: number | null;
  }[];
}

function echoOnce(url: string, text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url);
    ws.once('error', reject);
    ws.once('open', () => ws.send(text));
    ws.once('message', (data) => {
      resolve(String(data));
      ws.close();
    });
  });
}

describe('the demo stack (npm start)', () => {
  it('brings up redis, PocketBase, the backend and the dashboard behind the edge', async () => {
    const demo = await startDemo();
    d = demo.d;
    const { base } = demo;
    const started = Date.now();

    await d.waitState('backend', 'RUNNING', 45_000);
    const status = await waitFor(
      async () => {
        const s = await d!.api<StatusView>('/v1/status');
        const daemons = s.programs.filter((p) => p.kind === 'daemon');
        return daemons.every((p) => p.state === 'RUNNING' && p.ready) ? s : undefined;
      },
      { timeoutMs: 10_000, what: 'every program RUNNING and ready' },
    );
    const upMs = Date.now() - started;
    expect(status.programs.map((p) => [p.name, p.state, p.ready])).toEqual([
      ['init', 'EXITED', true],
      ['redis', 'RUNNING', true],
      ['pocketbase', 'RUNNING', true],
      ['backend', 'RUNNING', true],
    ]);
    expect(status.programs.find((p) => p.name === 'init')?.completed).toBe(true);
    expect(d.ctl('status', 'redis', 'pocketbase', 'backend').code).toBe(0);

    const h = await waitFor(
      async () => {
        const r = await health(base);
        return r.status === 200 ? r : undefined;
      },
      { timeoutMs: 5000, what: '/api/health 200' },
    );
    expect(h.body.status).toBe('ok');
    expect(Object.keys(h.body.programs).sort()).toEqual(['backend', 'init', 'pocketbase', 'redis']);
    expect(h.body.programs.redis).toMatchObject({ state: 'RUNNING', ready: true, critical: true });
    expect(h.body.programs.init).toMatchObject({ state: 'EXITED', ready: true });

    const hello = await send(`${base}/api/hello`);
    expect(hello.status).toBe(200);
    expect(hello.json()).toMatchObject({ hello: 'world', pid: d.pidOf('backend') });

    const pb = await send(`${base}/pb/api/health`);
    expect(pb.status).toBe(200);
    expect(pb.json()).toMatchObject({ code: 200 });

    const index = readFileSync(join(ROOT, 'test/fixtures/dashboard/index.html'), 'utf8');
    const home = await send(`${base}/`);
    expect(home.status).toBe(200);
    expect(home.headers['content-type']).toMatch(/^text\/html/);
    expect(home.text()).toBe(index);
    const deep = await send(`${base}/programs/redis`, { headers: { accept: 'text/html' } });
    expect(deep.status).toBe(200);
    expect(deep.text()).toBe(index);

    expect(await echoOnce(`ws://127.0.0.1:${demo.port}/terminal`, 'demo')).toBe('demo');

    // Data, logs and the control socket are where the environment put them.
    for (const sub of ['data/redis', 'data/pocketbase', 'data/logs', 'ctl.sock']) {
      expect(existsSync(join(d.dir, sub)), sub).toBe(true);
    }
    const pids = ['redis', 'pocketbase', 'backend'].map((name) => {
      const pid = d!.pidOf(name);
      expect(pid, name).toBeDefined();
      return pid as number;
    });
    for (const pid of pids) expect(alive(pid)).toBe(true);

    d.signal('SIGTERM');
    const exit = await d.waitExit(20_000);
    expect(exit).toEqual({ code: 0, signal: null });
    for (const pid of pids) expect(alive(pid), `pid ${pid}`).toBe(false);
    const stopped = d
      .transitions()
      .filter((t) => t.to === 'STOPPED' || t.to === 'EXITED')
      .map((t) => t.program);
    expect(stopped).toEqual(expect.arrayContaining(['backend', 'pocketbase', 'redis']));
    console.log(`demo stack up and ready in ${upMs} ms`);
  }, 90_000);
});
