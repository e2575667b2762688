// The schedule and backup keys as the loader reads them: cron checked by croner (5 or 6
// fields, nicknames), oneshots only, run_once needs data_dir, one backup kind, paths resolved.
import { afterEach, describe, expect, test } from 'vitest';
import { ConfigError } from '../../../src/config/config-error.js';
import { parseCron } from '../../../src/config/cron.js';
import { loadConfig } from '../../../src/config/load.js';
import type { AppConfig } from '../../../src/config/types.js';
import { tempConfigs } from '../../helpers/config-file.js';

const configs = tempConfigs('apposd-sched-');
afterEach(() => configs.cleanup());

function load(text: string): AppConfig | string[] {
  const file = configs.write(text);
  try {
    return loadConfig(file, {});
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    return err.problems.map((p) => `${p.path}: ${p.message}`);
  }
}

describe('schedule keys', () => {
  test('5 or 6 fields and nicknames are accepted; a scheduled oneshot does not autostart', () => {
    for (const cron of ['*/5 * * * *', '*/2 * * * * *', '@hourly', '@daily', '@weekly']) {
      const c = load(
        `programs:\n  j:\n    kind: oneshot\n    schedule: "${cron}"\n    command: [a]\n`,
      );
      expect(Array.isArray(c)).toBe(false);
      const cfg = c as AppConfig;
      expect(cfg.schedules).toEqual([{ program: 'j', cron, missed: 'skip' }]);
      expect(cfg.programs[0]?.autostart).toBe(false);
    }
  });

  test('bad crons, daemons with a schedule and run_once without data_dir are refused', () => {
    const problems = load(
      [
        'programs:',
        '  a: { kind: oneshot, schedule: "* * * *", command: [a] }',
        '  b: { schedule: "@daily", command: [b] }',
        '  c: { kind: oneshot, schedule: "61 * * * *", command: [c], schedule_missed: run_once }',
        '  d: { kind: oneshot, schedule_missed: skip, command: [d] }',
      ].join('\n'),
    ) as string[];
    expect(problems).toEqual([
      expect.stringMatching(/^programs\.a\.schedule: not a cron expression/),
      'programs.b.schedule: schedule applies to oneshots only (add kind: oneshot)',
      expect.stringMatching(/^programs\.c\.schedule: not a cron expression .*minute/),
      'programs.c.schedule_missed: run_once needs data_dir: the last run is remembered there across restarts',
      'programs.d.schedule_missed: schedule_missed needs a schedule',
    ]);
  });

  test('next times follow the given time zone', () => {
    const at = Date.parse('2026-06-01T00:30:00Z');
    expect(new Date(parseCron('0 3 * * *', 'UTC').next(at) ?? 0).toISOString()).toBe(
      '2026-06-01T03:00:00.000Z',
    );
    // Paris is UTC+2 in June: 03:00 there is 01:00 UTC.
    expect(new Date(parseCron('0 3 * * *', 'Europe/Paris').next(at) ?? 0).toISOString()).toBe(
      '2026-06-01T01:00:00.000Z',
    );
  });
});

describe('backup keys', () => {
  test('sources and files resolve against data_dir; keep defaults to 7', () => {
    const cfg = load(
      [
        'data_dir: /data',
        'backups: { schedule: "0 3 * * *", files: [secret.key, apps] }',
        'programs:',
        '  r: { command: [r], backup: { redis: "redis://127.0.0.1:6379" } }',
        '  p: { command: [p], backup: { pocketbase: pocketbase } }',
        '  s: { command: [s], backup: { sqlite: appos.db } }',
      ].join('\n'),
    ) as AppConfig;
    expect(cfg.backups).toEqual({
      dir: '/data/backups',
      schedule: '0 3 * * *',
      keep: 7,
      files: ['/data/secret.key', '/data/apps'],
      sources: [
        { program: 'r', kind: 'redis', url: 'redis://127.0.0.1:6379' },
        { program: 'p', kind: 'pocketbase', dir: '/data/pocketbase' },
        { program: 's', kind: 'sqlite', path: '/data/appos.db' },
      ],
    });
  });

  test('a backup has exactly one kind; a bad backup schedule is refused', () => {
    expect(
      load(
        [
          'data_dir: /data',
          'backups: { schedule: "nightly" }',
          'programs:',
          '  r: { command: [r], backup: { redis: "redis://x", sqlite: a.db } }',
          '  s: { command: [s], backup: { redis: "http://x" } }',
        ].join('\n'),
      ),
    ).toEqual([
      expect.stringMatching(/^backups\.schedule: not a cron expression/),
      'programs.r.backup: a backup has exactly one kind, found redis and sqlite',
      'programs.s.backup.redis: expected a URL like redis://127.0.0.1:6379',
    ]);
  });
});
