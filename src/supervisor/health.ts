// The health verdict shared by GET /api/health and `appos-ctl health`: derived from the
// supervisor's in-memory status only (no I/O), in CONTRACT.md's shape, with no config values.
import type { ExitInfo, ProbeResult, ProgramStatus, State, SupervisorApi } from './api.js';

export interface ProgramHealth {
  state: State;
  ready: boolean;
  healthy: boolean;
  pid: number | null;
  uptime_s: number;
  restarts: number;
  critical: boolean;
  last_exit: { code: number | null; signal: string | null; at: string } | null;
  probe: { ok: boolean; latency_ms: number; at: string; error?: string } | null;
}

export interface HealthReport {
  status: 'starting' | 'ok' | 'degraded' | 'stopping';
  uptime_s: number;
  programs: Record<string, ProgramHealth>;
}

const round1 = (ms: number): number => Math.round(ms / 100) / 10;

function exitOf(exit: ExitInfo | null): ProgramHealth['last_exit'] {
  return exit && { code: exit.code, signal: exit.signal, at: new Date(exit.at).toISOString() };
}

function probeOf(p: ProbeResult | null): ProgramHealth['probe'] {
  if (!p) return null;
  const out: NonNullable<ProgramHealth['probe']> = {
    ok: p.ok,
    latency_ms: Math.round(p.latencyMs),
    at: new Date(p.at).toISOString(),
  };
  if (p.error !== undefined) out.error = p.error;
  return out;
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

/**
 * Builds the health report; `healthy` is true when the HTTP answer should be 200. `stopping`
 * lets a caller that shuts down before the supervisor does (the HTTP edge) report it.
 */
export function healthReport(
  api: SupervisorApi,
  now = Date.now(),
  stopping = false,
): { healthy: boolean; report: HealthReport } {
  const isStopping = stopping || api.stopping;
  const programs: Record<string, ProgramHealth> = {};
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
    programs[s.name] = {
      state: s.state,
      ready: s.ready,
      healthy: s.healthy,
      pid: s.pid,
      uptime_s: s.startedAt !== null && s.pid !== null ? round1(now - s.startedAt) : 0,
      restarts: s.restarts,
      critical: s.critical,
      last_exit: exitOf(s.lastExit),
      probe: probeOf(s.liveProbe ?? s.readyProbe),
    };
  }
  const healthy = !isStopping && !criticalDown;
  const status: HealthReport['status'] = isStopping
    ? 'stopping'
    : down === 0
      ? 'ok'
      : booting === down
        ? 'starting'
        : 'degraded';
  return { healthy, report: { status, uptime_s: round1(now - api.startedAt), programs } };
}
