import { describe, expect, it } from 'vitest';
import { healthReport } from '../../../src/wire/views.js';
import { FakeSupervisor, type FakeProgram } from '../../helpers/fake-supervisor.js';

const verdict = (...programs: FakeProgram[]) => {
  const { healthy, report } = healthReport(new FakeSupervisor(programs));
  return [healthy, report.status];
};

const exited = { code: 1, signal: null, at: 0, expected: false };

describe('health verdict', () => {
  it('is ok when everything is up, a completed oneshot included', () => {
    expect(
      verdict(
        { name: 'redis', critical: true },
        { name: 'init', kind: 'oneshot', state: 'EXITED', ready: false, completed: true },
      ),
    ).toEqual([true, 'ok']);
  });

  it('is starting while programs are on their first start', () => {
    expect(
      verdict(
        { name: 'redis', critical: true, state: 'STARTING', ready: false },
        { name: 'backend', state: 'STOPPED', ready: false, pending: true },
      ),
    ).toEqual([false, 'starting']);
  });

  it('is degraded, yet healthy, when a non-critical program is in trouble', () => {
    expect(
      verdict(
        { name: 'redis', critical: true },
        { name: 'backend', state: 'BACKOFF', ready: false, restarts: 2, lastExit: exited },
      ),
    ).toEqual([true, 'degraded']);
  });

  it('is degraded and unhealthy when a critical program was stopped or lost', () => {
    expect(
      verdict({ name: 'redis', critical: true, state: 'STOPPED', ready: false, lastExit: exited }),
    ).toEqual([false, 'degraded']);
    expect(
      verdict({ name: 'redis', critical: true, state: 'STARTING', ready: false, restarts: 1 }),
    ).toEqual([false, 'degraded']);
  });

  it('ignores a non-critical program an operator stopped', () => {
    expect(
      verdict({ name: 'redis', critical: true }, { name: 'tool', state: 'STOPPED', ready: false }),
    ).toEqual([true, 'ok']);
  });
});
