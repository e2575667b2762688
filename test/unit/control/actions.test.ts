// runAction: start in order, stop in reverse, restart as "stop all running (reverse), then start
// all (in order)", one outcome per program; a fake supervisor at the SupervisorApi seam.
import { describe, expect, it } from 'vitest';
import { runAction } from '../../../src/control/actions.js';
import type {
  ActionResult,
  ProgramStatus,
  State,
  SupervisorApi,
} from '../../../src/supervisor/api.js';

/** Just enough of a supervisor: states by name, calls recorded, chosen failures. */
function fake(states: Record<string, State>, fail: Record<string, string> = {}) {
  const calls: string[] = [];
  const result = (name: string, verb: string, ok: string): ActionResult => {
    calls.push(`${verb}:${name}`);
    const why = fail[`${verb}:${name}`];
    if (why === 'throw') throw new Error(`${verb} blew up`);
    return why ? { name, ok: false, message: why } : { name, ok: true, message: ok };
  };
  const api = {
    get: (name: string) =>
      name in states ? ({ name, state: states[name] } as ProgramStatus) : undefined,
    start: async (name: string) => result(name, 'start', 'started'),
    stop: async (name: string) => result(name, 'stop', 'stopped'),
    restart: async (name: string) => result(name, 'restart', 'restarted'),
  } as unknown as SupervisorApi;
  return { api, calls };
}

describe('runAction', () => {
  it('starts in the given (start) order and stops in reverse', async () => {
    const { api, calls } = fake({ a: 'STOPPED', b: 'STOPPED' });
    expect(await runAction(api, 'start', ['a', 'b'])).toEqual([
      { name: 'a', ok: true, message: 'started' },
      { name: 'b', ok: true, message: 'started' },
    ]);
    expect(await runAction(api, 'stop', ['a', 'b'])).toEqual([
      { name: 'b', ok: true, message: 'stopped' },
      { name: 'a', ok: true, message: 'stopped' },
    ]);
    expect(calls).toEqual(['start:a', 'start:b', 'stop:b', 'stop:a']);
  });

  it('restarts by stopping every running program last-first, then starting all in order', async () => {
    const { api, calls } = fake({
      init: 'EXITED',
      redis: 'RUNNING',
      pb: 'BACKOFF',
      idle: 'STOPPED',
      backend: 'STARTING',
      dead: 'FATAL',
    });
    const names = ['init', 'redis', 'pb', 'idle', 'backend', 'dead'];
    const results = await runAction(api, 'restart', names);
    expect(calls).toEqual([
      'stop:backend',
      'stop:pb',
      'stop:redis',
      ...names.map((n) => `start:${n}`),
    ]);
    expect(results).toEqual(names.map((name) => ({ name, ok: true, message: 'restarted' })));
  });

  it('does not start a program whose stop failed, and reports every failure', async () => {
    const { api, calls } = fake(
      { a: 'RUNNING', b: 'RUNNING', c: 'RUNNING' },
      { 'stop:b': 'timed out', 'start:c': 'spawn failed: ENOENT', 'start:a': 'throw' },
    );
    expect(await runAction(api, 'restart', ['a', 'b', 'c'])).toEqual([
      { name: 'a', ok: false, message: 'start blew up' },
      { name: 'b', ok: false, message: 'timed out' },
      { name: 'c', ok: false, message: 'spawn failed: ENOENT' },
    ]);
    expect(calls).toEqual(['stop:c', 'stop:b', 'stop:a', 'start:a', 'start:c']);
  });

  it('turns a thrown error into an ERROR outcome and carries on', async () => {
    const { api } = fake({ a: 'RUNNING', b: 'RUNNING' }, { 'stop:b': 'throw' });
    expect(await runAction(api, 'stop', ['a', 'b'])).toEqual([
      { name: 'b', ok: false, message: 'stop blew up' },
      { name: 'a', ok: true, message: 'stopped' },
    ]);
  });

  it('with all, leaves out what is already started or has nothing to stop', async () => {
    const states: Record<string, State> = { a: 'RUNNING', b: 'STOPPED', c: 'FATAL', d: 'BACKOFF' };
    const { api, calls } = fake(states, { 'stop:b': 'not running', 'stop:c': 'not running' });
    expect(await runAction(api, 'start', ['a', 'b', 'c', 'd'], undefined, true)).toEqual(
      ['b', 'c', 'd'].map((name) => ({ name, ok: true, message: 'started' })),
    );
    expect(await runAction(api, 'stop', ['a', 'b', 'c', 'd'], undefined, true)).toEqual([
      { name: 'd', ok: true, message: 'stopped' },
      { name: 'a', ok: true, message: 'stopped' },
    ]);
    // Named explicitly, the same programs are errors.
    const named = await runAction(api, 'stop', ['b', 'c']);
    expect(named.map((r) => r.ok)).toEqual([false, false]);
    expect(calls.filter((c) => c.startsWith('start'))).toEqual(['start:b', 'start:c', 'start:d']);
  });

  it('with all, still reports a stop that cancelled a pending start', async () => {
    const { api } = fake({ a: 'STOPPED' });
    expect(await runAction(api, 'stop', ['a'], undefined, true)).toEqual([
      { name: 'a', ok: true, message: 'stopped' },
    ]);
  });
});
