// Program and Supervisor driven through the Spawner and probe seams with fake timers: restart
// and backoff timing, dependency gating, the ready deadline, shutdown order and its deadline,
// reload diffs. No process is started; each test takes milliseconds.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { ProgramConfig } from '../../../src/config/types.js';
import type { EventLogger, OutputSink } from '../../../src/supervisor/api.js';
import { Program } from '../../../src/supervisor/program.js';
import { Supervisor } from '../../../src/supervisor/supervisor.js';
import { FakeProbes, FakeSpawner } from '../../helpers/fake-spawner.js';
import { probeConfig, programConfig } from '../../helpers/program-config.js';

const sink: OutputSink = { attach: () => undefined, close: () => Promise.resolve() };

function quietLogger(): EventLogger & { lines: string[] } {
  const lines: string[] = [];
  const log = (level: string) => (_f: object, msg: string) => void lines.push(`${level} ${msg}`);
  return { lines, debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error') };
}

let spawner: FakeSpawner;
let probes: FakeProbes;
let logger: ReturnType<typeof quietLogger>;

function supervise(programs: ProgramConfig[], shutdownTimeoutMs = 8000): Supervisor {
  return new Supervisor({
    programs,
    shutdownTimeoutMs,
    sink,
    logger,
    host: process,
    spawner,
    probes: probes.factory,
  });
}

/** Lets spawns settle and runs timers due within `ms`. */
const advance = (ms = 0): Promise<unknown> => vi.advanceTimersByTimeAsync(ms);
const states = (s: Supervisor): string =>
  s
    .status()
    .map((p) => `${p.name}:${p.state}`)
    .join(' ');
const moves = (s: Supervisor, name: string): string[] =>
  s.journal(name).map((e) => `${e.from}->${e.to}: ${e.reason}`);

beforeEach(() => {
  vi.useFakeTimers();
  spawner = new FakeSpawner();
  probes = new FakeProbes();
  logger = quietLogger();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('restart and backoff', () => {
  it('a crash before start_seconds backs off 200ms, 400ms, 800ms, then FATAL', async () => {
    const s = supervise([programConfig('app')]);
    s.boot();
    await advance();
    const delays: number[] = [];
    for (let i = 0; i < 4; i++) {
      spawner.child('app').exit({ code: 1 });
      await advance();
      const st = s.get('app');
      if (st?.state !== 'BACKOFF') break;
      delays.push((st.nextRetryAt ?? 0) - Date.now());
      await advance(st.nextRetryAt === null ? 0 : st.nextRetryAt - Date.now());
      expect(s.get('app')?.state).toBe('STARTING');
    }
    expect(delays).toEqual([200, 400, 800]);
    expect(s.get('app')?.state).toBe('FATAL');
    expect(s.get('app')?.reason).toBe('exited (exit status 1); gave up after 4 attempts');
    expect(spawner.log.filter((l) => l === 'spawn app')).toHaveLength(4);
  });

  it('backoff doubles up to backoff.max and no further', async () => {
    const backoff = { initialMs: 1000, maxMs: 2500 };
    const s = supervise([programConfig('app', { backoff, startRetries: 5 })]);
    s.boot();
    await advance();
    const delays: number[] = [];
    for (let i = 0; i < 4; i++) {
      spawner.child('app').exit({ code: 1 });
      await advance();
      const at = s.get('app')?.nextRetryAt ?? 0;
      delays.push(at - Date.now());
      await advance(at - Date.now() - 1);
      expect(s.get('app')?.state).toBe('BACKOFF');
      await advance(1);
      expect(s.get('app')?.state).toBe('STARTING');
    }
    expect(delays).toEqual([1000, 2000, 2500, 2500]);
  });

  it('restart: on-failure restarts a failed exit but leaves a clean one EXITED', async () => {
    const s = supervise([programConfig('app', { restart: 'on-failure' })]);
    s.boot();
    await advance(1000);
    spawner.child('app').exit({ code: 2 });
    await advance();
    expect(s.get('app')).toMatchObject({ state: 'STARTING', restarts: 1 });
    await advance(1000);
    spawner.child('app').exit({ code: 0 });
    await advance(60_000);
    expect(s.get('app')).toMatchObject({ state: 'EXITED', reason: 'exited (exit status 0)' });
    expect(spawner.log.filter((l) => l === 'spawn app')).toHaveLength(2);
  });

  it('a crash after the start stuck restarts at once and resets the count', async () => {
    const s = supervise([programConfig('app')]);
    s.boot();
    await advance();
    await advance(1000);
    expect(s.get('app')?.state).toBe('RUNNING');
    spawner.child('app').exit({ code: 1 });
    await advance();
    expect(s.get('app')?.state).toBe('STARTING');
    expect(s.get('app')?.restarts).toBe(1);
    expect(moves(s, 'app').slice(-2)).toEqual([
      'RUNNING->EXITED: exited (exit status 1)',
      'EXITED->STARTING: restart after exit status 1',
    ]);
    expect(s.journal('app').map((e) => e.run)).toEqual([1, 1, 1, 2]);
  });

  it('a oneshot that exits 0 completes and is not restarted', async () => {
    const s = supervise([programConfig('init', { kind: 'oneshot', restart: 'on-failure' })]);
    s.boot();
    await advance();
    spawner.child('init').exit({ code: 0 });
    await advance(5000);
    expect(s.get('init')).toMatchObject({ state: 'EXITED', completed: true });
    expect(spawner.log).toEqual(['spawn init']);
  });

  it('a failed spawn is FATAL with its cause, and start() reports it', async () => {
    spawner.failing.set('app', 'ENOENT');
    const s = supervise([programConfig('app', { autostart: false })]);
    s.boot();
    const r = await s.start('app');
    expect(r).toEqual({ name: 'app', ok: false, message: 'spawn failed: ENOENT' });
    expect(s.get('app')?.state).toBe('FATAL');
  });
});

describe('ready probe and start_timeout', () => {
  const withProbe = (over: Partial<ProgramConfig> = {}): ProgramConfig =>
    programConfig('db', { ready: probeConfig(), startTimeoutMs: 5000, startRetries: 1, ...over });

  it('a passing ready probe makes it RUNNING and ready', async () => {
    const s = supervise([withProbe()]);
    s.boot();
    await advance();
    probes.current.report(false);
    expect(s.get('db')?.reason).toBe('waiting for ready probe: refused');
    probes.current.report(true);
    expect(s.get('db')).toMatchObject({ state: 'RUNNING', ready: true });
  });

  it('ramps the ready probe: 25ms, 50ms, 100ms for about 2s, then doubling up to its interval', async () => {
    const s = supervise([withProbe()]);
    s.boot();
    await advance();
    const probe = probes.current;
    const seen = [probe.intervalMs];
    for (let i = 0; i < 24; i++) {
      probe.report(false);
      seen.push(probe.intervalMs);
    }
    expect(seen).toEqual([25, 50, ...Array<number>(18).fill(100), 200, 400, 800, 1000, 1000]);
    expect(s.get('db')?.state).toBe('STARTING');
  });

  it('a ready probe that never passes fails the start at start_timeout: BACKOFF, then FATAL', async () => {
    const s = supervise([withProbe()]);
    s.boot();
    await advance();
    probes.current.report(false, 'connect ECONNREFUSED');
    await advance(4999);
    expect(s.get('db')?.state).toBe('STARTING');
    await advance(1);
    expect(s.get('db')?.state).toBe('STOPPING');
    expect(spawner.child('db').signals).toEqual(['SIGTERM']);
    spawner.child('db').exit({ signal: 'SIGTERM' });
    await advance();
    const why = 'ready probe (tcp) did not pass within 5.0s (last: connect ECONNREFUSED)';
    expect(s.get('db')).toMatchObject({ state: 'BACKOFF', reason: `${why}; retry 1 of 1 in 0.2s` });
    await advance(200);
    expect(s.get('db')?.state).toBe('STARTING');
    expect(s.get('db')?.reason).toBe('retry 1 of 1');
    await advance(5000);
    spawner.child('db').exit({ signal: 'SIGTERM' });
    await advance();
    expect(s.get('db')).toMatchObject({
      state: 'FATAL',
      reason: `ready probe (tcp) did not pass within 5.0s; gave up after 2 attempts`,
    });
    expect(moves(s, 'db')[0]).toBe('STOPPED->STARTING: autostart');
  });

  it('a program that ignores the stop signal is SIGKILLed at stop_timeout', async () => {
    const s = supervise([withProbe({ stopTimeoutMs: 3000 })]);
    s.boot();
    await advance(5000);
    expect(s.get('db')?.state).toBe('STOPPING');
    await advance(3000);
    expect(spawner.log).toContain('kill db');
    spawner.child('db').exit({ signal: 'SIGKILL' });
    await advance();
    expect(s.get('db')?.state).toBe('BACKOFF');
  });
});

describe('dependency gating', () => {
  const stack = (): ProgramConfig[] => [
    programConfig('redis', { ready: probeConfig({ target: 'redis' }) }),
    programConfig('api', { dependsOn: [{ name: 'redis', condition: 'ready' }] }),
    programConfig('init', { kind: 'oneshot', restart: 'on-failure' }),
    programConfig('web', { dependsOn: [{ name: 'init', condition: 'completed' }] }),
  ];

  it('a program waits, with the reason, until its dependency is ready or completed', async () => {
    const s = supervise(stack());
    s.boot();
    await advance();
    expect(states(s)).toBe('redis:STARTING api:STOPPED init:STARTING web:STOPPED');
    expect(s.get('api')?.reason).toBe('waiting for redis to be ready (STARTING)');
    probes.current.report(true);
    await advance();
    expect(s.get('api')?.state).toBe('STARTING');
    spawner.child('init').exit({ code: 0 });
    await advance();
    expect(states(s)).toBe('redis:RUNNING api:STARTING init:EXITED web:STARTING');
    expect(spawner.log.filter((l) => l.startsWith('spawn'))).toEqual([
      'spawn redis',
      'spawn init',
      'spawn api',
      'spawn web',
    ]);
  });

  it('start() of a dependent starts what it needs, and fails when a dependency is FATAL', async () => {
    const s = supervise(stack().map((c) => ({ ...c, autostart: false })));
    s.boot();
    const started = s.start('api', 10_000);
    await advance();
    expect(s.get('redis')?.state).toBe('STARTING');
    spawner.failing.set('redis', 'EACCES');
    spawner.child('redis').exit({ code: 1 });
    await advance(200);
    expect(await started).toEqual({ name: 'api', ok: false, message: 'dependency redis is FATAL' });
  });

  it('condition started waits for RUNNING, not STARTING, and a failing dependency holds it back', async () => {
    const s = supervise([
      programConfig('db'),
      programConfig('app', { dependsOn: [{ name: 'db', condition: 'started' }] }),
    ]);
    s.boot();
    await advance();
    expect(states(s)).toBe('db:STARTING app:STOPPED');
    spawner.child('db').exit({ code: 1 });
    await advance();
    expect(s.get('app')?.reason).toBe('waiting for db to be started (BACKOFF)');
    await advance(200);
    await advance(999);
    expect(states(s)).toBe('db:STARTING app:STOPPED');
    await advance(1);
    expect(states(s)).toBe('db:RUNNING app:STARTING');
    expect(spawner.log.filter((l) => l === 'spawn app')).toHaveLength(1);
  });
});

describe('shutdown', () => {
  it('stops in reverse start order, each after its dependents stopped', async () => {
    const s = supervise([
      programConfig('redis'),
      programConfig('api', { dependsOn: [{ name: 'redis', condition: 'started' }] }),
    ]);
    s.boot();
    await advance(1000);
    await advance();
    expect(states(s)).toBe('redis:RUNNING api:STARTING');
    await advance(1000);
    const done = s.shutdown();
    await advance();
    expect(spawner.log.filter((l) => l.startsWith('signal'))).toEqual(['signal api SIGTERM']);
    spawner.child('api').exit({ signal: 'SIGTERM' });
    await advance();
    expect(spawner.log.filter((l) => l.startsWith('signal'))).toEqual([
      'signal api SIGTERM',
      'signal redis SIGTERM',
    ]);
    spawner.child('redis').exit({ code: 0 });
    await advance();
    expect(await done).toBe(0);
    expect(states(s)).toBe('redis:STOPPED api:STOPPED');
  });

  it('waits for the group a stopped leader left, then stops', async () => {
    const s = supervise([programConfig('app')]);
    s.boot();
    await advance(1000);
    const stopped = s.stop('app');
    const child = spawner.child('app');
    child.exit({ signal: 'SIGTERM' }, true);
    await advance(200);
    expect(s.get('app')?.state).toBe('STOPPING');
    spawner.emptyGroup(child.pid);
    await advance(50);
    expect(await stopped).toEqual({ name: 'app', ok: true, message: 'stopped' });
  });

  it('each program gets its stop signal, then SIGKILL at its own stop_timeout', async () => {
    const s = supervise([
      programConfig('db', { stopSignal: 'SIGINT', stopTimeoutMs: 2000 }),
      programConfig('app', {
        stopTimeoutMs: 3000,
        dependsOn: [{ name: 'db', condition: 'started' }],
      }),
    ]);
    s.boot();
    await advance(1000);
    await advance(1000);
    expect(states(s)).toBe('db:RUNNING app:RUNNING');
    const done = s.shutdown();
    await advance(2999);
    expect(spawner.log.slice(-1)).toEqual(['signal app SIGTERM']);
    await advance(1);
    expect(spawner.log.slice(-1)).toEqual(['kill app']);
    spawner.child('app').exit({ signal: 'SIGKILL' });
    await advance();
    expect(spawner.log.slice(-1)).toEqual(['signal db SIGINT']);
    await advance(1999);
    expect(spawner.log).not.toContain('kill db');
    await advance(1);
    expect(spawner.log.slice(-1)).toEqual(['kill db']);
    spawner.child('db').exit({ signal: 'SIGKILL' });
    await advance();
    expect(await done).toBe(0);
    expect(states(s)).toBe('db:STOPPED app:STOPPED');
  });

  it('programs of one priority without dependencies stop together, lower priorities after', async () => {
    const s = supervise([
      programConfig('a', { priority: 10 }),
      programConfig('b', { priority: 20 }),
      programConfig('c', { priority: 20 }),
    ]);
    s.boot();
    await advance(1000);
    const done = s.shutdown();
    await advance();
    expect(spawner.log.filter((l) => l.startsWith('signal')).sort()).toEqual([
      'signal b SIGTERM',
      'signal c SIGTERM',
    ]);
    spawner.child('b').exit({ signal: 'SIGTERM' });
    await advance();
    expect(spawner.log).not.toContain('signal a SIGTERM');
    spawner.child('c').exit({ signal: 'SIGTERM' });
    await advance();
    expect(spawner.log.slice(-1)).toEqual(['signal a SIGTERM']);
    spawner.child('a').exit({ signal: 'SIGTERM' });
    await advance();
    expect(await done).toBe(0);
  });

  it('SIGKILLs everything left at the global deadline', async () => {
    const s = supervise([programConfig('stuck', { stopTimeoutMs: 60_000 })], 8000);
    s.boot();
    await advance(1000);
    const done = s.shutdown();
    await advance(7999);
    expect(spawner.log).not.toContain('kill stuck');
    await advance(1);
    expect(spawner.log).toContain('kill stuck');
    spawner.child('stuck').exit({ signal: 'SIGKILL' });
    await advance();
    expect(await done).toBe(0);
  });

  it('a critical program going FATAL stops everything with exit code 1', async () => {
    const s = supervise([
      programConfig('other'),
      programConfig('core', { critical: true, restart: 'never' }),
    ]);
    s.boot();
    await advance(1000);
    spawner.child('core').exit({ code: 3 });
    await advance();
    expect(s.stopping).toBe(true);
    spawner.child('other').exit({ signal: 'SIGTERM' });
    await advance();
    expect(await s.done).toBe(1);
  });

  it('nothing restarts during a shutdown', async () => {
    const s = supervise([programConfig('app')]);
    s.boot();
    await advance(1000);
    void s.shutdown();
    spawner.child('app').exit({ code: 1 });
    await advance(60_000);
    expect(spawner.log.filter((l) => l === 'spawn app')).toHaveLength(1);
  });
});

describe('reload', () => {
  it('starts added, stops removed, restarts changed, leaves the rest running', async () => {
    const s = supervise([programConfig('keep'), programConfig('gone'), programConfig('edit')]);
    s.boot();
    await advance(1000);
    const keepPid = s.get('keep')?.pid;
    const result = s.reload([
      programConfig('keep'),
      programConfig('edit', { command: ['edit', '--new'] }),
      programConfig('fresh'),
    ]);
    await advance();
    spawner.child('edit').exit({ signal: 'SIGTERM' });
    await advance();
    spawner.child('gone').exit({ signal: 'SIGTERM' });
    await advance();
    expect(await result).toEqual({ added: ['fresh'], changed: ['edit'], removed: ['gone'] });
    await advance();
    expect(states(s)).toBe('keep:RUNNING edit:STARTING fresh:STARTING');
    expect(s.get('keep')?.pid).toBe(keepPid);
    expect(s.get('edit')?.restarts).toBe(1);
  });

  it('stops what leaves in reverse order, and a changed program that does not autostart stays stopped', async () => {
    const s = supervise([
      programConfig('db'),
      programConfig('app', { dependsOn: [{ name: 'db', condition: 'started' }] }),
      programConfig('tool'),
    ]);
    s.boot();
    await advance(1000);
    await advance(1000);
    const result = s.reload([programConfig('tool', { command: ['tool', '-v'], autostart: false })]);
    await advance();
    expect(spawner.log.filter((l) => l.startsWith('signal'))).toEqual(['signal tool SIGTERM']);
    spawner.child('tool').exit({ signal: 'SIGTERM' });
    await advance();
    expect(spawner.log.filter((l) => l.startsWith('signal')).slice(1)).toEqual([
      'signal app SIGTERM',
    ]);
    spawner.child('app').exit({ signal: 'SIGTERM' });
    await advance();
    spawner.child('db').exit({ signal: 'SIGTERM' });
    await advance();
    expect(await result).toEqual({ added: [], changed: ['tool'], removed: ['db', 'app'] });
    await advance(5000);
    expect(states(s)).toBe('tool:STOPPED');
    expect(s.status()[0]?.pending).toBe(false);
    expect(spawner.log.filter((l) => l === 'spawn tool')).toHaveLength(1);
  });

  it('an unchanged config touches nothing', async () => {
    const s = supervise([programConfig('a'), programConfig('b')]);
    s.boot();
    await advance(1000);
    const before = spawner.log.length;
    expect(await s.reload([programConfig('a'), programConfig('b')])).toEqual({
      added: [],
      changed: [],
      removed: [],
    });
    await advance(1000);
    expect(spawner.log.length).toBe(before);
    expect(states(s)).toBe('a:RUNNING b:RUNNING');
  });
});

describe('events that do not fit', () => {
  it('an event the state does not allow is logged and ignored, never thrown', async () => {
    const transitions: string[] = [];
    const ignored: string[] = [];
    const p = new Program(programConfig('app'), {
      spawner,
      sink,
      isStopping: () => false,
      probes: probes.factory,
      hooks: {
        transition: (_p, { from, to }) => void transitions.push(`${from}->${to}`),
        readyChanged: () => undefined,
        probe: () => undefined,
        spawned: () => undefined,
        exited: () => undefined,
        ignored: (_p, why) => void ignored.push(why),
        settled: () => undefined,
      },
    });
    p.send({ type: 'launch', reason: 'test' });
    await advance(1000);
    expect(p.state).toBe('RUNNING');
    expect(() => p.send({ type: 'launch', reason: 'again' })).not.toThrow();
    p.send({ type: 'reconfigure', cfg: programConfig('app'), want: true });
    expect(ignored).toEqual([
      'launch in RUNNING: launch',
      'reconfigure in RUNNING: only a resting program takes a new config',
    ]);
    expect(transitions).toEqual(['STOPPED->STARTING', 'STARTING->RUNNING']);
    p.dispose();
  });

  it('a spawn that lands after its stop was asked for is stopped, and a late exit of an old run is dropped', async () => {
    spawner = new FakeSpawner(false);
    const s = supervise([programConfig('app', { autostart: false })]);
    s.boot();
    void s.start('app');
    await advance();
    expect(spawner.pending).toHaveLength(1);
    const stopped = s.stop('app');
    await advance();
    expect(s.get('app')?.state).toBe('STOPPING');
    const first = spawner.release();
    await advance();
    expect(first?.signals).toEqual(['SIGTERM']);
    first?.exit({ signal: 'SIGTERM' });
    await advance();
    expect(await stopped).toEqual({ name: 'app', ok: true, message: 'stopped' });
    expect(s.get('app')).toMatchObject({ state: 'STOPPED', pid: null });

    void s.start('app');
    await advance();
    const second = spawner.release();
    await advance(1000);
    expect(s.get('app')).toMatchObject({ state: 'RUNNING', pid: second?.pid });
    first?.exit({ code: 1 });
    await advance();
    expect(s.get('app')).toMatchObject({ state: 'RUNNING', pid: second?.pid, restarts: 1 });
    expect(s.journal('app').map((e) => e.run)).toEqual([1, 1, 1, 2, 2]);
  });
});
