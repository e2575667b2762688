// The program machine's table: every (state, event) pair, by the state it leads to and whether
// the event is refused. Pure: no timers, no processes.
import { describe, expect, it } from 'vitest';
import type { ProgramConfig } from '../../../src/config/types.js';
import { STATES, type State } from '../../../src/supervisor/api.js';
import {
  type Effect,
  type ProgramData,
  type ProgramEvent,
  initialData,
} from '../../../src/supervisor/machine-types.js';
import { step } from '../../../src/supervisor/machine.js';
import { TRANSITIONS } from '../../../src/supervisor/program-state.js';
import { probeConfig, programConfig } from '../../helpers/program-config.js';

const cfg = programConfig('app', {
  ready: probeConfig(),
  live: probeConfig({ retries: 1 }),
});
const ctx = { now: 10_000, shuttingDown: false };
const fail = { ok: false, at: 1, latencyMs: 1, error: 'refused' };
const pass = { ok: true, at: 1, latencyMs: 1 };

/** A typical program in each state, on its first run. */
function inState(state: State, c: ProgramConfig = cfg): ProgramData {
  const base = { ...initialData(c), state, run: 1 };
  switch (state) {
    case 'STARTING':
      return { ...base, pid: 100, pgid: 100, startedAt: 1 };
    case 'RUNNING':
      return { ...base, pid: 100, pgid: 100, startedAt: 1, ready: true, stuck: true };
    case 'STOPPING':
      return { ...base, pid: 100, pgid: 100, startedAt: 1, stopRequested: true };
    case 'BACKOFF':
      return { ...base, failures: 1, nextRetryAt: 20_000 };
    case 'FATAL':
      return { ...base, failures: 4 };
    default:
      return base;
  }
}

const EVENTS: Record<string, ProgramEvent> = {
  want: { type: 'want' },
  unwant: { type: 'unwant' },
  launch: { type: 'launch', reason: 'start requested' },
  cancel: { type: 'cancel', reason: 'stop requested' },
  kill: { type: 'kill' },
  reconfigure: { type: 'reconfigure', cfg, want: true },
  spawned: { type: 'spawned', run: 1, pid: 100 },
  'spawn-failed': { type: 'spawn-failed', run: 1, message: 'spawn app ENOENT', short: 'ENOENT' },
  exited: { type: 'exited', run: 1, exit: { code: 1, signal: null }, groupAlive: false },
  'probe ready ok': { type: 'probe', run: 1, probe: 'ready', result: pass, failures: 0 },
  'probe ready fail': { type: 'probe', run: 1, probe: 'ready', result: fail, failures: 1 },
  'probe live fail': { type: 'probe', run: 1, probe: 'live', result: fail, failures: 1 },
  upstream: { type: 'upstream', run: 1, failures: 3, outcome: 'timeout' },
  'deadline start': { type: 'deadline', run: 1, timer: 'start' },
  'deadline ready': { type: 'deadline', run: 1, timer: 'ready' },
  'deadline backoff': { type: 'deadline', run: 1, timer: 'backoff' },
  'deadline kill': { type: 'deadline', run: 1, timer: 'kill' },
  'deadline group': { type: 'deadline', run: 1, timer: 'group', groupAlive: false },
};

