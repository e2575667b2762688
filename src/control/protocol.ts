// The control socket's versioned JSON API (/v1/...): route paths and request and response
// shapes, shared by the daemon's control server and the appos-ctl CLI (its error codes are
// errors.ts's API_ERRORS). Imports only the wire shapes: the CLI loads it without the daemon.
import type { ProgramView, State, StreamName, UpstreamView } from '../wire/shapes.js';

export { DEFAULT_SOCKET } from '../wire/shapes.js';
export type {
  ExitView,
  HealthProgramView,
  HealthResponse,
  ProbeView,
  ProgramView,
  State as StateName,
  StreamName,
  UpstreamStateName,
  UpstreamView,
} from '../wire/shapes.js';

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

/** The word that selects every program in start/stop/restart/signal. */
export const ALL = 'all';

export interface StatusResponse {
  programs: ProgramView[];
  /** Present (without names asked for) when routes probe upstreams. */
  upstreams?: UpstreamView[];
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
  from: State;
  to: State;
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
