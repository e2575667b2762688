// What `ready` means for a oneshot, the same in /api/health, `appos-ctl health` and
// `status --json`: false while it runs or after it failed, true once it completed.
import { describe, expect, it } from 'vitest';
import { programView } from '../../../src/control/views.js';
import type { ProgramStatus } from '../../../src/supervisor/api.js';
import { healthReport } from '../../../src/wire/views.js';
import { FakeSupervisor, programStatus } from '../../helpers/fake-supervisor.js';

const oneshot = (over: Partial<ProgramStatus>): ProgramStatus =>
  programStatus('init', { kind: 'oneshot', ready: false, ...over });

const exit = (code: number, expected: boolean) => ({ code, signal: null, at: 0, expected });

const cases: [string, ProgramStatus, boolean][] = [
  ['running', oneshot({ state: 'RUNNING' }), false],
  [
    'completed',
    oneshot({ state: 'EXITED', pid: null, completed: true, lastExit: exit(0, true) }),
    true,
  ],
  ['failed', oneshot({ state: 'FATAL', pid: null, lastExit: exit(3, false) }), false],
  ['not started yet', oneshot({ state: 'STOPPED', pid: null, startedAt: null }), false],
];

describe('a oneshot is ready once it completed', () => {
  it.each(cases)('%s: status --json', (_, status, ready) => {
    expect(programView(status)).toMatchObject({ ready, completed: status.completed });
  });

  it.each(cases)('%s: /api/health', (_, status, ready) => {
    const { report } = healthReport(new FakeSupervisor([status]));
    expect(report.programs.init).toMatchObject({ state: status.state, ready });
  });

  it('a daemon stays ready only by its probe', () => {
    const daemon = programStatus('redis', { state: 'RUNNING', ready: false });
    expect(programView(daemon).ready).toBe(false);
  });
});
