// appos-ctl's output formats: supervisorctl's status layout for every state, uptimes, action
// lines, log prefixes, journal, reload and health lines.
import { describe, expect, it } from 'vitest';
import {
  describe as describeProgram,
  formatAction,
  formatHealth,
  formatJournal,
  formatLogLine,
  formatReload,
  formatStatus,
  formatUnknown,
  formatUptime,
  formatWait,
} from '../../../src/control/format.js';
import type {
  HealthResponse,
  JournalEntryView,
  ProgramView,
} from '../../../src/control/protocol.js';

const AT = '2025-01-01T10:00:00.000Z';

function view(name: string, over: Partial<ProgramView> = {}): ProgramView {
  return {
    name,
    kind: 'daemon',
    state: 'RUNNING',
    ready: true,
    healthy: true,
    pid: 12,
    started_at: AT,
    uptime_s: 811.9,
    restarts: 0,
    critical: false,
    completed: false,
    reason: '',
    last_exit: null,
    next_retry_at: null,
    retry_in_s: null,
    probes: { ready: null, live: null },
    ...over,
  };
}

const exit = (code: number | null, signal: string | null = null, ago_s = 5) => ({
  code,
  signal,
  expected: code === 0,
  at: AT,
  ago_s,
});

describe('formatUptime', () => {
  it('prints h:mm:ss like supervisorctl', () => {
    expect(formatUptime(0)).toBe('0:00:00');
    expect(formatUptime(811.9)).toBe('0:13:31');
    expect(formatUptime(3600 * 25 + 62)).toBe('1 day, 1:01:02');
    expect(formatUptime(86_400 * 3 + 9)).toBe('3 days, 0:00:09');
    expect(formatUptime(-4)).toBe('0:00:00');
  });

  it('prints short waits with a unit', () => {
    expect(formatWait(0.8)).toBe('0.8s');
    expect(formatWait(12.4)).toBe('12s');
    expect(formatWait(75)).toBe('0:01:15');
  });
});

describe('status lines', () => {
  it('pads the name to the longest + 3 and the state to 10', () => {
    const lines = formatStatus([
      view('redis'),
      view('pocketbase', { pid: 13 }),
      view('backend', { state: 'STARTING', ready: false, pid: 14, uptime_s: 0.4 }),
    ]);
    expect(lines).toEqual([
      'redis        RUNNING   pid 12, uptime 0:13:31, ready',
      'pocketbase   RUNNING   pid 13, uptime 0:13:31, ready',
      'backend      STARTING  pid 14, starting, not-ready',
    ]);
  });

  it('describes every state', () => {
    const cases: [Partial<ProgramView>, string][] = [
      [{ ready: false }, 'pid 12, uptime 0:13:31, not-ready'],
      [
        {
          healthy: false,
          probes: { ready: null, live: { ok: false, latency_ms: 3, at: AT, error: 'timeout' } },
        },
        'pid 12, uptime 0:13:31, unhealthy (timeout), ready',
      ],
      [
        { state: 'STARTING', pid: null, uptime_s: null, ready: false, reason: 'waiting for redis' },
        'waiting for redis',
      ],
      [
        {
          state: 'STARTING',
          ready: false,
          probes: {
            ready: { ok: false, latency_ms: 1, at: AT, error: 'connection refused' },
            live: null,
          },
        },
        'pid 12, starting (connection refused), not-ready',
      ],
      [
        { state: 'BACKOFF', pid: null, last_exit: exit(1), retry_in_s: 0.8 },
        'exit status 1; retry in 0.8s',
      ],
      [
        { state: 'BACKOFF', pid: null, reason: 'spawn failed: ENOENT', retry_in_s: 1.6 },
        'spawn failed: ENOENT; retry in 1.6s',
      ],
      [
        {
          state: 'FATAL',
          pid: null,
          reason: 'gave up after 3 retries',
          last_exit: exit(null, 'SIGKILL'),
        },
        'gave up after 3 retries; terminated by SIGKILL',
      ],
      [{ state: 'FATAL', pid: null }, 'unknown error'],
      [
        { state: 'EXITED', kind: 'oneshot', pid: null, completed: true, last_exit: exit(0) },
        'completed, exit status 0 (0:00:05 ago)',
      ],
      [{ state: 'EXITED', pid: null, last_exit: exit(2, null, 65) }, 'exit status 2 (0:01:05 ago)'],
      [{ state: 'STOPPED', pid: null, ready: false }, 'Not started'],
      [
        {
          state: 'STOPPED',
          pid: null,
          ready: false,
          reason: 'waiting for redis to be ready (STARTING)',
          last_exit: exit(0),
        },
        'waiting for redis to be ready (STARTING)',
      ],
      [
        {
          state: 'STOPPED',
          pid: null,
          reason: 'stopped by appos-ctl',
          last_exit: exit(null, 'SIGTERM', 3),
        },
        'stopped by appos-ctl (0:00:03 ago)',
      ],
      [{ state: 'STOPPING', ready: false }, 'pid 12, stopping, not-ready'],
    ];
    for (const [over, expected] of cases) expect(describeProgram(view('x', over))).toBe(expected);
  });

  it('does not repeat an exit the reason already names', () => {
    const p = view('x', { state: 'FATAL', pid: null, reason: 'exit status 1', last_exit: exit(1) });
    expect(describeProgram(p)).toBe('exit status 1');
  });

  it('prints nothing for no programs', () => {
    expect(formatStatus([])).toEqual([]);
  });
});

