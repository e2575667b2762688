// A config reload (appos-ctl reload, SIGHUP): one at a time; the new file is loaded and checked
// first, then programs, schedules, backups, probed upstreams and routes follow it. A bad config
// is reported and the running one kept.
import type { AppConfig } from './config/types.js';
import type { HttpEdge } from './http/server.js';
import type { ReloadResult } from './supervisor/api.js';

/** What a reload applies the new config to; main.ts wires it. */
export interface ReloadTargets {
  /** Reads and checks the config file again; throws a ConfigError when it is bad. */
  load(): AppConfig;
  /** The config running now: the one apposd started with, then each reloaded one. */
  readonly started: AppConfig;
  readonly supervisor: { reload(programs: AppConfig['programs']): Promise<ReloadResult> };
  readonly scheduler: { apply(schedules: AppConfig['schedules']): void };
  readonly backups: { apply(cfg: AppConfig['backups'], dataDir: string | undefined): void };
  readonly upstreams: { setRoutes(routes: NonNullable<AppConfig['http']>['routes']): void };
  /** The public listener, once it listens. */
  edge(): HttpEdge | null;
  /** Logs every unset ${VAR} of a loaded config. */
  warnUnset(cfg: AppConfig): void;
  readonly logger: {
    info(obj: object, msg: string): void;
    warn(obj: object, msg: string): void;
  };
}

/** The reload function, and the config it last applied. */
export interface Reloader {
  reload(): Promise<ReloadResult>;
  current(): AppConfig;
}

/** Builds the one reload path of the daemon. */
export function createReloader(t: ReloadTargets): Reloader {
  let current = t.started;
  let reloading: Promise<unknown> = Promise.resolve();
  const reload = (): Promise<ReloadResult> => {
    const next = reloading.then(async () => {
      const cfg = t.load();
      t.warnUnset(cfg);
      const result = await t.supervisor.reload(cfg.programs);
      t.scheduler.apply(cfg.schedules);
      t.backups.apply(cfg.backups, cfg.dataDir);
      current = cfg;
      const edge = t.edge();
      if (edge && cfg.http) {
        t.upstreams.setRoutes(cfg.http.routes);
        edge.setRoutes(cfg.http);
        const was = t.started.http;
        if (was && (was.host !== cfg.http.host || was.port !== cfg.http.port)) {
          t.logger.warn({}, 'http.listen changed: it takes effect when apposd restarts');
        }
      }
      t.logger.info({ ...result }, 'config reloaded');
      return result;
    });
    reloading = next.catch(() => undefined);
    return next;
  };
  return { reload, current: () => current };
}
