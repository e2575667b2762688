// Restarts with real processes: kill -9 respawns at once; a crash on start backs off with
// growing delays then goes FATAL; a critical FATAL stops the rest in reverse order, exit 1.
import { afterEach, describe, expect, it } from 'vitest';
import { Daemon, NODE, fixture } from '../helpers/daemon.js';
import { waitFor } from '../helpers/wait-for.js';

let d: Daemon | undefined;
afterEach(async () => {
  await d?.cleanup();
  d = undefined;
});

describe('restarts', () => {
  it('respawns a RUNNING program killed with SIGKILL', async () => {
    d = Daemon.start(`
programs:
  worker:
    command: [${NODE}, ${fixture('forever.mjs')}]
    start_seconds: 200ms
`);
    await d.waitState('worker', 'RUNNING');
    const first = await waitFor(() => d?.pidOf('worker'));
    process.kill(first, 'SIGKILL');
    await d.waitState('worker', 'RUNNING', 10_000, 2);
    const second = d.pidOf('worker');
    expect(second).toBeDefined();
    expect(second).not.toBe(first);
    const j = await d.journal('worker');
    const exited = j.find((e) => e.to === 'EXITED');
    expect(exited?.reason).toBe('exited (killed by SIGKILL)');
    const status = await d.api<{ programs: { restarts: number; last_exit: { signal: string } }[] }>(
      '/v1/status?name=worker',
    );
    expect(status.programs[0]?.restarts).toBe(1);
    expect(status.programs[0]?.last_exit.signal).toBe('SIGKILL');
  });

  it('backs off a program that crashes on start with growing delays, then FATAL', async () => {
    d = Daemon.start(`
programs:
  crasher:
    command: [${NODE}, ${fixture('exit-with.mjs')}, "1"]
    start_retries: 3
    backoff: { initial: 150ms, max: 10s }
  bystander:
    command: [${NODE}, ${fixture('forever.mjs')}]
    start_seconds: 100ms
`);
    await d.waitState('crasher', 'FATAL', 15_000);
    const j = await d.journal('crasher');
    const states = j.map((e) => e.to);
    expect(states).toEqual([
      'STARTING',
      'BACKOFF',
      'STARTING',
      'BACKOFF',
      'STARTING',
      'BACKOFF',
      'STARTING',
      'FATAL',
    ]);
    // Delay between each BACKOFF and the next STARTING doubles: ~150, ~300, ~600 ms.
    const delays: number[] = [];
    j.forEach((e, i) => {
      const next = j[i + 1];
      if (e.to === 'BACKOFF' && next) delays.push(next.at - e.at);
    });
    expect(delays).toHaveLength(3);
    expect(delays[0]).toBeGreaterThanOrEqual(140);
    expect(delays[1]).toBeGreaterThanOrEqual(290);
    expect(delays[2]).toBeGreaterThanOrEqual(590);
    expect(delays[1] as number).toBeGreaterThan(delays[0] as number);
    expect(delays[2] as number).toBeGreaterThan(delays[1] as number);
    expect(j.at(-1)?.reason).toMatch(/exit status 1.*gave up after 4 attempts/);
    // A non-critical FATAL leaves the rest running.
    expect(d.state('bystander')).toBe('RUNNING');
    expect(d.exitStatus).toBeNull();
  });

  it('stops the others in reverse order and exits 1 when a critical program goes FATAL', async () => {
    d = Daemon.start(`
programs:
  base:
    command: [${NODE}, ${fixture('forever.mjs')}]
    start_seconds: 100ms
    priority: 1
  middle:
    command: [${NODE}, ${fixture('forever.mjs')}]
    start_seconds: 100ms
    priority: 2
    depends_on: [base]
  db:
    command: [${NODE}, ${fixture('exit-with.mjs')}, "2", "400"]
    critical: true
    priority: 3
    depends_on: { middle: ready }
    start_seconds: 1s
    start_retries: 1
    backoff: { initial: 100ms, max: 100ms }
`);
    const exit = await d.waitExit(20_000);
    expect(exit.code).toBe(1);
    const t = d.transitions();
    const stopped = t.filter((r) => r.to === 'STOPPING').map((r) => r.program);
    expect(stopped).toEqual(['middle', 'base']);
    expect(t.find((r) => r.program === 'db' && r.to === 'FATAL')).toBeDefined();
    expect(d.records().some((r) => /critical program db is FATAL/.test(r.msg))).toBe(true);
  });
});
