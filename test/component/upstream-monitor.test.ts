// The upstream monitor against a real TCP listener: UNKNOWN until the first check, UP after a
// pass, DOWN after `retries` failures in a row once it was up, UP again when it returns; every
// check reaches subscribers; a reload drops upstreams no route probes any more.
import { createServer, type Server } from 'node:net';
import { afterEach, describe, expect, test } from 'vitest';
import type { ProbeConfig, RouteConfig } from '../../src/config/types.js';
import type { UpstreamStatus } from '../../src/upstreams/api.js';
import { UpstreamMonitor } from '../../src/upstreams/monitor.js';
import { freePort } from '../helpers/temp.js';
import { waitFor } from '../helpers/wait-for.js';

const probe = (port: number, retries = 2): ProbeConfig => ({
  kind: 'tcp',
  target: `127.0.0.1:${port}`,
  argv: [],
  intervalMs: 30,
  timeoutMs: 500,
  retries,
  initialDelayMs: 0,
});

const route = (path: string, port: number, p?: ProbeConfig): RouteConfig => ({
  path,
  upstream: `http://127.0.0.1:${port}`,
  websocket: false,
  stripPrefix: false,
  spa: false,
  ...(p ? { probe: p } : {}),
});

function listen(port: number): Promise<Server> {
  return new Promise((resolve) => {
    const s = createServer((c) => c.destroy());
    s.listen(port, '127.0.0.1', () => resolve(s));
  });
}
const close = (s: Server) => new Promise((r) => s.close(r));

let monitor: UpstreamMonitor | undefined;
let server: Server | undefined;
afterEach(async () => {
  monitor?.stop();
  if (server?.listening) await close(server);
});

describe('UpstreamMonitor', () => {
  test('follows an upstream up, down and up again, reporting every check', async () => {
    const port = await freePort();
    server = await listen(port);
    const name = `127.0.0.1:${port}`;
    monitor = new UpstreamMonitor([route('/a', port, probe(port)), route('/b', port)], process);
    expect(monitor.status()).toEqual([
      expect.objectContaining({ name, state: 'UNKNOWN', wasUp: false, probe: null }),
    ]);
    const seen: UpstreamStatus[] = [];
    monitor.subscribe((s) => seen.push(s));
    monitor.start();
    await waitFor(() => monitor!.get(name)?.state === 'UP', { what: 'UP' });
    expect(monitor.get(name)?.wasUp).toBe(true);

    await close(server);
    await waitFor(() => monitor!.get(name)?.state === 'DOWN', { what: 'DOWN' });
    const down = monitor.get(name)!;
    expect(down.probe?.ok).toBe(false);
    expect(down.probe?.error).toMatch(/ECONNREFUSED/);
    // retries: 2 -> the first failure after UP kept it UP
    const firstFail = seen.findIndex((s) => s.probe?.ok === false);
    expect(seen[firstFail]?.state).toBe('UP');

    server = await listen(port);
    await waitFor(() => monitor!.get(name)?.state === 'UP', { what: 'UP again' });
    expect(monitor.get(name)!.since).toBeGreaterThanOrEqual(down.since);
  });

  test('is DOWN at the first failure when it was never up; a reload drops it', async () => {
    const port = await freePort();
    const name = `127.0.0.1:${port}`;
    monitor = new UpstreamMonitor([route('/a', port, probe(port, 5))], process);
    monitor.start();
    await waitFor(() => monitor!.get(name)?.state === 'DOWN', { what: 'DOWN' });
    monitor.setRoutes([route('/a', port)]);
    expect(monitor.status()).toEqual([]);
  });
});
