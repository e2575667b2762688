// One supervised program: its process runs (numbered), timers, probes and the decisions taken
// when its process exits. Every state change goes through the transition table and is handed
// to the supervisor, which journals it, emits it and reacts (dependencies, critical exits).
import type { ProgramConfig } from '../config/types.js';
import { ProbeRunner } from '../probes/runner.js';
import type { ExitInfo, OutputSink, ProbeResult, ProgramStatus, State } from './api.js';
import { type RawExit, describeExit, isExpectedExit, seconds } from './exit-status.js';
import { RESTING_STATES, transition } from './program-state.js';
import { decideOnExit } from './restart-policy.js';
import { type ChildHandle, SpawnError, type Spawner } from './spawner.js';

/** How a program talks back to its supervisor. */
export interface ProgramHooks {
  transition(p: Program, from: State, to: State, reason: string): void;
  readyChanged(p: Program, ready: boolean): void;
  probe(p: Program, probe: 'ready' | 'live', result: ProbeResult, failures: number): void;
  /** Called when a process ends up spawned, with its pid, or when a spawn failed. */
  spawned(p: Program, pid: number | null, error?: SpawnError): void;
  exited(p: Program, exit: ExitInfo, requested: boolean): void;
}

export interface ProgramDeps {
  spawner: Spawner;
  sink: OutputSink;
  hooks: ProgramHooks;
  /** True once apposd is shutting down: nothing is restarted any more. */
  isStopping: () => boolean;
}

const GROUP_POLL_MS = 50;
/** The first ready-probe interval; it doubles up to the probe's own interval. */
const READY_RAMP_START_MS = 25;

/** A program and its current run. Created and driven by the Supervisor only. */
export class Program {
  state: State = 'STOPPED';
  /** Spawn counter: events of an older run are dropped. */
  run = 0;
  pid: number | null = null;
  startedAt: number | null = null;
  restarts = 0;
  /** Consecutive failed starts; reset once a start sticks. */
  failures = 0;
  ready = false;
  healthy = true;
  completed = false;
  lastExit: ExitInfo | null = null;
  nextRetryAt: number | null = null;
  reason = 'not started';
  /** The last spawn error's short cause ("ENOENT"), for one-line outcomes. */
  spawnError: string | null = null;
  /** Wanted running: the supervisor starts it once its dependencies allow. */
  pending = false;
  /** Set by the supervisor while `pending` waits on dependencies. */
  waiting: string | null = null;
  readyResult: ProbeResult | null = null;
  liveResult: ProbeResult | null = null;

  private stuck = false;
  private stopRequested = false;
  private timer: NodeJS.Timeout | null = null;
  private killTimer: NodeJS.Timeout | null = null;
  private readyRunner: ProbeRunner | null = null;
  private liveRunner: ProbeRunner | null = null;
  private stopWaiters: (() => void)[] = [];

  constructor(
    public cfg: ProgramConfig,
    private readonly deps: ProgramDeps,
  ) {}

  get name(): string {
    return this.cfg.name;
  }

  /** True when no process runs and nothing is scheduled. */
  get resting(): boolean {
    return RESTING_STATES.has(this.state);
  }

  status(): ProgramStatus {
    const reason =
      this.state === 'STOPPED' && this.pending && this.waiting ? this.waiting : this.reason;
    return {
      name: this.name,
      kind: this.cfg.kind,
      state: this.state,
      ready: this.ready,
      healthy: this.healthy,
      pid: this.pid,
      startedAt: this.pid === null ? null : this.startedAt,
      restarts: this.restarts,
      critical: this.cfg.critical,
      lastExit: this.lastExit,
      nextRetryAt: this.nextRetryAt,
      reason,
      completed: this.completed,
      pending: this.pending,
      readyProbe: this.readyResult,
      liveProbe: this.liveResult,
    };
  }

  private to(next: State, reason: string): void {
    const from = this.state;
    this.state = transition(from, next);
    this.reason = reason;
    this.deps.hooks.transition(this, from, next, reason);
  }

  private setReady(ready: boolean): void {
    if (this.ready === ready) return;
    this.ready = ready;
    this.deps.hooks.readyChanged(this, ready);
  }

  private clearTimers(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.readyRunner?.stop();
    this.readyRunner = null;
    this.liveRunner?.stop();
    this.liveRunner = null;
  }

