// Turns the supervisor's in-memory data into the wire shapes (shapes.ts): ISO times, snake_case,
// relative seconds computed once. The health verdict shared by GET /api/health and
// `appos-ctl health` lives here: from memory only (no I/O), with no config values.
import type { ProbeOutcome } from '../probes/types.js';
import type { ExitInfo, ProgramStatus, SupervisorApi } from '../supervisor/api.js';
import type { UpstreamSource, UpstreamStatus } from '../upstreams/api.js';
import type {
  ExitView,
  HealthProgramView,
  HealthReport,
  HealthResponse,
  HealthUpstreamView,
  ProbeView,
  UpstreamView,
} from './shapes.js';

/** An epoch-ms time as ISO 8601. */
export const iso = (ms: number): string => new Date(ms).toISOString();
/** A duration in ms as seconds with one decimal, never negative. */
export const secondsOf = (ms: number): number => Math.max(0, Math.round(ms / 100) / 10);

const round1 = (ms: number): number => Math.round(ms / 100) / 10;

/** A probe result (a program's or a probed upstream's) as the API shows it. */
export function probeView(p: ProbeOutcome | null): ProbeView | null {
  if (!p) return null;
  const view: ProbeView = { ok: p.ok, latency_ms: Math.round(p.latencyMs), at: iso(p.at) };
  if (p.error !== undefined) view.error = p.error;
  return view;
}

/** A program's last exit as the status API shows it. */
export function exitView(e: ExitInfo | null, now: number): ExitView | null {
  if (!e) return null;
  return {
    code: e.code,
    signal: e.signal,
    expected: e.expected,
    at: iso(e.at),
    ago_s: secondsOf(now - e.at),
  };
}

/**
 * `ready` as every view reports it: a daemon's ready probe passed (or it stuck, without one);
 * a oneshot is ready once it completed, its work done (CONTRACT's `ready` reads naturally).
 */
export function readyOf(s: ProgramStatus): boolean {
  return s.ready || s.completed;
}

/** A critical program counts as fine when RUNNING and ready, or a oneshot that completed. */
export function isUp(s: ProgramStatus): boolean {
  return (s.state === 'RUNNING' && s.ready) || s.completed;
}

/** Not up yet on its first run: starting, or waiting for its dependencies to allow it. */
function isBooting(s: ProgramStatus): boolean {
  if (s.restarts !== 0 || s.lastExit !== null) return false;
  return s.state === 'STARTING' || (s.state === 'STOPPED' && s.pending === true);
}

function healthProgram(s: ProgramStatus, now: number): HealthProgramView {
  return {
    state: s.state,
    ready: readyOf(s),
    healthy: s.healthy,
    pid: s.pid,
    uptime_s: s.startedAt !== null && s.pid !== null ? round1(now - s.startedAt) : 0,
    restarts: s.restarts,
    critical: s.critical,
    last_exit: s.lastExit && {
      code: s.lastExit.code,
      signal: s.lastExit.signal,
      at: iso(s.lastExit.at),
    },
    probe: probeView(s.liveProbe ?? s.readyProbe),
  };
}

/** One probed upstream as the control API's `status` reports it. */
export function upstreamView(u: UpstreamStatus, now = Date.now()): UpstreamView {
  return {
    name: u.name,
    state: u.state,
    since: iso(u.since),
    for_s: secondsOf(now - u.since),
    probe: probeView(u.probe),
  };
}

/**
 * Builds the health report; `healthy` is true when the HTTP answer should be 200. `stopping`
 * lets a caller that shuts down before the supervisor does (the HTTP edge) report it. Every
 * probed upstream counts like a critical program: not UP is unhealthy.
 */
export function healthReport(
  api: SupervisorApi,
  now = Date.now(),
  stopping = false,
  upstreams?: UpstreamSource,
): { healthy: boolean; report: HealthReport } {
  const isStopping = stopping || api.stopping;
  const programs: Record<string, HealthProgramView> = {};
  let criticalDown = false;
  let down = 0;
  let booting = 0;
  for (const s of api.status()) {
    if (!isUp(s)) {
      if (s.critical) criticalDown = true;
      // A program an operator stopped is no trouble unless the stack needs it.
      if (s.critical || s.state !== 'STOPPED' || s.pending) {
        down += 1;
        if (isBooting(s)) booting += 1;
      }
    }
    programs[s.name] = healthProgram(s, now);
  }
  const probed = upstreams?.status() ?? [];
  let upstreamHealth: Record<string, HealthUpstreamView> | undefined;
  if (probed.length > 0) {
    upstreamHealth = {};
    for (const u of probed) {
      upstreamHealth[u.name] = { state: u.state, since: iso(u.since), probe: probeView(u.probe) };
      if (u.state !== 'UP') {
        criticalDown = true;
        down += 1;
        if (!u.wasUp) booting += 1;
      }
    }
  }
  const healthy = !isStopping && !criticalDown;
  const status: HealthReport['status'] = isStopping
    ? 'stopping'
    : down === 0
      ? 'ok'
      : booting === down
        ? 'starting'
        : 'degraded';
  const report: HealthReport = { status, uptime_s: round1(now - api.startedAt), programs };
  if (upstreamHealth) report.upstreams = upstreamHealth;
  return { healthy, report };
}

/** The control API's health answer: the shared verdict plus what is not up. */
export function healthView(
  api: SupervisorApi,
  now = Date.now(),
  upstreams?: UpstreamSource,
): HealthResponse {
  const { healthy, report } = healthReport(api, now, false, upstreams);
  const down: HealthResponse['down'] = api
    .status()
    .filter((s) => !isUp(s))
    .map((s) => ({ name: s.name, state: s.state, critical: s.critical }));
  for (const u of upstreams?.status() ?? []) {
    if (u.state !== 'UP') down.push({ name: u.name, state: u.state, critical: false });
  }
  return { healthy, ...report, down };
}
