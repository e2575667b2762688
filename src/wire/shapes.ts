// The one home of every shape apposd shows outside itself: state names, the health report,
// program and probed-upstream status, probe and exit views, the default control socket. Imports nothing, so the
// supervisor, the HTTP edge, the control server, the CLI and the config loader all share it.

/** Program states (supervisord's names), in lifecycle order. */
export const STATES = [
  'STOPPED',
  'STARTING',
  'RUNNING',
  'BACKOFF',
  'STOPPING',
  'EXITED',
  'FATAL',
] as const;
export type State = (typeof STATES)[number];

/** States with no process and nothing scheduled. */
export const RESTING_STATES: ReadonlySet<State> = new Set<State>(['STOPPED', 'EXITED', 'FATAL']);

/** A probed upstream's state: UNKNOWN until its first check; UP after a pass; DOWN after failures. */
export type UpstreamStateName = 'UNKNOWN' | 'UP' | 'DOWN';

/** A program's output stream. */
export type StreamName = 'stdout' | 'stderr';

/** The socket used when neither `--socket` nor `$APPOS_CTL_SOCKET` is given. */
export const DEFAULT_SOCKET = '/run/appos/ctl.sock';

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

/** The last exit as the health report shows it. */
export type HealthExitView = Pick<ExitView, 'code' | 'signal' | 'at'>;

export interface HealthProgramView {
  state: State;
  ready: boolean;
  healthy: boolean;
  pid: number | null;
  uptime_s: number;
  restarts: number;
  critical: boolean;
  last_exit: HealthExitView | null;
  probe: ProbeView | null;
}

/** A probed upstream (a route's `probe:`, edge-only mode) in the health report. */
export interface HealthUpstreamView {
  state: UpstreamStateName;
  /** ISO time of the last state change. */
  since: string;
  probe: ProbeView | null;
}

/** CONTRACT.md's health report: GET /api/health answers exactly this. */
export interface HealthReport {
  status: 'starting' | 'ok' | 'degraded' | 'stopping';
  uptime_s: number;
  programs: Record<string, HealthProgramView>;
  /** Present when routes probe upstreams apposd does not supervise (edge-only mode). */
  upstreams?: Record<string, HealthUpstreamView>;
}

/** The control API's health answer: the report plus the verdict and what is not up. */
export interface HealthResponse extends HealthReport {
  healthy: boolean;
  /**
   * Programs neither RUNNING+ready nor a completed oneshot (stopped ones included), then
   * probed upstreams that are not UP.
   */
  down: { name: string; state: State | UpstreamStateName; critical: boolean }[];
}

/** One program's status as the API reports it (times relative to the answer's making). */
export interface ProgramView {
  name: string;
  kind: 'daemon' | 'oneshot';
  state: State;
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

/** A probed upstream (a route's `probe:`, edge-only mode) as `status` reports it. */
export interface UpstreamView {
  /** host:port of the upstream. */
  name: string;
  state: UpstreamStateName;
  /** ISO time of the last state change, and the seconds since. */
  since: string;
  for_s: number;
  probe: ProbeView | null;
}
