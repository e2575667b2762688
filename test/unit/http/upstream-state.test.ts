import { afterEach, describe, expect, it, vi } from 'vitest';
import { supervisorSource, UpstreamStates } from '../../../src/http/proxy/upstream-state.js';
import { FakeSupervisor } from '../../helpers/fake-supervisor.js';

afterEach(() => {
  vi.useRealTimers();
});

describe('UpstreamStates', () => {
  it('mirrors the supervisor from its status and events', () => {
    const sup = new FakeSupervisor([
      { name: 'backend' },
      { name: 'pb', state: 'STARTING', ready: false },
    ]);
    const states = new UpstreamStates(supervisorSource(sup));
    const backend = states.view('backend');
    const pb = states.view('pb');
    expect(backend).toMatchObject({ state: 'RUNNING', up: true, wasReady: true, epoch: 0 });
    expect(pb).toMatchObject({ state: 'STARTING', up: false, wasReady: false });
    expect(states.holdable(pb)).toBe(false);
    sup.set('pb', { state: 'RUNNING' });
    expect(pb.up).toBe(false);
    sup.set('pb', { ready: true });
    expect(pb).toMatchObject({ up: true, wasReady: true, epoch: 1 });
    sup.down('backend', 'BACKOFF', 123);
    expect(backend).toMatchObject({ state: 'BACKOFF', up: false, nextRetryAt: 123 });
    expect(states.holdable(backend)).toBe(true);
    sup.set('backend', { state: 'FATAL' });
    expect(states.holdable(backend)).toBe(false);
    expect(states.view('unknown')).toMatchObject({ state: null, up: false });
    states.close();
    expect(sup.subscribers).toBe(0);
  });

  it('wakes waiters when the program turns up, and only then', () => {
    const sup = new FakeSupervisor([{ name: 'backend' }]);
    const states = new UpstreamStates(supervisorSource(sup));
    const v = states.view('backend');
    const calls: boolean[] = [];
    states.waitReady(v, 10_000, (ok) => calls.push(ok));
    sup.set('backend', { state: 'RUNNING', ready: true, pid: 5 });
    expect(calls).toEqual([]);
    sup.down('backend');
    sup.set('backend', { state: 'STARTING' });
    expect(calls).toEqual([]);
    sup.set('backend', { state: 'RUNNING', ready: true });
    expect(calls).toEqual([true]);
    expect(states.waiting(v)).toBe(0);
    states.close();
  });

  it('times waiters out, fails them on FATAL and on shutdown, and bounds their number', () => {
    vi.useFakeTimers();
    const sup = new FakeSupervisor([{ name: 'backend' }]);
    const states = new UpstreamStates(supervisorSource(sup), 2);
    const v = states.view('backend');
    sup.down('backend');
    const calls: string[] = [];
    states.waitReady(v, 100, (ok) => calls.push(`a:${ok}`));
    const cancel = states.waitReady(v, 100, (ok) => calls.push(`b:${ok}`));
    expect(states.waitReady(v, 100, () => calls.push('c'))).toBeUndefined();
    cancel!();
    vi.advanceTimersByTime(150);
    expect(calls).toEqual(['a:false']);
    states.waitReady(v, 10_000, (ok) => calls.push(`d:${ok}`));
    sup.set('backend', { state: 'FATAL' });
    expect(calls).toEqual(['a:false', 'd:false']);
    sup.set('backend', { state: 'STARTING' });
    states.waitReady(v, 10_000, (ok) => calls.push(`e:${ok}`));
    sup.beginStopping();
    expect(calls).toEqual(['a:false', 'd:false', 'e:false']);
    expect(states.holdable(v)).toBe(false);
    states.close();
  });
});
