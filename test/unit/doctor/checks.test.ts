// Each doctor check, made to fail from a healthy set of facts, says what it found and the fix.
import { describe, expect, it } from 'vitest';
import { runChecks, type DoctorFacts } from '../../../src/doctor/checks.js';
import { volumeOf } from '../../../src/doctor/facts.js';
import type { ProgramStatus } from '../../../src/supervisor/api.js';

const program = (over: Partial<ProgramStatus>): ProgramStatus => ({
  name: 'redis',
  kind: 'daemon',
  state: 'RUNNING',
  ready: true,
  healthy: true,
  pid: 10,
  startedAt: 1,
  restarts: 0,
  critical: true,
  lastExit: null,
  nextRetryAt: null,
  reason: '',
  completed: false,
  readyProbe: { ok: true, at: 1, latencyMs: 2 },
  liveProbe: null,
  ...over,
});

function healthy(): DoctorFacts {
  return {
    dataDir: { path: '/appos/data', writable: null, freeBytes: 5 * 1024 ** 3 },
    programs: [
      program({}),
      program({ name: 'nightly', kind: 'oneshot', state: 'STOPPED', readyProbe: null, pid: null }),
    ],
    listeners: [{ name: 'http 0.0.0.0:80', error: null }],
    secret: { path: '/appos/data/secret.key', mode: 0o100600, uid: 100, expectedUid: 100 },
    shutdownTimeoutMs: 8000,
    dockerStopMs: 10_000,
    backup: { configured: true, ageMs: 3_600_000, maxAgeMs: 48 * 3_600_000 },
    volume: { kind: 'bind', source: '/srv/appos' },
  };
}

function failing(facts: DoctorFacts): { name: string; detail: string; fix: string }[] {
  return runChecks(facts)
    .filter((c) => !c.ok)
    .map(({ name, detail, fix }) => ({ name, detail, fix }));
}

describe('doctor checks', () => {
  it('all pass on a healthy stack', () => {
    expect(failing(healthy())).toEqual([]);
    expect(runChecks(healthy()).map((c) => c.name)).toEqual([
      'data dir',
      'program redis',
      'program nightly',
      'listener http 0.0.0.0:80',
      'probe redis ready',
      'secret key',
      'shutdown budget',
      'last backup',
      'volume',
    ]);
  });

  it('data dir: not writable, or short of space', () => {
    const f = healthy();
    f.dataDir = { path: '/appos/data', writable: 'EROFS', freeBytes: 10 };
    expect(failing(f)[0]).toMatchObject({
      name: 'data dir',
      detail: expect.stringMatching(/not writable \(EROFS\)/),
    });
    f.dataDir = { path: '/appos/data', writable: null, freeBytes: 50 * 1024 * 1024 };
    expect(failing(f)[0]).toMatchObject({
      name: 'data dir',
      detail: expect.stringMatching(/50 MiB free/),
    });
  });

  it('program: FATAL with its last error', () => {
    const f = healthy();
    f.programs = [
      program({
        state: 'FATAL',
        reason: 'spawn failed: ENOENT',
        lastExit: { code: 127, signal: null, at: 1, expected: false },
        readyProbe: null,
      }),
    ];
    expect(failing(f)).toEqual([
      {
        name: 'program redis',
        detail: 'FATAL (spawn failed: ENOENT), last exit 127',
        fix: 'appos-ctl tail redis stderr; then appos-ctl restart redis',
      },
    ]);
  });

  it('listener: refused', () => {
    const f = healthy();
    f.listeners = [{ name: 'upstream /api 127.0.0.1:8080', error: 'ECONNREFUSED' }];
    expect(failing(f)[0]).toMatchObject({
      name: 'listener upstream /api 127.0.0.1:8080',
      detail: 'refused (ECONNREFUSED)',
    });
  });

  it('probe: the last result failed', () => {
    const f = healthy();
    f.programs = [
      program({ liveProbe: { ok: false, at: 1, latencyMs: 1000, error: 'timed out' } }),
    ];
    expect(failing(f)[0]).toMatchObject({ name: 'probe redis live', detail: 'failed: timed out' });
  });

  it('secret key: readable by others, or owned by someone else', () => {
    const f = healthy();
    f.secret = { path: '/appos/data/secret.key', mode: 0o100644, uid: 100, expectedUid: 100 };
    expect(failing(f)[0]).toMatchObject({
      name: 'secret key',
      detail: expect.stringMatching(/mode 0644/),
    });
    f.secret = { path: '/appos/data/secret.key', mode: 0o100600, uid: 0, expectedUid: 100 };
    expect(failing(f)[0]?.fix).toMatch(/chown 100/);
  });

  it('shutdown budget: longer than docker waits', () => {
    const f = healthy();
    f.shutdownTimeoutMs = 12_000;
    expect(failing(f)[0]).toMatchObject({
      name: 'shutdown budget',
      detail: 'shutdown_timeout 12s, docker stop waits 10s',
    });
  });

  it('last backup: none configured, none yet, too old', () => {
    const f = healthy();
    f.backup = { configured: false, ageMs: null, maxAgeMs: 0 };
    expect(failing(f)[0]?.detail).toBe('no backups configured');
    f.backup = { configured: true, ageMs: null, maxAgeMs: 1 };
    expect(failing(f)[0]?.detail).toBe('no backup yet');
    f.backup = { configured: true, ageMs: 72 * 3_600_000, maxAgeMs: 48 * 3_600_000 };
    expect(failing(f)[0]?.detail).toBe('72.0 h old (at most 48.0 h)');
  });

  it('volume: a plain named volume, or no mount at all', () => {
    const f = healthy();
    f.volume = { kind: 'named-volume', source: 'appos_data' };
    expect(failing(f)[0]?.detail).toMatch(/down -v deletes it/);
    f.volume = { kind: 'none', source: '' };
    expect(failing(f)[0]?.detail).toMatch(/not a mount/);
  });

  it('reads the mount of the data dir from mountinfo', () => {
    const info = [
      '1 0 0:1 / / rw - overlay overlay rw',
      '2 1 8:1 /var/lib/docker/volumes/appos_data/_data /appos/data rw - ext4 /dev/sda1 rw',
      '3 1 8:1 /srv/appos /srv/data rw - ext4 /dev/sda1 rw',
    ].join('\n');
    expect(volumeOf('/appos/data', info, undefined)).toEqual({
      kind: 'named-volume',
      source: 'appos_data',
    });
    expect(volumeOf('/appos/data', info, 'external')).toEqual({
      kind: 'external-volume',
      source: 'appos_data',
    });
    expect(volumeOf('/srv/data/x', info, undefined)).toEqual({
      kind: 'bind',
      source: '/srv/appos',
    });
    expect(volumeOf('/elsewhere', info, undefined)).toEqual({ kind: 'none', source: '' });
  });
});
