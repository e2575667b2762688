// The program machine: one pure function `step(data, event, context) -> (data, effects)` that
// holds every transition and every guard of a program's life (its shapes: machine-types.ts).
// No timers, processes or I/O: program.ts runs the effects. Old runs' events are dropped.
import type { ProbeOutcome } from '../probes/types.js';
import type { ExitInfo } from './api.js';
import { type RawExit, describeExit, isExpectedExit, seconds } from './exit-status.js';
import {
  type Effect,
  GROUP_POLL_MS,
  type ProbeName,
  type ProgramData,
  type ProgramEvent,
  type Step,
  type StepContext,
  type TimerKind,
} from './machine-types.js';
import { Draft, Illegal } from './machine-draft.js';
import { RESTING_STATES } from '../wire/shapes.js';
import { decideOnExit } from './restart-policy.js';

/** Events that belong to one run and are dropped when that run is over. */
function staleRun(d: ProgramData, e: ProgramEvent): boolean {
  return 'run' in e && e.run !== d.run;
}

/**
 * Applies one event to a program. Pure: the input is not changed. An event the current state
 * does not allow leaves the data as it was, with a single `ignored` effect saying why.
 */
export function step(data: ProgramData, event: ProgramEvent, ctx: StepContext): Step {
  if (staleRun(data, event)) {
    // The child of a superseded run spawned late: it must not live on unsupervised.
    const effects: Effect[] =
      event.type === 'spawned' ? [{ type: 'kill-tree', pid: event.pid }] : [];
    return { data, effects };
  }
  const m = new Draft(data, ctx);
  try {
    apply(m, event);
  } catch (err) {
    if (!(err instanceof Illegal)) throw err;
    const why = `${event.type}${'timer' in event ? ` ${event.timer}` : ''} in ${data.state}: ${err.message}`;
    return { data, effects: [{ type: 'ignored', why }] };
  }
  return { data: m.d, effects: m.fx };
}

function apply(m: Draft, e: ProgramEvent): void {
  const d = m.d;
  const resting = RESTING_STATES.has(d.state);
  switch (e.type) {
    case 'want':
      if (!resting) return;
      d.pending = true;
      d.completed = false;
      return;
    case 'unwant':
      d.pending = false;
      return;
    case 'launch':
      return m.launch(e.reason);
    case 'cancel':
      return cancel(m, e.reason);
    case 'kill':
      m.fx.push({ type: 'kill-tree', pid: d.state === 'STOPPING' ? d.pgid : d.pid });
      return;
    case 'reconfigure':
      if (!resting) throw new Illegal('only a resting program takes a new config');
      d.cfg = e.cfg;
      d.failures = 0;
      d.pending = e.want;
      return;
    case 'spawned':
      return spawned(m, e.pid);
    case 'spawn-failed':
      if (d.state !== 'STARTING' && d.state !== 'STOPPING') throw new Illegal('no spawn running');
      d.spawnError = e.short;
      m.fx.push({ type: 'spawn-failed', message: e.message });
      if (d.state === 'STOPPING') return m.finishStop();
      d.failures += 1;
      return m.go('FATAL', e.message);
    case 'exited':
      return exited(m, e.exit, e.groupAlive);
    case 'probe':
      return probed(m, e.probe, e.result, e.failures);
    case 'upstream':
      return unhealthy(m, `upstream failed ${e.failures} times in a row (last: ${e.outcome})`);
    case 'deadline':
      return deadline(m, e.timer, e.groupAlive ?? false);
  }
}

function cancel(m: Draft, reason: string): void {
  const d = m.d;
  d.pending = false;
  switch (d.state) {
    case 'STOPPED':
    case 'EXITED':
    case 'FATAL':
      return;
    case 'BACKOFF':
      m.quiet();
      d.nextRetryAt = null;
      return m.go('STOPPED', reason);
    case 'STOPPING':
      // Asked to stop while a failed start or a restart is being stopped: it stays stopped.
      d.failedStart = null;
      d.restartAfterStop = null;
      return;
    case 'STARTING':
    case 'RUNNING':
      return m.beginStop(reason);
  }
}

function spawned(m: Draft, pid: number): void {
  const d = m.d;
  if (d.state !== 'STARTING' && d.state !== 'STOPPING') throw new Illegal('no spawn running');
  if (d.pid !== null) throw new Illegal('this run has a process already');
  d.pid = pid;
  d.pgid = pid;
  d.startedAt = m.ctx.now;
  m.fx.push({ type: 'attach' }, { type: 'spawned', pid });
  if (d.stopRequested) {
    m.fx.push({ type: 'signal', pid, signal: d.cfg.stopSignal });
    return;
  }
  m.fx.push({ type: 'timer', timer: 'start', ms: d.cfg.startSecondsMs });
  if (m.waitsForReadyProbe) {
    m.fx.push({ type: 'probe-start', probe: 'ready' });
    m.fx.push({ type: 'timer', timer: 'ready', ms: d.cfg.startTimeoutMs });
  }
}