describe('other lines', () => {
  it('prints action outcomes and unknown names like supervisorctl', () => {
    expect(formatAction({ name: 'backend', ok: true, message: 'started' })).toBe(
      'backend: started',
    );
    expect(formatAction({ name: 'backend', ok: false, message: 'spawn failed: ENOENT' })).toBe(
      'backend: ERROR (spawn failed: ENOENT)',
    );
    expect(formatUnknown({ name: 'bakend', suggestion: 'backend' })).toBe(
      'bakend: ERROR (no such program; did you mean backend?)',
    );
    expect(formatUnknown({ name: 'zzz', suggestion: null })).toBe('zzz: ERROR (no such program)');
  });

  it('prefixes log lines with the padded name', () => {
    expect(formatLogLine({ program: 'redis', stream: 'stdout', line: 'hi', at: AT }, 10)).toBe(
      'redis      | hi',
    );
  });

  it('prints the journal aligned', () => {
    const lines = formatJournal([
      {
        seq: 1,
        at: AT,
        program: 'redis',
        run: 1,
        from: 'STOPPED',
        to: 'STARTING',
        reason: 'autostart',
      },
      { seq: 2, at: AT, program: 'backend', run: 0, from: 'STOPPED', to: 'STARTING', reason: '' },
    ]);
    expect(lines[0]).toBe(`${AT}  redis    STOPPED -> STARTING     run 1  autostart`);
    expect(lines[1]).toBe(`${AT}  backend  STOPPED -> STARTING     run 0`);
  });

  it('keeps each journal entry on one line, a multi-line reason included', () => {
    const entry: JournalEntryView = {
      seq: 1,
      at: AT,
      program: 'pb',
      run: 2,
      from: 'STARTING',
      to: 'BACKOFF',
      reason: 'ready probe failed: fetch failed\r\n  cause: ECONNREFUSED\n',
    };
    expect(formatJournal([entry])).toEqual([
      `${AT}  pb  STARTING -> BACKOFF     run 2  ready probe failed: fetch failed cause: ECONNREFUSED`,
    ]);
  });

  it('prints what a reload did', () => {
    expect(formatReload({ added: ['a'], changed: ['b'], removed: ['c'] })).toEqual([
      'a: added',
      'b: changed',
      'c: removed',
    ]);
    expect(formatReload({ added: [], changed: [], removed: [] })).toEqual(['no changes']);
  });

  it('prints the health verdict in one line', () => {
    const base: HealthResponse = {
      healthy: true,
      status: 'ok',
      uptime_s: 3,
      programs: {},
      down: [],
    };
    expect(formatHealth(base)).toBe('healthy (ok)');
    expect(
      formatHealth({
        ...base,
        healthy: false,
        status: 'degraded',
        down: [
          { name: 'redis', state: 'FATAL', critical: true },
          { name: 'tool', state: 'STOPPED', critical: false },
          { name: 'backend', state: 'BACKOFF', critical: false },
        ],
      }),
    ).toBe('unhealthy (degraded): redis FATAL (critical), backend BACKOFF');
  });
});
