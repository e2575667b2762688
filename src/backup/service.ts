// The backups apposd offers: take one now or on `backups.schedule`, list them, restore one.
// One backup or restore at a time; the config is read afresh so a reload applies at once.
import { parseCron } from '../config/cron.js';
import type { BackupsConfig } from '../config/types.js';
import { AppError } from '../errors.js';
import type { SupervisorApi } from '../supervisor/api.js';
import type { RestoreResult } from './restore.js';
import { listBackups, type BackupEntry } from './store.js';
import type { BackupResult } from './take.js';

// Taking and restoring (tar, better-sqlite3: ~1.7 MB resident and ~30 ms) load with the
// first backup or restore, not with apposd: most runs take none.
const takeBackup: typeof import('./take.js').takeBackup = async (...args) =>
  (await import('./take.js')).takeBackup(...args);
const restoreBackup: typeof import('./restore.js').restoreBackup = async (...args) =>
  (await import('./restore.js')).restoreBackup(...args);

/** The slice of a logger the backups use. */
export interface BackupLogger {
  info(fields: object, msg: string): void;
  error(fields: object, msg: string): void;
}

export interface BackupServiceOptions {
  supervisor: SupervisorApi;
  logger: BackupLogger;
  /** The container's TZ, for `backups.schedule`. */
  timezone?: string;
}

/** Takes, lists and restores backups; runs the scheduled one. */
export class BackupService {
  private cfg: BackupsConfig | undefined;
  private dataDir: string | undefined;
  private busy: string | null = null;
  private timer: NodeJS.Timeout | null = null;
  private cron = '';

  constructor(private readonly opts: BackupServiceOptions) {}

  /** Takes the (re)loaded config's backups section and (re)arms its schedule. */
  apply(cfg: BackupsConfig | undefined, dataDir: string | undefined): void {
    this.cfg = cfg;
    this.dataDir = dataDir;
    const cron = cfg?.schedule ?? '';
    if (cron === this.cron) return;
    this.cron = cron;
    this.disarm();
    if (cron !== '') this.arm();
  }

  /** The backups section in use, or undefined. */
  get config(): BackupsConfig | undefined {
    return this.cfg;
  }

  /** Stops the schedule. */
  close(): void {
    this.cron = '';
    this.disarm();
  }

  /** Takes one backup now. Throws AppError(APPOS_ERR_BACKUP) with the reason. */
  async backup(): Promise<BackupResult> {
    const cfg = this.need();
    return this.exclusive('backup', async () => {
      try {
        const r = await takeBackup(cfg, this.dataDir);
        this.opts.logger.info(
          { backup: r.id, size: r.size, removed: r.removed },
          `backup ${r.id} written to ${r.path}`,
        );
        return r;
      } catch (err) {
        const msg = `backup failed: ${(err as Error).message}`;
        this.opts.logger.error({}, msg);
        throw new AppError('APPOS_ERR_BACKUP', msg, { cause: err });
      }
    });
  }

  /** The archives in the backups directory, oldest first. */
  list(): BackupEntry[] {
    return listBackups(this.need().dir);
  }

  /** Restores backup `id`. Throws AppError(APPOS_ERR_BACKUP) with the reason. */
  async restore(id: string): Promise<RestoreResult> {
    const cfg = this.need();
    return this.exclusive('restore', async () => {
      try {
        const r = await restoreBackup(cfg, this.dataDir, this.opts.supervisor, id);
        this.opts.logger.info({ backup: id, programs: r.programs }, `backup ${id} restored`);
        return r;
      } catch (err) {
        const msg = `restore failed: ${(err as Error).message}`;
        this.opts.logger.error({}, msg);
        throw new AppError('APPOS_ERR_BACKUP', msg, { cause: err });
      }
    });
  }

  private need(): BackupsConfig {
    if (!this.cfg) throw new AppError('APPOS_ERR_BACKUP', 'no backups are configured (backups:)');
    return this.cfg;
  }

  private async exclusive<T>(what: string, work: () => Promise<T>): Promise<T> {
    if (this.busy) throw new AppError('APPOS_ERR_BACKUP', `a ${this.busy} is already running`);
    this.busy = what;
    try {
      return await work();
    } finally {
      this.busy = null;
    }
  }

  private arm(): void {
    const times = parseCron(this.cron, this.opts.timezone);
    const next = times.next(Date.now());
    if (next === null) return;
    // Long waits are taken in hops of at most 6 hours (setTimeout's limit is ~24.8 days).
    const delay = Math.min(next - Date.now(), 6 * 60 * 60_000);
    this.timer = setTimeout(
      () => {
        this.timer = null;
        if (Date.now() >= next) {
          this.backup().catch(() => undefined);
        }
        if (this.cron !== '') this.arm();
      },
      Math.max(0, delay),
    );
    this.timer.unref();
  }

  private disarm(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }
}
