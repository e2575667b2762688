// The resolved, validated configuration every other room reads: durations in milliseconds,
// sizes in bytes, defaults filled in, objects frozen. Produced by config/load.ts only.

/** Duration in milliseconds. */
export type Ms = number;

export type ProbeKind = 'tcp' | 'http' | 'exec' | 'redis' | 'pocketbase';

export interface ProbeConfig {
  readonly kind: ProbeKind;
  /** tcp: "host:port"; http, redis, pocketbase: a URL. Unused for exec. */
  readonly target: string;
  /** exec: the argv to run (exit 0 passes). Empty for the other kinds. */
  readonly argv: readonly string[];
  /** http only: the exact status expected; absent means any 2xx/3xx. */
  readonly expect?: number;
  readonly intervalMs: Ms;
  readonly timeoutMs: Ms;
  /** Consecutive failures before a live probe declares the program unhealthy. */
  readonly retries: number;
  readonly initialDelayMs: Ms;
}

export type DependencyCondition = 'started' | 'ready' | 'completed';

export interface Dependency {
  readonly name: string;
  readonly condition: DependencyCondition;
}

export type ProgramKind = 'daemon' | 'oneshot';
export type RestartPolicy = 'always' | 'on-failure' | 'never';

export interface ProgramConfig {
  readonly name: string;
  /** argv; a string command in the file is split like a shell would, never run by one. */
  readonly command: readonly string[];
  readonly cwd?: string;
  /**
   * What it inherits of apposd's environment: the base set (PATH, HOME, USER, LOGNAME, LANG,
   * LC_*, TZ) and what `pass_env` names. Values may be secrets: never log them.
   */
  readonly inherited: Readonly<Record<string, string>>;
  /** `env_file` entries first, then `env` on top. Values may be secrets: never log them. */
  readonly env: Readonly<Record<string, string>>;
  readonly envFile?: string;
  readonly user?: string;
  readonly group?: string;
  readonly priority: number;
  readonly dependsOn: readonly Dependency[];
  readonly autostart: boolean;
  readonly kind: ProgramKind;
  readonly restart: RestartPolicy;
  readonly exitCodes: readonly number[];
  readonly startSecondsMs: Ms;
  /** With a ready probe: the most a start may take to pass it before it counts as failed. */
  readonly startTimeoutMs: Ms;
  readonly startRetries: number;
  readonly backoff: { readonly initialMs: Ms; readonly maxMs: Ms };
  readonly stopSignal: NodeJS.Signals;
  readonly stopTimeoutMs: Ms;
  readonly critical: boolean;
  readonly ready?: ProbeConfig;
  readonly live?: ProbeConfig;
  /** `apposd export` only: the container image; absent means the AppOS image. */
  readonly image?: string;
}

/** The order of a config's programs, computed by supervisor/order.ts; described by plan.ts. */
export interface StartPlan {
  /** Programs in start order. */
  readonly order: readonly ProgramConfig[];
  /** The slowest chain of stop timeouts in shutdown order (first stopped first). */
  readonly shutdown: { readonly ms: number; readonly chain: readonly string[] };
}

export type LogFormat = 'json' | 'pretty';

export interface LogConfig {
  /** Absent in the file: pretty on a TTY, else json (decided by the log room). */
  readonly format?: LogFormat;
  readonly level: 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal';
  /** One rotating file per program lives here; absent means no files. */
  readonly dir?: string;
  readonly maxBytes: number;
  readonly backups: number;
  /** Bytes of output kept in memory per program for tails (half per stream). Always set by
   * loading; optional so that hand-built configs (tests) may leave it to the relay's default. */
  readonly tailBytes?: number;
}

export interface RouteConfig {
  readonly path: string;
  readonly upstream?: string;
  readonly program?: string;
  readonly websocket: boolean;
  readonly holdMs?: Ms;
  readonly stripPrefix: boolean;
  /** Upstream failures in a row that mark `program` unhealthy (0: never). Always set by
   * loading; optional so that hand-built configs (tests) may leave it to the edge's default. */
  readonly unhealthyAfter?: number;
  readonly static?: string;
  readonly spa: boolean;
  /** An active probe of an upstream apposd does not supervise (edge-only mode). */
  readonly probe?: ProbeConfig;
}

export interface HttpConfig {
  readonly host: string;
  readonly port: number;
  readonly maxBody: number;
  readonly compress: boolean;
  readonly accessLog: boolean;
  /** Cap on open client connections; undefined: sized from the descriptor limit. */
  readonly maxConnections?: number;
  readonly routes: readonly RouteConfig[];
}

/** A oneshot run on a cron (`schedule:`), kept out of ProgramConfig so a reload of it restarts nothing. */
export interface ScheduleConfig {
  readonly program: string;
  /** The cron expression as written (5 or 6 fields, or @hourly, @daily, @weekly). */
  readonly cron: string;
  /** What to do about a time that passed while apposd was down. */
  readonly missed: 'skip' | 'run_once';
}

/** How one program's data is copied consistently while it runs (its `backup:` key). */
export type BackupSource =
  | { readonly program: string; readonly kind: 'redis'; readonly url: string }
  | { readonly program: string; readonly kind: 'pocketbase'; readonly dir: string }
  | { readonly program: string; readonly kind: 'sqlite'; readonly path: string }
  | { readonly program: string; readonly kind: 'files'; readonly paths: readonly string[] };

/** The top-level `backups:` section, paths resolved against data_dir. */
export interface BackupsConfig {
  readonly dir: string;
  readonly schedule?: string;
  readonly keep: number;
  /** Absolute paths of files or directories to include. */
  readonly files: readonly string[];
  /** Every program's `backup:` key, in file order. */
  readonly sources: readonly BackupSource[];
}

/** Where an unset variable is used: the value's place in the file and its key path. */
export interface VariableUse {
  readonly file: string;
  readonly line?: number;
  readonly col?: number;
  /** e.g. `programs.backend.command[2]`. */
  readonly path: string;
}

/** A `${VAR}` or `$VAR` without a default whose variable is not set: it became "". */
export interface UnsetVariable {
  readonly name: string;
  readonly uses: readonly VariableUse[];
}

export interface AppConfig {
  /** Absolute path of the file this was loaded from. */
  readonly file: string;
  readonly dataDir?: string;
  readonly shutdownTimeoutMs: Ms;
  readonly log: LogConfig;
  readonly control: { readonly socket: string };
  /** Absent when the file has no `http:` section: no public listener. */
  readonly http?: HttpConfig;
  /** In file order; start order is computed by config/plan.ts. */
  readonly programs: readonly ProgramConfig[];
  /** The programs' `schedule:` keys, in file order. */
  readonly schedules: readonly ScheduleConfig[];
  /** Present when the file has `backups:` or any program has `backup:`. */
  readonly backups?: BackupsConfig;
  /** Non-fatal findings while loading (e.g. "${FOO} is not set"); names only, no values. */
  readonly loadWarnings?: readonly string[];
  /** Variables used without a default that are not set, with where each is used. */
  readonly unsetVariables?: readonly UnsetVariable[];
}
