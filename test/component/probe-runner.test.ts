import { createServer, type Server, type ServerResponse } from 'node:http';
import { createServer as createTcpServer, type Server as TcpServer } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { ProbeConfig } from '../../src/config/types.js';
import type { ProbeOutcome } from '../../src/probes/index.js';
import { ProbeRunner } from '../../src/probes/runner.js';
import { probeConfig } from '../fixtures/probes/config.js';
import { freePort } from '../helpers/temp.js';
import { waitFor } from '../helpers/wait-for.js';

interface Seen {
  outcome: ProbeOutcome;
  failures: number;
}

describe('ProbeRunner', () => {
  const runners: ProbeRunner[] = [];
  const servers: (Server | TcpServer)[] = [];
  afterEach(async () => {
    for (const r of runners.splice(0)) r.stop();
    for (const s of servers.splice(0)) {
      if ('closeAllConnections' in s) s.closeAllConnections();
      await new Promise<void>((done) => s.close(() => done()));
    }
  });

  function run(
    cfg: ProbeConfig,
    onResult?: (seen: Seen) => void,
  ): { runner: ProbeRunner; seen: Seen[] } {
    const seen: Seen[] = [];
    const runner = new ProbeRunner(cfg, process, (outcome, failures) => {
      seen.push({ outcome, failures });
      onResult?.({ outcome, failures });
    });
    runners.push(runner);
    return { runner, seen };
  }

  async function listenTcp(port = 0): Promise<number> {
    const server = createTcpServer((socket) => socket.destroy());
    servers.push(server);
    await new Promise<void>((done) => server.listen(port, '127.0.0.1', done));
    const addr = server.address();
    return typeof addr === 'object' && addr ? addr.port : 0;
  }

  /** Start time of a check on the Date.now() clock. */
  const startOf = (o: ProbeOutcome): number => o.at - o.latencyMs;

  it('waits initialDelayMs before the first check', async () => {
    const port = await listenTcp();
    const { runner, seen } = run(
      probeConfig({ kind: 'tcp', target: `127.0.0.1:${port}`, initialDelayMs: 150 }),
    );
    const startedAt = Date.now();
    runner.start();
    expect(runner.running).toBe(true);
    expect(runner.last).toBeNull();
    await waitFor(() => seen.length >= 1, { what: 'the first check' });
    const first = seen[0]!.outcome;
    expect(first.ok).toBe(true);
    expect(startOf(first) - startedAt).toBeGreaterThanOrEqual(148);
    expect(runner.last).toBe(first);
  });

  it('spaces checks by intervalMs from the end of the previous one, never overlapping', async () => {
    const argv = ['sh', '-c', 'sleep 0.05'];
    const { runner, seen } = run(probeConfig({ kind: 'exec', argv, intervalMs: 80 }));
    runner.start();
    await waitFor(() => seen.length >= 4, { what: 'four checks' });
    runner.stop();
    for (let i = 1; i < seen.length; i++) {
      const gap = startOf(seen[i]!.outcome) - seen[i - 1]!.outcome.at;
      expect(gap).toBeGreaterThanOrEqual(78);
    }
    expect(seen.every((s) => s.outcome.ok && s.outcome.latencyMs >= 45)).toBe(true);
  });

  it('counts consecutive failures and resets them on a pass', async () => {
    const port = await freePort();
    const { runner, seen } = run(
      probeConfig({ kind: 'tcp', target: `127.0.0.1:${port}`, intervalMs: 20 }),
    );
    runner.start();
    await waitFor(() => seen.length >= 3, { what: 'three failures' });
    expect(seen.slice(0, 3).map((s) => s.failures)).toEqual([1, 2, 3]);
    expect(seen[0]!.outcome.error).toBe(`connect ECONNREFUSED 127.0.0.1:${port}`);
    await listenTcp(port);
    await waitFor(() => seen.at(-1)?.outcome.ok, { what: 'a pass' });
    expect(seen.at(-1)!.failures).toBe(0);
    expect(runner.consecutiveFailures).toBe(0);
  });

  it('stop() aborts an in-flight check and reports nothing after it', async () => {
    const held: ServerResponse[] = [];
    let closed = 0;
    const server = createServer((_req, res) => void held.push(res));
    server.on('connection', (socket) => socket.on('close', () => (closed += 1)));
    servers.push(server);
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    const addr = server.address();
    const port = typeof addr === 'object' && addr ? addr.port : 0;
    const { runner, seen } = run(
      probeConfig({ kind: 'http', target: `http://127.0.0.1:${port}/`, timeoutMs: 10_000 }),
    );
    runner.start();
    await waitFor(() => held.length === 1, { what: 'the check to be in flight' });
    runner.stop();
    expect(runner.running).toBe(false);
    await waitFor(() => closed === 1, { what: 'the aborted connection to close' });
    held[0]!.end('late');
    expect(seen).toEqual([]);
    expect(runner.last).toBeNull();
  });

  it('stop() between checks cancels the next one', async () => {
    const port = await listenTcp();
    const cfg = probeConfig({ kind: 'tcp', target: `127.0.0.1:${port}`, intervalMs: 30 });
    const stopped = run(cfg);
    stopped.runner.start();
    await waitFor(() => stopped.seen.length >= 1, { what: 'one check' });
    stopped.runner.stop();
    const count = stopped.seen.length;
    const witness = run(cfg);
    witness.runner.start();
    await waitFor(() => witness.seen.length >= 3, { what: 'three checks of another runner' });
    expect(stopped.seen.length).toBe(count);
  });

  it('can be started again, and setInterval() changes the cadence', async () => {
    const port = await listenTcp();
    const { runner, seen } = run(
      probeConfig({ kind: 'tcp', target: `127.0.0.1:${port}`, intervalMs: 60_000 }),
    );
    runner.start();
    await waitFor(() => seen.length === 1, { what: 'the first check' });
    runner.setInterval(20);
    expect(runner.intervalMs).toBe(20);
    await waitFor(() => seen.length >= 3, { timeoutMs: 2000, what: 'checks at the new cadence' });
    runner.stop();
    runner.start();
    expect(runner.consecutiveFailures).toBe(0);
    expect(runner.last).toBeNull();
    await waitFor(() => runner.last?.ok, { what: 'a check after restart' });
  });

  it('keeps probing when onResult throws', async () => {
    const port = await listenTcp();
    const { runner, seen } = run(
      probeConfig({ kind: 'tcp', target: `127.0.0.1:${port}`, intervalMs: 20 }),
      () => {
        throw new Error('listener bug');
      },
    );
    runner.start();
    await waitFor(() => seen.length >= 2, { what: 'two checks' });
  });
});
