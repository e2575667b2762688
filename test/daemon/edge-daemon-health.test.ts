// /api/health of the real apposd with the real supervised example backend: 200 -> 503 when the
// critical backend is killed with kill -9, 200 again only once its respawn passed its ready
// probe; no secret from a program's env in health, status or apposd's own log; and nothing of
// the control API on the public port.
import { Agent } from 'node:http';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { processesWithEnv } from '../helpers/daemon.js';
import {
  DASHBOARD_DIR,
  health,
  startEdgeDaemon,
  type EdgeDaemon,
  type HealthBody,
} from '../helpers/edge-daemon.js';
import { send } from '../helpers/http-client.js';
import { waitFor } from '../helpers/wait-for.js';

const SECRET = 's3cr3t-value-123';

let e: EdgeDaemon | undefined;
afterEach(async () => {
  await e?.d.cleanup();
  e = undefined;
});

interface Seen {
  status: number;
  body: HealthBody;
  text: string;
  at: number;
}

describe('edge health with the real supervisor', () => {
  it('flips 200 -> 503 on kill -9 of a critical program and back after its ready probe', async () => {
    e = await startEdgeDaemon({ critical: true, env: { API_SECRET: SECRET } });
    const { d, base } = e;
    const pid = await waitFor(() => d.pidOf('backend'));
    // The secret really reached the program.
    expect(processesWithEnv('API_SECRET', SECRET)).toContain(pid);

    const first = await health(base);
    expect(first.status).toBe(200);
    expect(Object.keys(first.body).sort()).toEqual(['programs', 'status', 'uptime_s']);
    expect(first.body.status).toBe('ok');
    expect(first.body.uptime_s).toBeGreaterThanOrEqual(0);
    const b0 = first.body.programs.backend;
    expect(b0).toMatchObject({
      state: 'RUNNING',
      ready: true,
      healthy: true,
      pid,
      restarts: 0,
      critical: true,
      last_exit: null,
    });
    expect(b0?.uptime_s).toBeGreaterThanOrEqual(0);
    expect(b0?.probe).toMatchObject({ ok: true });

    // Poll /api/health as fast as it answers while the backend is killed and respawned.
    const seen: Seen[] = [];
    let polling = true;
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    const poller = (async () => {
      while (polling) seen.push({ ...(await health(base, agent)), at: Date.now() });
    })();
    try {
      await waitFor(() => seen.length >= 3);
      process.kill(pid, 'SIGKILL');
      await d.waitState('backend', 'RUNNING', 15_000, 2);
      await waitFor(() => seen.at(-1)?.status === 200 && seen.some((s) => s.status === 503), {
        timeoutMs: 5000,
        what: 'health back to 200 after a 503',
      });
    } finally {
      polling = false;
      await poller;
      agent.destroy();
    }

    // 200 ... 503 (at least once) ... 200: every answer agrees with the backend's state.
    const statuses = seen.map((s) => s.status);
    const firstDown = statuses.indexOf(503);
    const lastDown = statuses.lastIndexOf(503);
    expect(firstDown).toBeGreaterThan(0);
    expect(statuses.slice(0, firstDown).every((s) => s === 200)).toBe(true);
    expect(statuses.slice(lastDown + 1).every((s) => s === 200)).toBe(true);
    for (const s of seen) {
      const b = s.body.programs.backend;
      if (s.status === 200) {
        expect(s.body.status).toBe('ok');
        expect(b).toMatchObject({ state: 'RUNNING', ready: true });
      } else {
        expect(s.status).toBe(503);
        expect(s.body.status).toBe('degraded');
        expect(b?.state === 'RUNNING' && b.ready).toBe(false);
      }
    }
    const down = seen[firstDown]!.body.programs.backend;
    expect(down?.last_exit).toMatchObject({ code: null, signal: 'SIGKILL' });

    // 200 again only after the respawn's ready probe passed (journal time).
    const journal = await d.journal('backend');
    const running = journal.filter((j) => j.to === 'RUNNING');
    expect(running).toHaveLength(2);
    expect(running[1]?.reason).toBe('ready probe passed');
    const back = seen[lastDown + 1]!;
    expect(back.at).toBeGreaterThanOrEqual(running[1]!.at);

    const after = await health(base);
    expect(after.status).toBe(200);
    const b1 = after.body.programs.backend;
    expect(b1).toMatchObject({ state: 'RUNNING', ready: true, restarts: 1, critical: true });
    expect(b1?.pid).toBe(d.pidOf('backend'));
    expect(b1?.pid).not.toBe(pid);
    expect(b1?.last_exit).toMatchObject({ code: null, signal: 'SIGKILL' });
    const downFor = back.at - seen[firstDown]!.at;
    console.log(
      `health: ${statuses.filter((s) => s === 503).length} x 503 over ~${downFor} ms of ${seen.length} polls`,
    );

    // No secret anywhere apposd reports: health, status (text and JSON), its own log records.
    for (const s of seen) expect(s.text).not.toContain(SECRET);
    expect(after.text).not.toContain(SECRET);
    const status = d.ctl('status');
    expect(status.code).toBe(0);
    expect(status.stdout).toMatch(/^backend\s+RUNNING\s+pid \d+/m);
    expect(status.stdout + status.stderr).not.toContain(SECRET);
    const json = d.ctl('status', '--json');
    expect(json.code).toBe(0);
    expect(JSON.stringify(JSON.parse(json.stdout))).toContain('"backend"');
    expect(json.stdout + json.stderr).not.toContain(SECRET);
    expect(JSON.stringify(await d.api('/v1/status'))).not.toContain(SECRET);
    const own = d.records().filter((r) => r.stream === undefined);
    expect(own.length).toBeGreaterThan(5);
    expect(JSON.stringify(own)).not.toContain(SECRET);
    expect(d.stderr).not.toContain(SECRET);
  });

  it('exposes nothing of the control API on the public port', async () => {
    e = await startEdgeDaemon();
    const { d, base } = e;
    const index = readFileSync(join(DASHBOARD_DIR, 'index.html'), 'utf8');
    const notStatus = (text: string): void => {
      expect(text).not.toContain('"programs"');
      expect(text).not.toMatch(/"pid"\s*:/);
    };

    // Paths without an extension are SPA navigations: the dashboard's index.html, never the
    // control API's JSON (with or without Accept: text/html).
    for (const path of ['/v1/status', '/v1/journal', '/v1/health', '/v1/version', '/v1/logs']) {
      for (const accept of ['application/json', 'text/html']) {
        const r = await send(`${base}${path}`, { headers: { accept } });
        expect(r.status, path).toBe(200);
        expect(r.headers['content-type'], path).toMatch(/^text\/html/);
        expect(r.text(), path).toBe(index);
        notStatus(r.text());
      }
    }
    // Not even with an extension-like suffix: a missing file is the static 404.
    const dotted = await send(`${base}/v1/status.json`);
    expect(dotted.status).toBe(404);
    notStatus(dotted.text());
    // Actions do nothing: the backend keeps running and apposd keeps serving.
    for (const path of ['/v1/stop', '/v1/shutdown', '/v1/restart']) {
      const r = await send(`${base}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ names: ['backend'] }),
      });
      expect([404, 405], path).toContain(r.status);
    }
    const status = await d.api<{ programs: { name: string; state: string }[] }>('/v1/status');
    expect(status.programs.map((p) => [p.name, p.state])).toEqual([['backend', 'RUNNING']]);
    expect(d.exitStatus).toBeNull();
    expect(d.transitions('backend').map((t) => t.to)).toEqual(['STARTING', 'RUNNING']);
    expect((await send(`${base}/api/hello`)).status).toBe(200);
    expect((await health(base)).status).toBe(200);
  });

  it('answers 404, not the control API, for /v1/... when no route covers it', async () => {
    e = await startEdgeDaemon({ dashboard: false });
    for (const path of ['/v1/status', '/v1/journal', '/v1/health']) {
      const r = await send(`${e.base}${path}`, { headers: { accept: 'text/html' } });
      expect(r.status, path).toBe(404);
      expect(r.json(), path).toEqual({ error: 'not_found' });
    }
    expect((await health(e.base)).status).toBe(200);
  });
});
