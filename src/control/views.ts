// Turns the supervisor's and the log room's in-memory shapes into the control API's JSON views
// (protocol.ts), with the shared builders of wire/views.ts (where the health and upstream
// views live; re-exported here for the control routes).
import type { LogLine } from '../log/api.js';
import type { JournalEntry, ProgramStatus } from '../supervisor/api.js';
import { exitView, iso, probeView, readyOf, secondsOf as seconds } from '../wire/views.js';
import type { JournalEntryView, LogLineView, ProgramView } from './protocol.js';

export { healthView, upstreamView } from '../wire/views.js';

/** One program's status as the API reports it. */
export function programView(
  s: ProgramStatus,
  now = Date.now(),
  nextRunAt: number | null = null,
): ProgramView {
  const running = s.pid !== null && s.startedAt !== null;
  return {
    name: s.name,
    kind: s.kind,
    state: s.state,
    ready: readyOf(s),
    healthy: s.healthy,
    pid: s.pid,
    started_at: s.startedAt === null ? null : iso(s.startedAt),
    uptime_s: running && s.startedAt !== null ? seconds(now - s.startedAt) : null,
    restarts: s.restarts,
    critical: s.critical,
    completed: s.completed,
    reason: s.reason,
    last_exit: exitView(s.lastExit, now),
    next_retry_at: s.nextRetryAt === null ? null : iso(s.nextRetryAt),
    retry_in_s: s.nextRetryAt === null ? null : seconds(s.nextRetryAt - now),
    probes: { ready: probeView(s.readyProbe), live: probeView(s.liveProbe) },
    next_run_at: nextRunAt === null ? null : iso(nextRunAt),
  };
}

/** A journal entry with an ISO time. */
export function journalView(e: JournalEntry): JournalEntryView {
  return {
    seq: e.seq,
    at: iso(e.at),
    program: e.program,
    run: e.run,
    from: e.from,
    to: e.to,
    reason: e.reason,
  };
}

/** A log line with an ISO time. */
export function logLineView(l: LogLine): LogLineView {
  return { program: l.program, stream: l.stream, line: l.line, at: iso(l.at) };
}