// The state each event leads to; "!" marks a refused (logged and ignored) event.
// Columns: STOPPED STARTING RUNNING BACKOFF STOPPING EXITED FATAL
const TABLE: Record<string, string> = {
  want: '             STOPPED  STARTING RUNNING  BACKOFF  STOPPING EXITED   FATAL',
  unwant: '           STOPPED  STARTING RUNNING  BACKOFF  STOPPING EXITED   FATAL',
  launch: '           STARTING !        !        STARTING !        STARTING STARTING',
  cancel: '           STOPPED  STOPPING STOPPING STOPPED  STOPPING EXITED   FATAL',
  kill: '             STOPPED  STARTING RUNNING  BACKOFF  STOPPING EXITED   FATAL',
  reconfigure: '      STOPPED  !        !        !        !        EXITED   FATAL',
  spawned: '          !        STARTING !        !        STOPPING !        !',
  'spawn-failed': '   !        FATAL    !        !        STOPPED  !        !',
  exited: '           !        BACKOFF  STARTING !        STOPPED  !        !',
  'probe ready ok': ' STOPPED  RUNNING  RUNNING  BACKOFF  STOPPING EXITED   FATAL',
  'probe ready fail': 'STOPPED STARTING RUNNING  BACKOFF  STOPPING EXITED   FATAL',
  'probe live fail': 'STOPPED  STARTING STOPPING BACKOFF  STOPPING EXITED   FATAL',
  upstream: '         STOPPED  STARTING STOPPING BACKOFF  STOPPING EXITED   FATAL',
  'deadline start': ' STOPPED  STARTING RUNNING  BACKOFF  STOPPING EXITED   FATAL',
  'deadline ready': ' STOPPED  STOPPING RUNNING  BACKOFF  STOPPING EXITED   FATAL',
  'deadline backoff': 'STOPPED STARTING RUNNING  STARTING STOPPING EXITED   FATAL',
  'deadline kill': '  STOPPED  STARTING RUNNING  BACKOFF  STOPPING EXITED   FATAL',
  'deadline group': ' STOPPED  STARTING RUNNING  BACKOFF  STOPPING EXITED   FATAL',
};

const refused = (effects: readonly Effect[]): boolean => effects.some((e) => e.type === 'ignored');

describe('program machine table', () => {
  it('lists every event and every state', () => {
    expect(Object.keys(TABLE)).toEqual(Object.keys(EVENTS));
    for (const row of Object.values(TABLE)) expect(row.trim().split(/\s+/)).toHaveLength(7);
  });

  for (const [name, event] of Object.entries(EVENTS)) {
    const row = (TABLE[name] ?? '').trim().split(/\s+/);
    STATES.forEach((state, i) => {
      const want = row[i] ?? '?';
      it(`${state} + ${name} -> ${want === '!' ? 'refused' : want}`, () => {
        // A spawn's outcome arrives before the run has a process.
        const fresh = event.type === 'spawned' || event.type === 'spawn-failed';
        const before = fresh ? { ...inState(state), pid: null, pgid: null } : inState(state);
        const { data, effects } = step(before, event, ctx);
        if (want === '!') {
          expect(refused(effects)).toBe(true);
          expect(effects).toHaveLength(1);
          expect(data).toBe(before);
        } else {
          expect(refused(effects)).toBe(false);
          expect(data.state).toBe(want);
        }
        // Every move the machine makes is an edge of the table.
        for (const e of effects) {
          if (e.type === 'transition') expect(TRANSITIONS[e.from]).toContain(e.to);
        }
      });
    });
  }

  it('uses every edge of the transition table, and no other', () => {
    const used = new Set<string>();
    const record = (data: ProgramData, event: ProgramEvent, c = ctx): void => {
      for (const e of step(data, event, c).effects)
        if (e.type === 'transition') used.add(`${e.from}->${e.to}`);
    };
    for (const event of Object.values(EVENTS))
      for (const state of STATES) record(inState(state), event);
    // The paths the typical programs above do not take.
    const oneshot = programConfig('init', { kind: 'oneshot' });
    record(inState('STARTING', oneshot), EVENTS.exited as ProgramEvent);
    record(inState('STARTING', oneshot), {
      type: 'exited',
      run: 1,
      exit: { code: 0, signal: null },
      groupAlive: false,
    });
    record(
      inState('RUNNING'),
      { ...(EVENTS.exited as ProgramEvent) },
      { ...ctx, shuttingDown: true },
    );
    record({ ...inState('RUNNING'), stuck: false, failures: 3 }, EVENTS.exited as ProgramEvent);
    record({ ...inState('RUNNING'), stuck: false }, EVENTS.exited as ProgramEvent);
    record(
      { ...inState('STOPPING'), failedStart: 'ready probe', pid: null },
      EVENTS['deadline group'] as ProgramEvent,
    );
    record(
      { ...inState('STOPPING'), failedStart: 'ready probe', pid: null, failures: 3 },
      EVENTS['deadline group'] as ProgramEvent,
    );
    const edges = STATES.flatMap((from) => TRANSITIONS[from].map((to) => `${from}->${to}`));
    expect([...used].sort()).toEqual(edges.sort());
  });
});

