// Readiness gating with real children: redis-server and PocketBase start first; the backend
// spawns only after both ready probes passed (read from the journal's timestamps).
import { afterEach, describe, expect, it } from 'vitest';
import { Daemon, NODE, ROOT, fixture } from '../helpers/daemon.js';
import { freePort } from '../helpers/temp.js';

let d: Daemon | undefined;
afterEach(async () => {
  await d?.cleanup();
  d = undefined;
});

describe('start order', () => {
  it('starts redis, PocketBase and the backend in dependency order, gated on readiness', async () => {
    const [redisPort, pbPort, backendPort] = [await freePort(), await freePort(), await freePort()];
    d = Daemon.start(`
shutdown_timeout: 8s
programs:
  backend:
    command: [${NODE}, ${fixture('forever.mjs')}, "${backendPort}", "300"]
    priority: 30
    depends_on: { redis: ready, pocketbase: ready }
    ready: { tcp: "127.0.0.1:${backendPort}", interval: 100ms }
  pocketbase:
    command: [${ROOT}/node_modules/.bin/pocketbase, serve, --http, "127.0.0.1:${pbPort}", --dir, $DIR/pb]
    priority: 20
    ready: { pocketbase: "http://127.0.0.1:${pbPort}", interval: 100ms }
  redis:
    command: [redis-server, --port, "${redisPort}", --bind, 127.0.0.1, --dir, $DIR, --save, "", --appendonly, "no"]
    priority: 10
    critical: true
    ready: { redis: "redis://127.0.0.1:${redisPort}", interval: 100ms }
`);
    await d.waitState('backend', 'RUNNING', 20_000);
    const journal = await d.journal();
    const at = (program: string, to: string): number => {
      const e = journal.find((x) => x.program === program && x.to === to);
      if (!e) throw new Error(`no ${program} ${to} in the journal`);
      return e.at;
    };
    // Priority orders the first spawns; the backend waits for both ready probes.
    expect(at('redis', 'STARTING')).toBeLessThanOrEqual(at('pocketbase', 'STARTING'));
    expect(at('backend', 'STARTING')).toBeGreaterThanOrEqual(at('redis', 'RUNNING'));
    expect(at('backend', 'STARTING')).toBeGreaterThanOrEqual(at('pocketbase', 'RUNNING'));
    expect(journal.find((x) => x.program === 'redis' && x.to === 'RUNNING')?.reason).toBe(
      'ready probe passed',
    );
    const status = await d.api<{ programs: { name: string; state: string; ready: boolean }[] }>(
      '/v1/status',
    );
    expect(status.programs.map((p) => [p.name, p.state, p.ready])).toEqual([
      ['redis', 'RUNNING', true],
      ['pocketbase', 'RUNNING', true],
      ['backend', 'RUNNING', true],
    ]);
  });
});
