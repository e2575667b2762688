// SIGTERM to the real apposd while a slow request is in flight through /api: the edge stops
// accepting (new connections refused, idle ones closed; /api/health never 200 again), the
// in-flight request completes with Connection: close, apposd exits 0 and no program is left.
import { Agent } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { NODE, alive } from '../helpers/daemon.js';
import {
  BACKEND_SCRIPT,
  health,
  startEdgeDaemon,
  type EdgeDaemon,
  type EdgeDaemonOptions,
} from '../helpers/edge-daemon.js';
import { send } from '../helpers/http-client.js';
import { waitFor } from '../helpers/wait-for.js';

let e: EdgeDaemon | undefined;
afterEach(async () => {
  await e?.d.cleanup();
  e = undefined;
});

/**
 * The example backend, except that on SIGTERM it keeps serving what it has for 1.5 s and then
 * exits (as a Go backend's http.Server.Shutdown would drain), instead of cutting connections.
 */
const DRAINING_BACKEND = `await import(${JSON.stringify(BACKEND_SCRIPT)});
process.removeAllListeners('SIGTERM');
process.on('SIGTERM', () => setTimeout(() => process.exit(0), 1500));
`;

interface ShutdownRun {
  status: number;
  body: unknown;
  connection: string | undefined;
  tookMs: number;
  afterSignalMs: number;
  seen: string[];
  ctlHealth: { code: number; stdout: string };
  exit: { code: number | null; signal: NodeJS.Signals | null };
  backendLeft: boolean;
}

/** Sends /api/slow?ms=800, SIGTERMs apposd while it is in flight, and records what follows. */
async function sigtermDuringSlowRequest(o: EdgeDaemonOptions): Promise<ShutdownRun> {
  e = await startEdgeDaemon(o);
  const { d, base } = e;
  const backendPid = await waitFor(() => d.pidOf('backend'));
  const held = new Agent({ keepAlive: true, maxSockets: 1 });
  const slowAgent = new Agent({ keepAlive: true, maxSockets: 1 });
  try {
    // Open connections before the signal: one for /api/health, one for the slow request.
    expect((await health(base, held)).status).toBe(200);
    expect((await send(`${base}/api/hello`, { agent: slowAgent })).status).toBe(200);

    const sentAt = Date.now();
    const slow = send(`${base}/api/slow?ms=800`, { agent: slowAgent, timeoutMs: 10_000 }).then(
      (r) => ({ r, at: Date.now() }),
    );
    // The slow request is on its way before the signal: a later request was answered.
    expect((await health(base, held)).status).toBe(200);
    d.signal('SIGTERM');
    const signalledAt = Date.now();

    // /api/health while apposd stops, on the connection that was open, until refused.
    const seen: string[] = [];
    await waitFor(
      async () => {
        try {
          const h = await health(base, held);
          seen.push(`${h.status} ${h.body.status}`);
          return false;
        } catch (err) {
          const code = (err as NodeJS.ErrnoException).code ?? String(err);
          seen.push(code);
          return code === 'ECONNREFUSED';
        }
      },
      { timeoutMs: 3000, intervalMs: 5, what: 'the edge refusing connections' },
    );
    // The control socket still answers during the shutdown.
    const ctlHealth = d.ctl('health');
    const { r, at } = await slow;
    const exit = await d.waitExit(15_000);
    return {
      status: r.status,
      body: r.json(),
      connection: r.headers.connection,
      tookMs: at - sentAt,
      afterSignalMs: at - signalledAt,
      seen,
      ctlHealth,
      exit,
      backendLeft: alive(backendPid),
    };
  } finally {
    held.destroy();
    slowAgent.destroy();
  }
}

function expectCleanStop(run: ShutdownRun): void {
  // Never 200 once a non-200 answer was seen; new connections end up refused.
  const after = run.seen.slice(run.seen.findIndex((x) => x !== '200 ok'));
  for (const x of after) expect(['503 stopping', 'ECONNRESET', 'ECONNREFUSED']).toContain(x);
  expect(run.seen.at(-1)).toBe('ECONNREFUSED');
  expect(run.ctlHealth.code).toBe(1);
  expect(run.ctlHealth.stdout).toMatch(/stopping/);
  expect(run.exit).toEqual({ code: 0, signal: null });
  expect(run.backendLeft).toBe(false);
  expect(e?.d.records().some((x) => x.msg === 'apposd exiting with code 0')).toBe(true);
}

describe('edge shutdown with the real supervisor', () => {
  it('lets an in-flight request finish on SIGTERM when the backend drains, exits 0', async () => {
    const run = await sigtermDuringSlowRequest({
      command: `[${NODE}, $DIR/draining-backend.mjs]`,
      files: { 'draining-backend.mjs': DRAINING_BACKEND },
    });
    expect(run.status).toBe(200);
    expect(run.body).toEqual({ slept: 800 });
    expect(run.tookMs).toBeGreaterThanOrEqual(790);
    expect(run.connection).toBe('close');
    expectCleanStop(run);
    console.log(
      `shutdown: slow request answered ${run.afterSignalMs} ms after SIGTERM; ` +
        `/api/health after SIGTERM: ${[...new Set(run.seen)].join(', ')}; ` +
        `appos-ctl health: ${JSON.stringify(run.ctlHealth.stdout.trim())}`,
    );
  });

  // The edge drains before any program is signalled, so even a backend that closes its
  // connections on SIGTERM has answered first.
  it('lets an in-flight request to the example backend finish on SIGTERM, exits 0', async () => {
    const run = await sigtermDuringSlowRequest({});
    expect({ status: run.status, body: run.body }).toEqual({ status: 200, body: { slept: 800 } });
    expect(run.tookMs).toBeGreaterThanOrEqual(790);
    expect(run.connection).toBe('close');
    expectCleanStop(run);
  });
});
