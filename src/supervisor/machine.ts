// The program machine: one pure function `step(data, event, context) -> (data, effects)` that
// holds every transition and every guard of a program's life. No timers, processes or I/O:
// program.ts runs the effects. Events of an older run are dropped by their run number.
import type { ProgramConfig } from '../config/types.js';
import type { ExitInfo, ProbeResult, State } from './api.js';
import { type RawExit, describeExit, isExpectedExit, seconds } from './exit-status.js';
import { RESTING_STATES, TRANSITIONS } from './program-state.js';
import { decideOnExit, failedStart } from './restart-policy.js';

/** The timers a program runs; each fires a `deadline` event carrying its run number. */
export type TimerKind = 'start' | 'ready' | 'backoff' | 'kill' | 'group';
export type ProbeName = 'ready' | 'live';

/** How often a requested stop polls for the rest of the process group after the leader exited. */
export const GROUP_POLL_MS = 50;

/** Everything the machine knows of one program. Immutable: `step` returns a new one. */
export interface ProgramData {
  readonly cfg: ProgramConfig;
  readonly state: State;
  /** Spawn counter: 0 before the first spawn; events of an older run are dropped. */
  readonly run: number;
  readonly pid: number | null;
  /** The current run's process group (its leader's pid); kept after the leader exits. */
  readonly pgid: number | null;
  readonly startedAt: number | null;
  readonly restarts: number;
  /** Consecutive failed starts; reset once a start sticks. */
  readonly failures: number;
  readonly ready: boolean;
  readonly healthy: boolean;
  readonly completed: boolean;
  /** Wanted running: the supervisor launches it once its dependencies allow. */
  readonly pending: boolean;
  readonly lastExit: ExitInfo | null;
  readonly nextRetryAt: number | null;
  readonly reason: string;
  /** The last spawn error's short cause ("ENOENT"), for one-line outcomes. */
  readonly spawnError: string | null;
  readonly readyResult: ProbeResult | null;
  readonly liveResult: ProbeResult | null;
  /** This run stayed up for start_seconds. */
  readonly stuck: boolean;
  /** This run is being stopped on purpose: its exit is no failure. */
  readonly stopRequested: boolean;
  /** This stop ends a start that failed (ready deadline): its reason; BACKOFF or FATAL follow. */
  readonly failedStart: string | null;
  /** This stop is a restart (failed live probe): its reason; a new run follows. */
  readonly restartAfterStop: string | null;
}

/** What may happen to a program: the supervisor's commands and the outcomes of its effects. */
export type ProgramEvent =
  | { readonly type: 'want' }
  | { readonly type: 'unwant' }
  | { readonly type: 'launch'; readonly reason: string }
  | { readonly type: 'cancel'; readonly reason: string }
  | { readonly type: 'kill' }
  | { readonly type: 'reconfigure'; readonly cfg: ProgramConfig; readonly want: boolean }
  | { readonly type: 'spawned'; readonly run: number; readonly pid: number }
  | {
      readonly type: 'spawn-failed';
      readonly run: number;
      readonly message: string;
      readonly short: string;
    }
  | {
      readonly type: 'exited';
      readonly run: number;
      readonly exit: RawExit;
      readonly groupAlive: boolean;
    }
  | {
      readonly type: 'probe';
      readonly run: number;
      readonly probe: ProbeName;
      readonly result: ProbeResult;
      readonly failures: number;
    }
  | {
      readonly type: 'deadline';
      readonly run: number;
      readonly timer: TimerKind;
      readonly groupAlive?: boolean;
    };

/** What the machine asks its runner to do, in order. */
export type Effect =
  | {
      readonly type: 'transition';
      readonly from: State;
      readonly to: State;
      readonly reason: string;
      readonly data: ProgramData;
    }
  | { readonly type: 'ready'; readonly ready: boolean }
  | { readonly type: 'spawn'; readonly run: number }
  | { readonly type: 'attach' }
  | { readonly type: 'signal'; readonly pid: number; readonly signal: NodeJS.Signals }
  | { readonly type: 'kill-tree'; readonly pid: number | null }
  | { readonly type: 'timer'; readonly timer: TimerKind; readonly ms: number }
  | { readonly type: 'clear'; readonly timers: readonly TimerKind[] }
  | { readonly type: 'probe-start'; readonly probe: ProbeName }
  | { readonly type: 'probe-stop'; readonly probe: ProbeName }
  | {
      readonly type: 'probed';
      readonly probe: ProbeName;
      readonly result: ProbeResult;
      readonly failures: number;
    }
  | { readonly type: 'spawned'; readonly pid: number }
  | { readonly type: 'spawn-failed'; readonly message: string }
  | {
      readonly type: 'exited';
      readonly exit: ExitInfo;
      readonly requested: boolean;
      readonly run: number;
    }
  | { readonly type: 'stopped' }
  | { readonly type: 'ignored'; readonly why: string };

/** Facts from outside the program that its decisions depend on. */
export interface StepContext {
  /** Epoch ms. */
  readonly now: number;
  /** apposd is shutting down: nothing is restarted any more. */
  readonly shuttingDown: boolean;
}

export interface Step {
  readonly data: ProgramData;
  readonly effects: readonly Effect[];
}

