// appos-ctl's human output: supervisorctl's status layout, action outcome lines, log prefixes,
// the journal, reload and health lines. Pure functions of the API's views (protocol.ts).
import type {
  ActionResultView,
  BackupResponse,
  BackupsResponse,
  BackupView,
  DoctorResponse,
  ExitView,
  HealthResponse,
  JournalEntryView,
  LogLineView,
  ProgramView,
  ReloadResponse,
  UnknownName,
  UpstreamView,
} from './protocol.js';

/** Spaces between the longest name and the state column (supervisorctl's gap). */
const NAME_GAP = 3;
/** Width of the state column, as in supervisorctl. */
const STATE_WIDTH = 10;

/** supervisorctl's uptime: `0:13:31`, `1 day, 2:03:04`, `3 days, 0:00:09`. */
export function formatUptime(seconds: number): string {
  const total = Math.max(0, Math.floor(seconds));
  const days = Math.floor(total / 86_400);
  const h = Math.floor((total % 86_400) / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  const clock = `${h}:${String(m).padStart(2, '0')}:${String(s).padStart(2, '0')}`;
  if (days === 0) return clock;
  return `${days} ${days === 1 ? 'day' : 'days'}, ${clock}`;
}

/** A short wait: `0.8s` under ten seconds, `12s` under a minute, else like an uptime. */
export function formatWait(seconds: number): string {
  const s = Math.max(0, seconds);
  if (s < 10) return `${s.toFixed(1)}s`;
  if (s < 60) return `${Math.round(s)}s`;
  return formatUptime(s);
}

/** `exit status 1` or `terminated by SIGKILL`. */
export function formatExit(exit: Pick<ExitView, 'code' | 'signal'>): string {
  if (exit.code !== null) return `exit status ${exit.code}`;
  return `terminated by ${exit.signal ?? 'a signal'}`;
}

function withReason(reason: string, exit: ExitView | null): string[] {
  const parts: string[] = [];
  const exitText = exit ? formatExit(exit) : '';
  if (reason) parts.push(reason);
  if (exitText && !reason.includes(exitText)) parts.push(exitText);
  return parts;
}

/** The readiness mark ending the line of every program that has a process. */
function mark(p: ProgramView): string {
  return p.ready ? 'ready' : 'not-ready';
}

function running(p: ProgramView): string {
  const parts = [`pid ${p.pid}`, `uptime ${formatUptime(p.uptime_s ?? 0)}`];
  if (!p.healthy) {
    const error = p.probes.live?.error;
    parts.push(error ? `unhealthy (${error})` : 'unhealthy');
  }
  parts.push(mark(p));
  return parts.join(', ');
}

function starting(p: ProgramView): string {
  if (p.pid === null) return p.reason || 'starting';
  const error = p.probes.ready?.error;
  return `pid ${p.pid}, ${error ? `starting (${error})` : 'starting'}, ${mark(p)}`;
}

function ago(exit: ExitView | null): string {
  return exit ? ` (${formatUptime(exit.ago_s)} ago)` : '';
}

/**
 * The description column of `status`: the pid and uptime while running, the reason, exit and
 * next retry otherwise. Lines of programs with a process end with `ready` or `not-ready`.
 */
export function describe(p: ProgramView): string {
  switch (p.state) {
    case 'RUNNING':
      return running(p);
    case 'STARTING':
      return starting(p);
    case 'STOPPING':
      return p.pid === null ? 'stopping' : `pid ${p.pid}, stopping, ${mark(p)}`;
    case 'BACKOFF': {
      const parts = withReason(p.reason, p.last_exit);
      if (p.retry_in_s !== null) parts.push(`retry in ${formatWait(p.retry_in_s)}`);
      return parts.join('; ') || 'unknown error';
    }
    case 'FATAL':
      return withReason(p.reason, p.last_exit).join('; ') || 'unknown error';
    case 'EXITED': {
      if (p.completed && p.last_exit)
        return `completed, ${formatExit(p.last_exit)}${ago(p.last_exit)}`;
      return (withReason(p.reason, p.last_exit).join('; ') || 'exited') + ago(p.last_exit);
    }
    case 'STOPPED':
      // Wanted, but held back by its dependencies: the supervisor says what it waits for.
      if (p.reason.startsWith('waiting for')) return p.reason;
      if (!p.last_exit) return 'Not started';
      return (p.reason || 'stopped') + ago(p.last_exit);
  }
}

/** The description column of a probed upstream: its last check and how long in its state. */
export function describeUpstream(u: UpstreamView): string {
  const since = `for ${formatUptime(u.for_s)}`;
  if (!u.probe) return `upstream, not checked yet, ${since}`;
  const check = u.probe.ok
    ? `probe ok (${u.probe.latency_ms} ms)`
    : (u.probe.error ?? 'probe failed');
  return `upstream, ${check}, ${since}`;
}

/**
 * supervisorctl's `status` lines: name padded to the longest name + 3, state padded to 10;
 * probed upstreams (edge-only mode) follow the programs in the same columns.
 */
export function formatStatus(
  programs: readonly ProgramView[],
  upstreams: readonly UpstreamView[] = [],
): string[] {
  const names = [...programs, ...upstreams].map((p) => p.name.length);
  const width = Math.max(0, ...names) + NAME_GAP;
  const line = (name: string, state: string, what: string): string =>
    `${name.padEnd(width)}${state.padEnd(STATE_WIDTH)}${what}`.trimEnd();
  return [
    ...programs.map((p) =>
      line(p.name, p.state, `${describe(p)}${p.next_run_at ? `; next run ${p.next_run_at}` : ''}`),
    ),
    ...upstreams.map((u) => line(u.name, u.state, describeUpstream(u))),
  ];
}

/** `backend: started` or `backend: ERROR (spawn failed: ENOENT)`. */
export function formatAction(r: ActionResultView): string {
  return r.ok ? `${r.name}: ${r.message}` : `${r.name}: ERROR (${r.message})`;
}

/** `bakend: ERROR (no such program; did you mean backend?)`. */
export function formatUnknown(u: UnknownName): string {
  const hint = u.suggestion ? `; did you mean ${u.suggestion}?` : '';
  return `${u.name}: ERROR (no such program${hint})`;
}

/** A line of `logs`: the program's name padded to `width`, a bar, the line. */
export function formatLogLine(l: LogLineView, width: number): string {
  return `${l.program.padEnd(width)} | ${l.line}`;
}

/** `2025-01-01T10:00:00.000Z  backend  STARTING -> RUNNING  run 2  ready probe passed`. */
export function formatJournal(entries: readonly JournalEntryView[]): string[] {
  const width = Math.max(0, ...entries.map((e) => e.program.length));
  return entries.map((e) => {
    const move = `${e.from} -> ${e.to}`.padEnd(22);
    // One entry, one line: a reason quoting a multi-line error keeps to its line.
    const reason = e.reason.replace(/\s*[\r\n]+\s*/g, ' ');
    return `${e.at}  ${e.program.padEnd(width)}  ${move}  run ${e.run}  ${reason}`.trimEnd();
  });
}

/** One line per touched program (`redis: added`), or `no changes`. */
export function formatReload(r: ReloadResponse): string[] {
  const lines = [
    ...r.added.map((n) => `${n}: added`),
    ...r.changed.map((n) => `${n}: changed`),
    ...r.removed.map((n) => `${n}: removed`),
  ];
  return lines.length > 0 ? lines : ['no changes'];
}

/**
 * `healthy (ok)`, or `unhealthy (degraded): redis FATAL (critical), backend BACKOFF`: the
 * programs that are down, leaving out non-critical ones that were simply stopped.
 */
export function formatHealth(h: HealthResponse): string {
  const head = `${h.healthy ? 'healthy' : 'unhealthy'} (${h.status})`;
  const shown = h.down.filter((d) => d.critical || d.state !== 'STOPPED');
  if (shown.length === 0) return head;
  const down = shown.map((d) => `${d.name} ${d.state}${d.critical ? ' (critical)' : ''}`);
  return `${head}: ${down.join(', ')}`;
}

const mib = (n: number): string => `${(n / 1024 / 1024).toFixed(1)} MiB`;

function holds(b: BackupView): string {
  return b.sources
    .map((s) => {
      const counts = Object.entries(s.counts).map(([k, v]) => `${v} ${k}`);
      return `${s.program ?? 'files'}${counts.length > 0 ? ` (${counts.join(', ')})` : ''}`;
    })
    .join(', ');
}

/** `appos-ctl backup`: the id and path, then what it holds and what retention removed. */
export function formatBackup(r: BackupResponse): string[] {
  const out = [`${r.id} ${r.path}`, `  ${mib(r.size)}: ${holds(r)}`];
  if (r.removed.length > 0) out.push(`  removed by retention: ${r.removed.join(', ')}`);
  return out;
}

/** `appos-ctl backups`: one line per archive, oldest first. */
export function formatBackups(r: BackupsResponse): string[] {
  if (r.backups.length === 0) return [`no backups in ${r.dir}`];
  return r.backups.map((b) => `${b.id}  ${b.created_at}  ${mib(b.size).padStart(10)}  ${holds(b)}`);
}

/** `appos-ctl doctor`: one line per check, and the fix under each failure. */
export function formatDoctor(r: DoctorResponse): string[] {
  const out: string[] = [];
  for (const c of r.checks) {
    out.push(`${c.ok ? 'ok  ' : 'FAIL'}  ${c.name}: ${c.detail}`);
    if (!c.ok && c.fix) out.push(`      fix: ${c.fix}`);
  }
  out.push(r.ok ? 'all checks ok' : `${r.checks.filter((c) => !c.ok).length} check(s) failed`);
  return out;
}
