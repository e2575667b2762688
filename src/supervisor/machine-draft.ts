// The machine's working copy of one step: the moves every event handler shares (go, launch,
// begin a stop, finish it, back off), collecting the effects in order. Used by machine.ts only.
import type { State } from './api.js';
import { describeExit, seconds } from './exit-status.js';
import type { Effect, ProgramData, StepContext, TimerKind } from './machine-types.js';
import { RESTING_STATES } from '../wire/shapes.js';
import { TRANSITIONS } from './program-state.js';
import { failedStart } from './restart-policy.js';

/** Thrown inside a step only: the event is not allowed here; the step is discarded. */
export class Illegal extends Error {}

const ALL_TIMERS_BUT_KILL: readonly TimerKind[] = ['start', 'ready', 'backoff', 'group'];

/** One step's working copy and its effects. */
export class Draft {
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