/** A program that has never run. */
export function initialData(cfg: ProgramConfig): ProgramData {
  return {
    cfg,
    state: 'STOPPED',
    run: 0,
    pid: null,
    pgid: null,
    startedAt: null,
    restarts: 0,
    failures: 0,
    ready: false,
    healthy: true,
    completed: false,
    pending: false,
    lastExit: null,
    nextRetryAt: null,
    reason: 'not started',
    spawnError: null,
    readyResult: null,
    liveResult: null,
    stuck: false,
    stopRequested: false,
    failedStart: null,
    restartAfterStop: null,
  };
}

/** Thrown inside a step only: the event is not allowed here; the step is discarded. */
class Illegal extends Error {}

const ALL_TIMERS_BUT_KILL: readonly TimerKind[] = ['start', 'ready', 'backoff', 'group'];

/** One step's working copy and its effects. */
class Draft {
  d: { -readonly [K in keyof ProgramData]: ProgramData[K] };
  readonly fx: Effect[] = [];

  constructor(
    data: ProgramData,
    readonly ctx: StepContext,
  ) {
    this.d = { ...data };
  }

  go(to: State, reason: string): void {
    const from = this.d.state;
    if (!TRANSITIONS[from].includes(to)) throw new Illegal(`${from} -> ${to}`);
    this.d.state = to;
    this.d.reason = reason;
    this.fx.push({ type: 'transition', from, to, reason, data: { ...this.d } });
  }

  setReady(ready: boolean): void {
    if (this.d.ready === ready) return;
    this.d.ready = ready;
    this.fx.push({ type: 'ready', ready });
  }

  /** Stops every timer but the kill deadline, and both probes. */
  quiet(): void {
    this.fx.push({ type: 'clear', timers: ALL_TIMERS_BUT_KILL });
    this.fx.push({ type: 'probe-stop', probe: 'ready' }, { type: 'probe-stop', probe: 'live' });
  }

  get waitsForReadyProbe(): boolean {
    return this.d.cfg.ready !== undefined && this.d.cfg.kind === 'daemon';
  }

  launch(reason: string): void {
    if (!RESTING_STATES.has(this.d.state) && this.d.state !== 'BACKOFF')
      throw new Illegal('launch');
    this.quiet();
    const d = this.d;
    d.run += 1;
    if (d.run > 1) d.restarts += 1;
    d.pid = null;
    d.pgid = null;
    d.pending = false;
    d.stuck = false;
    d.completed = false;
    d.stopRequested = false;
    d.failedStart = null;
    d.restartAfterStop = null;
    d.nextRetryAt = null;
    d.spawnError = null;
    d.healthy = true;
    d.readyResult = null;
    d.liveResult = null;
    this.go('STARTING', reason);
    this.fx.push({ type: 'spawn', run: d.run });
  }

  /** Begins stopping the current run: stop signal now, SIGKILL of the tree at stop_timeout. */
  beginStop(reason: string): void {
    this.d.pending = false;
    this.d.stopRequested = true;
    this.quiet();
    this.setReady(false);
    this.go('STOPPING', reason);
    if (this.d.pid !== null) {
      this.fx.push({ type: 'signal', pid: this.d.pid, signal: this.d.cfg.stopSignal });
    }
    this.fx.push(
      { type: 'clear', timers: ['kill'] },
      { type: 'timer', timer: 'kill', ms: this.d.cfg.stopTimeoutMs },
    );
  }

  becomeRunning(reason: string): void {
    this.fx.push({ type: 'probe-stop', probe: 'ready' }, { type: 'clear', timers: ['ready'] });
    if (this.d.stuck) this.d.failures = 0;
    this.go('RUNNING', reason);
    if (this.d.cfg.kind === 'daemon') this.setReady(true);
    if (this.d.cfg.live) this.fx.push({ type: 'probe-start', probe: 'live' });
  }

  /** The leader and its group are gone after a requested stop. */
  finishStop(): void {
    this.fx.push({ type: 'clear', timers: ['kill'] });
    this.quiet();
    const d = this.d;
    d.stopRequested = false;
    const failed = this.ctx.shuttingDown ? null : d.failedStart;
    const restart = this.ctx.shuttingDown ? null : d.restartAfterStop;
    d.failedStart = null;
    d.restartAfterStop = null;
    if (failed !== null) {
      this.startFailed(failed);
    } else {
      this.go('STOPPED', `stopped (${d.lastExit ? describeExit(d.lastExit) : 'never ran'})`);
    }
    this.fx.push({ type: 'stopped' });
    if (restart !== null) this.launch(`restart: ${restart}`);
  }

  /** A start that did not stick for a reason other than an exit: retry later, or give up. */
  startFailed(why: string): void {
    const decision = failedStart(this.d.cfg, this.d.failures);
    this.d.failures = decision.failures;
    if (decision.next === 'fatal') {
      this.go(
        'FATAL',
        decision.failures === 1 ? why : `${why}; gave up after ${decision.failures} attempts`,
      );
    } else {
      this.backoff(decision.delayMs, why);
    }
  }

  backoff(delayMs: number, why: string): void {
    const { cfg, failures } = this.d;
    this.d.nextRetryAt = this.ctx.now + delayMs;
    this.go('BACKOFF', `${why}; retry ${failures} of ${cfg.startRetries} in ${seconds(delayMs)}`);
    this.fx.push({ type: 'timer', timer: 'backoff', ms: delayMs });
  }
}

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

function probed(m: Draft, probe: ProbeName, result: ProbeResult, failures: number): void {
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
  d.healthy = false;
  const why = `live probe failed ${failures} times: ${result.error ?? 'failed'}`;
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
