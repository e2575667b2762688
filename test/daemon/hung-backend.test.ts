// A hung program is caught: under the real config/demo.yaml, the backend is SIGSTOPped.
// /api/health turns unhealthy (backend healthy: false, the stack degraded) within the backend's live probe window (interval x retries +
// timeout), the backend is restarted (a new pid, RUNNING and ready), and no request sent
// meanwhile waits past its deadline (the listener's 60 s idle timeout).
import { afterEach, describe, expect, it } from 'vitest';
import { Daemon } from '../helpers/daemon.js';
import { health, startDemo } from '../helpers/edge-daemon.js';
import { send } from '../helpers/http-client.js';
import { waitFor } from '../helpers/wait-for.js';

let d: Daemon | undefined;
let stopped: number | undefined;
afterEach(async () => {
  if (stopped !== undefined) {
    try {
      process.kill(stopped, 'SIGKILL');
    } catch {
      // restarted already: gone
    }
  }
  await d?.cleanup();
  d = undefined;
});

/** config/demo.yaml's backend live probe: interval 2s, retries 3, timeout 1s. */
const LIVE_WINDOW_MS = 2_000 * 3 + 1_000;
/** The listener's idle timeout: the longest a proxied request may wait. */
const REQUEST_DEADLINE_MS = 60_000;

describe('a hung backend (SIGSTOP) under the demo config', () => {
  it(
    'turns /api/health unhealthy, restarts the backend, and no request waits past its deadline',
    { timeout: 150_000 },
    async () => {
      const demo = await startDemo();
      d = demo.d;
      const { base } = demo;
      await d.waitState('backend', 'RUNNING', 60_000);
      await waitFor(async () => (await health(base)).status === 200, {
        timeoutMs: 30_000,
        what: 'a healthy stack',
      });
      const pid = (await health(base)).body.programs.backend?.pid as number;

      process.kill(pid, 'SIGSTOP');
      stopped = pid;
      const t0 = Date.now();
      // Requests sent while the backend hangs: each must end by its deadline.
      const requests = Array.from({ length: 5 }, async (_, i) => {
        await new Promise((r) => setTimeout(r, i * 500));
        const sent = Date.now();
        const r = await send(`${base}/api/hello`, { timeoutMs: REQUEST_DEADLINE_MS + 10_000 });
        return { status: r.status, ms: Date.now() - sent };
      });

      const unhealthy = await waitFor(
        async () => {
          const h = await health(base);
          // The demo's backend is not critical: the stack is degraded (503 is for critical ones).
          const b = h.body.programs.backend;
          return h.body.status === 'degraded' && b?.healthy === false ? h : undefined;
        },
        { timeoutMs: 60_000, intervalMs: 100, what: '/api/health to turn unhealthy' },
      );
      const unhealthyMs = Date.now() - t0;
      expect(unhealthy.body.programs.backend?.state).toMatch(/^(RUNNING|STOPPING)$/);

      const back = await waitFor(
        async () => {
          const h = await health(base);
          const b = h.body.programs.backend;
          const up = h.body.status === 'ok' && b?.state === 'RUNNING' && b.healthy;
          return up && b.pid !== pid ? b : undefined;
        },
        { timeoutMs: 60_000, intervalMs: 200, what: 'the backend restarted and healthy' },
      );
      const restartedMs = Date.now() - t0;
      expect(back.restarts).toBeGreaterThanOrEqual(1);
      const journal = d.ctl('journal', 'backend').stdout;
      expect(journal).toMatch(/live probe failed 3 times/);

      const done = await Promise.all(requests);
      console.log(
        `SIGSTOP: unhealthy after ${unhealthyMs} ms (live window ${LIVE_WINDOW_MS} ms), restarted after ${restartedMs} ms, requests`,
        done,
      );
      // The window, plus up to one interval before the first failing check and a loaded machine.
      expect(unhealthyMs).toBeLessThan(LIVE_WINDOW_MS + 2_000 + 10_000);
      for (const r of done) {
        expect(r.ms).toBeLessThan(REQUEST_DEADLINE_MS);
        expect([200, 502, 503, 504]).toContain(r.status);
      }
    },
  );
});