describe('program machine guards', () => {
  it('drops every event of an older run, and kills a late child of one', () => {
    const now = { ...inState('RUNNING'), run: 2 };
    for (const event of Object.values(EVENTS)) {
      if (!('run' in event)) continue;
      const { data, effects } = step(now, event, ctx);
      expect(data).toBe(now);
      expect(effects).toEqual(event.type === 'spawned' ? [{ type: 'kill-tree', pid: 100 }] : []);
    }
  });

  it('never changes the data it is given', () => {
    for (const event of Object.values(EVENTS)) {
      for (const state of STATES) {
        const before = inState(state);
        const copy = structuredClone(before);
        step(before, event, ctx);
        expect(before).toEqual(copy);
      }
    }
  });

  it('a ready deadline names the probe and its last error, and ends in BACKOFF', () => {
    const starting = { ...inState('STARTING'), readyResult: fail };
    const stopping = step(starting, EVENTS['deadline ready'] as ProgramEvent, ctx);
    expect(stopping.data.reason).toBe(
      'ready probe (tcp) did not pass within 60.0s (last: refused)',
    );
    expect(stopping.effects).toContainEqual({ type: 'signal', pid: 100, signal: 'SIGTERM' });
    const exited = step(
      stopping.data,
      { type: 'exited', run: 1, exit: { code: null, signal: 'SIGTERM' }, groupAlive: false },
      ctx,
    );
    expect(exited.data.state).toBe('BACKOFF');
    expect(exited.data.failures).toBe(1);
    expect(exited.data.reason).toBe(
      'ready probe (tcp) did not pass within 60.0s (last: refused); retry 1 of 3 in 0.2s',
    );
    expect(exited.effects).toContainEqual({ type: 'timer', timer: 'backoff', ms: 200 });
  });

  it('a ready deadline during shutdown ends STOPPED, not in BACKOFF', () => {
    const stopping = { ...inState('STOPPING'), failedStart: 'ready probe', pid: null };
    const { data } = step(stopping, EVENTS['deadline group'] as ProgramEvent, {
      ...ctx,
      shuttingDown: true,
    });
    expect(data.state).toBe('STOPPED');
  });

  it('a stop asked for while a failed start is being stopped wins', () => {
    const stopping = { ...inState('STOPPING'), failedStart: 'ready probe' };
    const { data } = step(stopping, EVENTS.cancel as ProgramEvent, ctx);
    expect(data.failedStart).toBeNull();
  });

  it('a failed live probe stops the run and starts the next one', () => {
    const { data } = step(inState('RUNNING'), EVENTS['probe live fail'] as ProgramEvent, ctx);
    expect(data.healthy).toBe(false);
    const exited = step(
      data,
      { type: 'exited', run: 1, exit: { code: null, signal: 'SIGTERM' }, groupAlive: false },
      ctx,
    );
    expect(exited.data.state).toBe('STARTING');
    expect(exited.data.run).toBe(2);
    expect(exited.data.reason).toBe('restart: live probe failed 1 times: refused');
  });

  it("the edge's upstream evidence restarts a running program like a failed live probe", () => {
    const { data } = step(inState('RUNNING'), EVENTS.upstream as ProgramEvent, ctx);
    expect(data.healthy).toBe(false);
    expect(data.reason).toBe('upstream failed 3 times in a row (last: timeout)');
    const exited = step(
      data,
      { type: 'exited', run: 1, exit: { code: null, signal: 'SIGTERM' }, groupAlive: false },
      ctx,
    );
    expect(exited.data.state).toBe('STARTING');
    expect(exited.data.run).toBe(2);
    expect(exited.data.healthy).toBe(true);
    expect(exited.data.reason).toBe('restart: upstream failed 3 times in a row (last: timeout)');
  });

  it('upstream evidence against a run being stopped is no news', () => {
    const stopping = { ...inState('RUNNING'), stopRequested: true };
    const { data, effects } = step(stopping, EVENTS.upstream as ProgramEvent, ctx);
    expect(data.healthy).toBe(true);
    expect(effects).toEqual([]);
  });

  it('a start of a program without a ready probe sticks after start_seconds', () => {
    const plain = programConfig('plain');
    const { data } = step(
      inState('STARTING', plain),
      EVENTS['deadline start'] as ProgramEvent,
      ctx,
    );
    expect(data.state).toBe('RUNNING');
    expect(data.ready).toBe(true);
    expect(data.failures).toBe(0);
  });
});