function exited(m: Draft, raw: RawExit, groupAlive: boolean): void {
  const d = m.d;
  if (d.pid === null) throw new Illegal('no process running');
  const pid = d.pid;
  m.quiet();
  d.pid = null;
  m.setReady(false);
  const expected = isExpectedExit(raw, d.cfg.exitCodes);
  const exit: ExitInfo = { code: raw.code, signal: raw.signal, at: m.ctx.now, expected };
  d.lastExit = exit;
  m.fx.push({ type: 'exited', exit, requested: d.stopRequested, run: d.run });
  if (d.stopRequested) {
    if (!groupAlive) return m.finishStop();
    m.fx.push({ type: 'timer', timer: 'group', ms: GROUP_POLL_MS });
    return;
  }
  // Nobody asked for this exit: whatever the program left in its group goes with it.
  if (groupAlive) m.fx.push({ type: 'kill-tree', pid });
  const how = describeExit(raw);
  if (m.ctx.shuttingDown) return m.go('EXITED', `exited during shutdown (${how})`);
  const decision = decideOnExit(d.cfg, { stuck: d.stuck, expected, failures: d.failures });
  switch (decision.next) {
    case 'restart':
      d.failures = 0;
      m.go('EXITED', `exited (${how})`);
      return m.launch(`restart after ${how}`);
    case 'backoff':
      d.failures = decision.failures;
      return m.backoff(decision.delayMs, `exited too quickly (${how})`);
    case 'exited':
      d.completed = decision.completed;
      return m.go('EXITED', decision.completed ? `completed (${how})` : `exited (${how})`);
    case 'fatal':
      d.failures = decision.failures;
      return m.go(
        'FATAL',
        d.cfg.restart === 'never' || decision.failures === 1
          ? `exited (${how})`
          : `exited (${how}); gave up after ${decision.failures} attempts`,
      );
  }
}

function probed(m: Draft, probe: ProbeName, result: ProbeOutcome, failures: number): void {
  const d = m.d;
  // A check that ends after its phase is over is no news.
  if (d.state !== (probe === 'ready' ? 'STARTING' : 'RUNNING') || d.stopRequested) return;
  m.fx.push({ type: 'probed', probe, result, failures });
  if (probe === 'ready') {
    d.readyResult = result;
    if (result.ok) return m.becomeRunning('ready probe passed');
    d.reason = `waiting for ready probe: ${result.error ?? 'failed'}`;
    return;
  }
  d.liveResult = result;
  if (result.ok) {
    d.healthy = true;
    return;
  }
  const retries = d.cfg.live?.retries ?? 1;
  if (failures < retries) return;
  unhealthy(m, `live probe failed ${failures} times: ${result.error ?? 'failed'}`);
}

/**
 * A running program found hung (its live probe, or the edge's evidence): unhealthy, stopped,
 * then started again. Evidence that arrives once the run is no longer RUNNING is no news.
 */
function unhealthy(m: Draft, why: string): void {
  const d = m.d;
  if (d.state !== 'RUNNING' || d.stopRequested) return;
  d.healthy = false;
  m.beginStop(why);
  d.restartAfterStop = why;
}

function deadline(m: Draft, timer: TimerKind, groupAlive: boolean): void {
  const d = m.d;
  switch (timer) {
    case 'start':
      if (d.state !== 'STARTING' && d.state !== 'RUNNING') return;
      if (d.stopRequested) return;
      d.stuck = true;
      if (d.state === 'RUNNING') d.failures = 0;
      else if (!m.waitsForReadyProbe) m.becomeRunning(`up for ${seconds(d.cfg.startSecondsMs)}`);
      return;
    case 'ready': {
      if (d.state !== 'STARTING' || d.stopRequested) return;
      const probe = d.cfg.ready;
      const last = d.readyResult?.error;
      const why =
        `ready probe (${probe?.kind ?? 'none'}) did not pass within ${seconds(d.cfg.startTimeoutMs)}` +
        (last ? ` (last: ${last})` : '');
      m.beginStop(why);
      d.failedStart = why;
      return;
    }
    case 'backoff':
      if (d.state !== 'BACKOFF' || m.ctx.shuttingDown) return;
      return m.launch(`retry ${d.failures} of ${d.cfg.startRetries}`);
    case 'kill':
      if (d.state !== 'STOPPING') return;
      m.fx.push({ type: 'kill-tree', pid: d.pgid });
      return;
    case 'group':
      if (d.state !== 'STOPPING' || d.pid !== null) return;
      if (!groupAlive) return m.finishStop();
      m.fx.push({ type: 'timer', timer: 'group', ms: GROUP_POLL_MS });
      return;
  }
}