  /** Spawns a new run. Allowed from STOPPED, EXITED, FATAL and BACKOFF. */
  launch(reason: string): void {
    this.clearTimers();
    this.run += 1;
    if (this.run > 1) this.restarts += 1;
    const run = this.run;
    this.stuck = false;
    this.completed = false;
    this.stopRequested = false;
    this.nextRetryAt = null;
    this.spawnError = null;
    this.healthy = true;
    this.readyResult = null;
    this.liveResult = null;
    this.to('STARTING', reason);
    this.deps.spawner.spawn(this.cfg).then(
      (child) => this.onSpawned(run, child),
      (err: unknown) => this.onSpawnFailed(run, err),
    );
  }

  private onSpawnFailed(run: number, err: unknown): void {
    if (run !== this.run) return;
    const e = err instanceof SpawnError ? err : new SpawnError(String(err), 'error');
    this.spawnError = e.short;
    this.deps.hooks.spawned(this, null, e);
    if (this.state === 'STOPPING') return this.finishStop();
    this.failures += 1;
    this.to('FATAL', e.message);
  }

  private onSpawned(run: number, child: ChildHandle): void {
    if (run !== this.run) {
      this.deps.spawner.killTree(child.pid, this.name);
      return;
    }
    this.pid = child.pid;
    this.startedAt = Date.now();
    this.deps.sink.attach(this.name, 'stdout', child.stdout);
    this.deps.sink.attach(this.name, 'stderr', child.stderr);
    void child.exit.then((raw) => this.onExit(run, child.pid, raw));
    this.deps.hooks.spawned(this, child.pid);
    if (this.stopRequested) {
      this.deps.spawner.signalGroup(child.pid, this.cfg.stopSignal);
      return;
    }
    this.timer = setTimeout(() => this.onStuck(run), this.cfg.startSecondsMs);
    const probe = this.cfg.ready;
    if (probe && this.cfg.kind === 'daemon') {
      // Dependents wait on this probe: check early and often at first, then back off to the
      // configured interval (25 ms, 50 ms, 100 ms ... interval).
      const first = Math.min(READY_RAMP_START_MS, probe.intervalMs);
      const runner = new ProbeRunner({ ...probe, intervalMs: first }, (result, failures) => {
        if (run !== this.run || this.state !== 'STARTING') return;
        this.readyResult = result;
        this.deps.hooks.probe(this, 'ready', result, failures);
        if (result.ok) return this.becomeRunning(run, 'ready probe passed');
        this.reason = `waiting for ready probe: ${result.error ?? 'failed'}`;
        runner.setInterval(Math.min(runner.intervalMs * 2, probe.intervalMs));
      });
      this.readyRunner = runner;
      runner.start();
    }
  }

  private onStuck(run: number): void {
    if (run !== this.run) return;
    this.timer = null;
    this.stuck = true;
    this.failures = 0;
    if (this.state === 'STARTING' && !(this.cfg.ready && this.cfg.kind === 'daemon')) {
      this.becomeRunning(run, `up for ${seconds(this.cfg.startSecondsMs)}`);
    }
  }

  private becomeRunning(run: number, reason: string): void {
    this.readyRunner?.stop();
    this.readyRunner = null;
    this.to('RUNNING', reason);
    if (this.cfg.kind === 'daemon') this.setReady(true);
    const live = this.cfg.live;
    if (live) {
      this.liveRunner = new ProbeRunner(live, (result, failures) => {
        if (run !== this.run || this.state !== 'RUNNING') return;
        this.liveResult = result;
        this.deps.hooks.probe(this, 'live', result, failures);
        if (result.ok) {
          this.healthy = true;
        } else if (failures >= live.retries) {
          this.healthy = false;
          void this.restartFor(`live probe failed ${failures} times: ${result.error ?? 'failed'}`);
        }
      });
      this.liveRunner.start();
    }
  }

  private async restartFor(reason: string): Promise<void> {
    await this.stop(reason);
    if (this.state === 'STOPPED' && !this.deps.isStopping()) this.launch(`restart: ${reason}`);
  }

