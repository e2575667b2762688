// `hold` with the real supervisor: the example backend killed with kill -9 under a steady
// stream of requests through /api costs the clients a delay, never an error (the supervisor
// alone notices the exit and respawns); a backend that takes longer than the hold gets 503.
import { afterEach, describe, expect, it } from 'vitest';
import { NODE, type Daemon } from '../helpers/daemon.js';
import {
  BACKEND_SCRIPT,
  loadLoop,
  startEdgeDaemon,
  type EdgeDaemon,
} from '../helpers/edge-daemon.js';
import { send } from '../helpers/http-client.js';
import { waitFor } from '../helpers/wait-for.js';

let e: EdgeDaemon | undefined;
afterEach(async () => {
  await e?.d.cleanup();
  e = undefined;
});

async function uptime(d: Daemon): Promise<number> {
  const s = await d.api<{ programs: { uptime_s: number | null }[] }>('/v1/status?name=backend');
  return s.programs[0]?.uptime_s ?? 0;
}

const pidIn = (body: string | undefined): number | undefined =>
  body ? (JSON.parse(body) as { pid?: number }).pid : undefined;

describe('hold with the real supervisor', () => {
  it('answers every request of a steady stream with 200 across a kill -9 of the backend', async () => {
    e = await startEdgeDaemon({ hold: '5s' });
    const { d, base } = e;
    const pid = await waitFor(() => d.pidOf('backend'));
    let stop!: () => void;
    const stopped = new Promise<void>((r) => (stop = r));
    const load = loadLoop(`${base}/api/hello`, {
      loops: 6,
      maxPerLoop: 3000,
      maxMs: 20_000,
      stop: stopped,
    });
    let killedAt = 0;
    let backAt = 0;
    try {
      // Steady traffic first, then the kill; the supervisor alone notices and respawns.
      // Past start_seconds, so the crash is one of a program whose start had stuck (EXITED).
      await waitFor(async () => load.outcomes.length >= 60 && (await uptime(d)) >= 1.5, {
        what: 'traffic before the kill',
      });
      killedAt = Date.now();
      process.kill(pid, 'SIGKILL');
      backAt = (await d.waitState('backend', 'RUNNING', 15_000, 2)).time;
      const newPid = await waitFor(() => (d.pidOf('backend') !== pid ? d.pidOf('backend') : 0));
      // Keep the stream going until the new process has answered 60 more requests.
      await waitFor(() => load.outcomes.filter((o) => pidIn(o.body) === newPid).length >= 60, {
        timeoutMs: 10_000,
        what: 'answers from the respawned backend',
      });
    } finally {
      stop();
      await load.done;
    }
    const outcomes = load.outcomes;

    const failed = outcomes.filter((o) => o.status !== 200);
    expect(failed.map((o) => `${o.status} ${o.error ?? o.body}`)).toEqual([]);
    expect(outcomes.length).toBeGreaterThanOrEqual(120);
    const pids = new Set(outcomes.map((o) => pidIn(o.body)));
    expect(pids.has(pid)).toBe(true);
    expect(pids.size).toBe(2);
    // Some requests were in the air while the backend was down and waited for it.
    const held = outcomes.filter((o) => o.start < backAt && o.end >= backAt && o.end > killedAt);
    expect(held.length).toBeGreaterThan(0);
    const slowest = Math.max(...outcomes.map((o) => o.end - o.start));
    expect(slowest).toBeLessThan(5000);
    const j = await d.journal('backend');
    expect(j.map((x) => x.to)).toEqual(['STARTING', 'RUNNING', 'EXITED', 'STARTING', 'RUNNING']);
    expect(j[2]?.reason).toBe('exited (killed by SIGKILL)');
    expect(d.exitStatus).toBeNull();
    console.log(
      `hold: ${outcomes.length} requests, all 200; down ${backAt - killedAt} ms; ` +
        `${held.length} held across the restart; slowest ${slowest} ms`,
    );
  });

  it('answers 503 to a request that waits longer than the hold, then 200 once back', async () => {
    // Every run after the first sleeps 3 s before exec'ing the backend: longer than the hold.
    e = await startEdgeDaemon({
      hold: '1s',
      command: `[sh, -c, "if [ -e $DIR/started ]; then sleep 3; fi; touch $DIR/started; exec ${NODE} ${BACKEND_SCRIPT}"]`,
    });
    const { d, base } = e;
    const pid = await waitFor(() => d.pidOf('backend'));
    expect((await send(`${base}/api/hello`)).status).toBe(200);
    process.kill(pid, 'SIGKILL');
    // EXITED, or BACKOFF when the kill came within start_seconds of the spawn.
    await waitFor(() => d.transitions('backend').some((t) => t.from === 'RUNNING'), {
      what: 'the supervisor noticing the exit',
    });
    const t0 = Date.now();
    const r = await send(`${base}/api/hello`);
    const waited = Date.now() - t0;
    expect(r.status).toBe(503);
    expect(r.headers['retry-after']).toMatch(/^\d+$/);
    const body = r.json() as { error: string; program: string; state: string };
    expect(body).toMatchObject({ error: 'upstream_unavailable', program: 'backend' });
    expect(['EXITED', 'STARTING', 'BACKOFF']).toContain(body.state);
    expect(waited).toBeGreaterThanOrEqual(900);
    expect(waited).toBeLessThan(2500);
    expect(d.state('backend')).toBe('STARTING');

    await d.waitState('backend', 'RUNNING', 15_000, 2);
    const ok = await send(`${base}/api/hello`);
    expect(ok.status).toBe(200);
    expect(pidIn(ok.text())).toBe(d.pidOf('backend'));
    expect(d.exitStatus).toBeNull();
    console.log(`hold past its end: 503 (${body.state}) after ${waited} ms`);
  });
});
