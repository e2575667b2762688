// The config file's shape as written, after interpolation and before normalizing: what the
// JSON Schema (schema.ts) accepts, typed for normalize.ts and `apposd export`.

type Duration = string;
type Size = string | number;
type Command = string | readonly (string | number)[];

/** A probe as written in the file. */
export interface RawProbe {
  tcp?: string;
  http?: string;
  expect?: number;
  exec?: Command;
  redis?: string;
  pocketbase?: string;
  interval?: Duration;
  timeout?: Duration;
  retries?: number;
  initial_delay?: Duration;
}

/** A program as written in the file. */
export interface RawProgram {
  command: Command;
  cwd?: string;
  pass_env?: string[];
  env?: Record<string, string | number | boolean>;
  env_file?: string;
  user?: string | number;
  group?: string | number;
  priority?: number;
  depends_on?: Record<string, 'started' | 'ready' | 'completed'> | string[];
  autostart?: boolean;
  kind?: 'daemon' | 'oneshot';
  restart?: 'always' | 'on-failure' | 'never';
  exit_codes?: number[];
  start_seconds?: Duration;
  start_timeout?: Duration;
  start_retries?: number;
  backoff?: { initial?: Duration; max?: Duration };
  stop_signal?: string;
  stop_timeout?: Duration;
  critical?: boolean;
  ready?: RawProbe;
  live?: RawProbe;
  schedule?: string;
  schedule_missed?: 'skip' | 'run_once';
  backup?: RawBackup;
  image?: string;
}

/** A program's `backup:` as written: exactly one kind. */
export interface RawBackup {
  redis?: string;
  pocketbase?: string;
  sqlite?: string;
  files?: string[];
}

/** A route as written in the file. */
export interface RawRoute {
  path: string;
  upstream?: string;
  program?: string;
  websocket?: boolean;
  hold?: Duration;
  strip_prefix?: boolean;
  unhealthy_after?: number;
  static?: string;
  spa?: boolean;
  probe?: RawProbe;
}

/** The whole file as written (after interpolation), once it passed the schema. */
export interface RawConfig {
  data_dir?: string;
  shutdown_timeout?: Duration;
  pass_env?: string[];
  log?: {
    format?: 'json' | 'pretty';
    level?: 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal';
    dir?: string;
    max_bytes?: Size;
    tail_bytes?: Size;
    backups?: number;
  };
  control?: { socket?: string };
  http?: {
    listen?: string;
    max_body?: Size;
    compress?: boolean;
    access_log?: boolean;
    max_connections?: number;
    routes?: RawRoute[];
  };
  backups?: { dir?: string; schedule?: string; keep?: number; files?: string[] };
  programs?: Record<string, RawProgram>;
}