  private onExit(run: number, pid: number, raw: RawExit): void {
    if (run !== this.run) return;
    this.clearTimers();
    this.pid = null;
    this.setReady(false);
    const expected = isExpectedExit(raw, this.cfg.exitCodes);
    const exit: ExitInfo = { code: raw.code, signal: raw.signal, at: Date.now(), expected };
    this.lastExit = exit;
    const requested = this.stopRequested;
    this.deps.hooks.exited(this, exit, requested);
    if (requested) return this.awaitGroup(pid);
    // Nobody asked for this exit: whatever the program left in its group goes with it.
    if (this.deps.spawner.groupAlive(pid)) this.deps.spawner.killTree(pid, this.name);
    const how = describeExit(raw);
    if (this.deps.isStopping()) {
      this.to('EXITED', `exited during shutdown (${how})`);
      return;
    }
    const d = decideOnExit(this.cfg, {
      stuck: this.stuck,
      expected,
      failures: this.failures,
    });
    switch (d.next) {
      case 'restart':
        this.failures = 0;
        this.to('EXITED', `exited (${how})`);
        this.launch(`restart after ${how}`);
        return;
      case 'backoff': {
        this.failures = d.failures;
        this.nextRetryAt = Date.now() + d.delayMs;
        this.to(
          'BACKOFF',
          `exited too quickly (${how}); retry ${d.failures} of ${this.cfg.startRetries} in ${seconds(d.delayMs)}`,
        );
        this.timer = setTimeout(() => {
          this.timer = null;
          if (this.state === 'BACKOFF' && !this.deps.isStopping())
            this.launch(`retry ${d.failures} of ${this.cfg.startRetries}`);
        }, d.delayMs);
        return;
      }
      case 'exited':
        this.completed = d.completed;
        this.to('EXITED', d.completed ? `completed (${how})` : `exited (${how})`);
        return;
      case 'fatal':
        this.failures = d.failures;
        this.to(
          'FATAL',
          this.cfg.restart === 'never' || d.failures === 1
            ? `exited (${how})`
            : `exited (${how}); gave up after ${d.failures} attempts`,
        );
        return;
    }
  }

  /** Stops the program's process group; resolves once nothing of it runs. */
  stop(reason: string): Promise<void> {
    switch (this.state) {
      case 'STOPPED':
      case 'EXITED':
      case 'FATAL':
        this.pending = false;
        return Promise.resolve();
      case 'BACKOFF':
        this.pending = false;
        this.clearTimers();
        this.nextRetryAt = null;
        this.to('STOPPED', reason);
        return Promise.resolve();
      case 'STOPPING':
        return new Promise((resolve) => this.stopWaiters.push(resolve));
      case 'STARTING':
      case 'RUNNING': {
        this.pending = false;
        this.stopRequested = true;
        this.clearTimers();
        this.setReady(false);
        this.to('STOPPING', reason);
        if (this.pid !== null) this.deps.spawner.signalGroup(this.pid, this.cfg.stopSignal);
        const leader = this.pid;
        this.killTimer = setTimeout(() => {
          this.killTimer = null;
          this.deps.spawner.killTree(leader ?? this.pid, this.name);
        }, this.cfg.stopTimeoutMs);
        return new Promise((resolve) => this.stopWaiters.push(resolve));
      }
    }
  }

  /** After the leader exited on request: wait until its group is empty too. */
  private awaitGroup(pgid: number): void {
    if (!this.deps.spawner.groupAlive(pgid)) return this.finishStop();
    this.timer = setTimeout(() => {
      this.timer = null;
      if (this.state === 'STOPPING') this.awaitGroup(pgid);
    }, GROUP_POLL_MS);
  }

  private finishStop(): void {
    if (this.killTimer) clearTimeout(this.killTimer);
    this.killTimer = null;
    this.clearTimers();
    this.stopRequested = false;
    const how = this.lastExit ? describeExit(this.lastExit) : 'never ran';
    this.to('STOPPED', `stopped (${how})`);
    const waiters = this.stopWaiters;
    this.stopWaiters = [];
    for (const w of waiters) w();
  }

  /** SIGKILLs the whole tree now (the shutdown deadline passed). */
  kill(): void {
    this.deps.spawner.killTree(this.pid, this.name);
  }

  /** Sends a signal to the program's process group. */
  signal(sig: NodeJS.Signals): boolean {
    return this.pid !== null && this.deps.spawner.signalGroup(this.pid, sig);
  }

  /** Cancels timers and probes for good (the program is being removed). */
  dispose(): void {
    this.clearTimers();
    if (this.killTimer) clearTimeout(this.killTimer);
  }
}
