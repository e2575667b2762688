// The control socket's versioned JSON API (/v1/...): route paths, request and response shapes
// and error codes, shared by the daemon's control server and the appos-ctl CLI. Imports nothing,
// so the CLI can load it without fastify, pino or the supervisor.

/** The socket used when neither `--socket` nor `$APPOS_CTL_SOCKET` is given. */
export const DEFAULT_SOCKET = '/run/appos/ctl.sock';

/** Every route of the API; all answer JSON except LOGS_FOLLOW, which streams NDJSON. */
export const ROUTES = {
  /** GET, query `name` (repeatable): StatusResponse. */
  STATUS: '/v1/status',
  /** POST ActionRequest: ActionResponse. */
  START: '/v1/start',
  STOP: '/v1/stop',
  RESTART: '/v1/restart',
  /** POST SignalRequest: ActionResponse. */
  SIGNAL: '/v1/signal',
  /** GET, query `name`, `limit`: JournalResponse. */
  JOURNAL: '/v1/journal',
  /** GET, query `name`, `stream`, `lines`: LogsResponse. */
  LOGS: '/v1/logs',
  /** GET, query `name`, `stream`, `lines`: a stream of FollowMessage, one JSON per line. */
  LOGS_FOLLOW: '/v1/logs/follow',
  /** POST: ReloadResponse. */
  RELOAD: '/v1/reload',
  /** POST: ShutdownResponse; apposd begins its ordered shutdown once the answer is sent. */
  SHUTDOWN: '/v1/shutdown',
  /** GET: HealthResponse (always HTTP 200; `healthy` carries the verdict). */
  HEALTH: '/v1/health',
  /** GET: VersionResponse. */
  VERSION: '/v1/version',
  /** POST: BackupResponse (takes one backup now). */
  BACKUP: '/v1/backup',
  /** GET: BackupsResponse. */
  BACKUPS: '/v1/backups',
  /** POST RestoreRequest: RestoreResponse. */
  RESTORE: '/v1/restore',
  /** GET: DoctorResponse. */
  DOCTOR: '/v1/doctor',
} as const;

/** The stable codes of the API's errors (`{ error: { code, message } }`). */
export const ERROR_CODES = {
  BAD_REQUEST: 'APPOS_ERR_BAD_REQUEST',
  NOT_FOUND: 'APPOS_ERR_NOT_FOUND',
  UNKNOWN_PROGRAM: 'APPOS_ERR_UNKNOWN_PROGRAM',
  STOPPING: 'APPOS_ERR_STOPPING',
  INTERNAL: 'APPOS_ERR_INTERNAL',
} as const;

/** The word that selects every program in start/stop/restart/signal. */
export const ALL = 'all';

export type StateName =
  'STOPPED' | 'STARTING' | 'RUNNING' | 'BACKOFF' | 'STOPPING' | 'EXITED' | 'FATAL';

export type StreamName = 'stdout' | 'stderr';

export interface ProbeView {
  ok: boolean;
  latency_ms: number;
  /** ISO time the check ended. */
  at: string;
  error?: string;
}

export interface ExitView {
  /** Exit code, or null when killed by a signal. */
  code: number | null;
  signal: string | null;
  /** Whether the code was one of the program's exit_codes. */
  expected: boolean;
  /** ISO time of the exit. */
  at: string;
  /** Seconds since the exit, when the answer was built. */
  ago_s: number;
}

/** One program's status as the API reports it (times relative to the answer's making). */
export interface ProgramView {
  name: string;
  kind: 'daemon' | 'oneshot';
  state: StateName;
  ready: boolean;
  healthy: boolean;
  pid: number | null;
  /** ISO time the current process was spawned. */
  started_at: string | null;
  /** Seconds the current process has run, or null when there is none. */
  uptime_s: number | null;
  restarts: number;
  critical: boolean;
  /** A oneshot that ran to completion with an expected exit code. */
  completed: boolean;
  /** Why the program is in its state ("spawn failed: ENOENT", "waiting for redis", ...). */
  reason: string;
  last_exit: ExitView | null;
  /** ISO time of the next automatic start attempt (BACKOFF only). */
  next_retry_at: string | null;
  /** Seconds until that attempt. */
  retry_in_s: number | null;
  probes: { ready: ProbeView | null; live: ProbeView | null };
  /** ISO time of a scheduled oneshot's next run (`schedule:`); null without a schedule. */
  next_run_at?: string | null;
}

