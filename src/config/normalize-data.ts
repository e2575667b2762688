// The resolved `schedule:` and `backups:` / `backup:` keys: kept beside the programs, not in
// ProgramConfig, so a reload that changes only a schedule or a backup source restarts nothing.
import { join, resolve } from 'node:path';
import type { RawConfig } from './raw-config.js';
import type { BackupSource, BackupsConfig, ScheduleConfig } from './types.js';

/** Archives kept when `backups.keep` is not given. */
export const DEFAULT_BACKUP_KEEP = 7;

/** Every program's schedule, in file order. */
export function normalizeSchedules(raw: RawConfig): ScheduleConfig[] {
  return Object.entries(raw.programs ?? {}).flatMap(([program, p]) =>
    p.schedule === undefined
      ? []
      : [{ program, cron: p.schedule, missed: p.schedule_missed ?? 'skip' }],
  );
}

/** The backups section with paths resolved against data_dir, or undefined when there is none. */
export function normalizeBackups(raw: RawConfig): BackupsConfig | undefined {
  const sources: BackupSource[] = [];
  const base = raw.data_dir === undefined ? '.' : raw.data_dir;
  const at = (path: string): string => resolve(base, path);
  for (const [program, p] of Object.entries(raw.programs ?? {})) {
    const b = p.backup;
    if (b === undefined) continue;
    if (b.redis !== undefined) sources.push({ program, kind: 'redis', url: b.redis });
    else if (b.pocketbase !== undefined)
      sources.push({ program, kind: 'pocketbase', dir: at(b.pocketbase) });
    else if (b.sqlite !== undefined) sources.push({ program, kind: 'sqlite', path: at(b.sqlite) });
    else if (b.files !== undefined)
      sources.push({ program, kind: 'files', paths: b.files.map(at) });
  }
  if (raw.backups === undefined && sources.length === 0) return undefined;
  const section = raw.backups ?? {};
  return {
    dir: section.dir === undefined ? resolve(join(base, 'backups')) : resolve(section.dir),
    schedule: section.schedule,
    keep: section.keep ?? DEFAULT_BACKUP_KEEP,
    files: (section.files ?? []).map(at),
    sources,
  };
}
