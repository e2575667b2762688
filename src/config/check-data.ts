// Semantic checks of the keys about keeping data: `schedule:` (oneshots only, a valid cron),
// `schedule_missed:`, a program's `backup:` (exactly one kind) and the `backups:` section.
import { isUrl } from './address.js';
import { cronProblem } from './cron.js';
import type { Reporter } from './problems.js';
import { programEntries, record } from './shape.js';
import type { PathSegment } from './source-map.js';

const BACKUP_KINDS = ['redis', 'pocketbase', 'sqlite', 'files'] as const;

/** Reports every problem of the schedule and backup keys in `data` (the raw file). */
export function checkData(data: unknown, report: Reporter): void {
  const root = record(data) ?? {};
  const hasDataDir = typeof root.data_dir === 'string' && root.data_dir !== '';
  for (const [name, body] of programEntries(data)) {
    const at = (...rest: PathSegment[]): PathSegment[] => ['programs', name, ...rest];
    if (typeof body.schedule === 'string') {
      if (body.kind !== 'oneshot') {
        report.problem(at('schedule'), 'schedule applies to oneshots only (add kind: oneshot)');
      }
      const problem = cronProblem(body.schedule);
      if (problem) report.problem(at('schedule'), problem, 'value');
    }
    if (body.schedule_missed !== undefined && body.schedule === undefined) {
      report.problem(at('schedule_missed'), 'schedule_missed needs a schedule');
    }
    if (body.schedule_missed === 'run_once' && !hasDataDir) {
      report.problem(
        at('schedule_missed'),
        'run_once needs data_dir: the last run is remembered there across restarts',
      );
    }
    const backup = record(body.backup);
    if (backup) checkBackup(backup, at('backup'), report);
  }
  const backups = record(root.backups);
  if (backups) {
    if (typeof backups.schedule === 'string') {
      const problem = cronProblem(backups.schedule);
      if (problem) report.problem(['backups', 'schedule'], problem, 'value');
    }
    if (backups.dir === undefined && !hasDataDir) {
      report.problem(['backups'], 'backups needs a dir when there is no data_dir');
    }
  }
}

function checkBackup(backup: Record<string, unknown>, path: PathSegment[], report: Reporter): void {
  const kinds = BACKUP_KINDS.filter((k) => backup[k] !== undefined);
  if (kinds.length !== 1) {
    report.problem(
      path,
      kinds.length === 0
        ? `a backup needs one of ${BACKUP_KINDS.join(', ')}`
        : `a backup has exactly one kind, found ${kinds.join(' and ')}`,
    );
  }
  if (typeof backup.redis === 'string' && !isUrl(backup.redis, ['redis:'])) {
    report.problem([...path, 'redis'], 'expected a URL like redis://127.0.0.1:6379', 'value');
  }
}