export interface StatusResponse {
  programs: ProgramView[];
}

/** Names, or [`all`]; `timeout_ms` bounds the wait for each program's outcome. */
export interface ActionRequest {
  names: string[];
  timeout_ms?: number;
}

export interface SignalRequest {
  /** `HUP`, `SIGHUP` or a number. */
  signal: string;
  names: string[];
}

export interface ActionResultView {
  name: string;
  ok: boolean;
  /** "started", "stopped", "restarted", or the error ("spawn failed: ENOENT"). */
  message: string;
}

export interface ActionResponse {
  results: ActionResultView[];
}

export interface JournalEntryView {
  seq: number;
  /** ISO time. */
  at: string;
  program: string;
  run: number;
  from: StateName;
  to: StateName;
  reason: string;
}

export interface JournalResponse {
  entries: JournalEntryView[];
}

export interface LogLineView {
  program: string;
  stream: StreamName;
  line: string;
  /** ISO time the line was read. */
  at: string;
}

export interface LogsResponse {
  /** All program names, for aligning prefixes. */
  programs: string[];
  lines: LogLineView[];
}

/** The follow stream: one `hello` first (the backlog follows it), then a `line` per line. */
export type FollowMessage =
  { type: 'hello'; programs: string[] } | ({ type: 'line' } & LogLineView);

export interface ReloadResponse {
  added: string[];
  changed: string[];
  removed: string[];
}

export interface ShutdownResponse {
  ok: true;
}

export interface HealthProgramView {
  state: StateName;
  ready: boolean;
  healthy: boolean;
  pid: number | null;
  uptime_s: number;
  restarts: number;
  critical: boolean;
  last_exit: { code: number | null; signal: string | null; at: string } | null;
  probe: ProbeView | null;
}

/** CONTRACT.md's health report plus the verdict and the programs that are not up. */
export interface HealthResponse {
  healthy: boolean;
  status: 'starting' | 'ok' | 'degraded' | 'stopping';
  uptime_s: number;
  programs: Record<string, HealthProgramView>;
  /** Programs neither RUNNING+ready nor a completed oneshot (stopped ones included). */
  down: { name: string; state: StateName; critical: boolean }[];
}

export interface VersionResponse {
  version: string;
  /** apposd's own pid. */
  pid: number;
  uptime_s: number;
}

/** One backup archive. */
export interface BackupView {
  id: string;
  path: string;
  size: number;
  created_at: string;
  /** What it holds: per source, its program (null: backups.files), kind and counts. */
  sources: { program: string | null; kind: string; counts: Record<string, number> }[];
}

export interface BackupResponse extends BackupView {
  /** Older archives removed by retention. */
  removed: string[];
}

export interface BackupsResponse {
  dir: string;
  keep: number;
  /** Oldest first. */
  backups: BackupView[];
}

export interface RestoreRequest {
  id: string;
}

export interface RestoreResponse {
  id: string;
  /** Programs stopped and started again, in start order. */
  programs: string[];
  /** "name: why" for each program that did not start again. */
  failed: string[];
}

/** One check of `appos-ctl doctor`. */
export interface DoctorCheck {
  name: string;
  ok: boolean;
  /** What was found ("2.1 GiB free", "RUNNING", ...). */
  detail: string;
  /** What to do when it failed (empty when ok). */
  fix: string;
}

export interface DoctorResponse {
  ok: boolean;
  checks: DoctorCheck[];
}

/** An unknown program name and the closest known one, if any is close. */
export interface UnknownName {
  name: string;
  suggestion: string | null;
}

/** Every error answer's body. */
export interface ErrorBody {
  error: { code: string; message: string; unknown?: UnknownName[] };
}

/** supervisorctl's rule for `status`: RUNNING, or a oneshot that completed, counts as fine. */
export function isFine(p: Pick<ProgramView, 'state' | 'completed'>): boolean {
  return p.state === 'RUNNING' || p.completed;
}
