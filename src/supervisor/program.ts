// One supervised program: feeds events to the pure machine (machine.ts) one at a time and runs
// the effects it returns (timers, spawner, probes, output). Owns its fields privately; the
// supervisor only sends events and reads status.
import type { ProgramConfig } from '../config/types.js';
import type { ProbeOutcome } from '../probes/types.js';
import type { ExitInfo, OutputSink, ProgramStatus, State } from './api.js';
import type { UpstreamOutcome } from './api.js';
import { step } from './machine.js';
import {
  type Effect,
  type ProbeName,
  type ProgramData,
  type ProgramEvent,
  type TimerKind,
  initialData,
  statusOf,
} from './machine-types.js';
import { RESTING_STATES } from '../wire/shapes.js';
import { type ChildHandle, SpawnError, type Spawner } from './spawner.js';
import { UpstreamEvidence } from './upstream-evidence.js';

/** One state change: which run moved, from where to where, and why. */
export interface Move {
  readonly run: number;
  readonly from: State;
  readonly to: State;
  readonly reason: string;
}

/** How a program talks back to its supervisor. */
export interface ProgramHooks {
  /** A state change of run `run`, with the program's status as it was right after it. */
  transition(p: Program, move: Move, status: ProgramStatus): void;
  readyChanged(p: Program, ready: boolean): void;
  probe(p: Program, probe: ProbeName, result: ProbeOutcome, failures: number): void;
  /** Called when a process ends up spawned, with its pid, or when a spawn failed. */
  spawned(p: Program, pid: number | null, error?: string): void;
  exited(p: Program, exit: ExitInfo, requested: boolean, run: number): void;
  /** An event the machine does not allow in the current state was dropped. */
  ignored(p: Program, why: string): void;
  /** Every effect of one event has run; `moved` tells whether the state changed. */
  settled(p: Program, moved: boolean): void;
}

/** A running probe, as program.ts needs it (ProbeRunner, or a unit test's fake). */
export interface ProbeHandle {
  start(): void;
  stop(): void;
  /** Changes the time between checks (the ready probe's ramp). */
  setInterval(ms: number): void;
  readonly intervalMs: number;
}

/** Makes the probe runner for one of a program's probes. */
export type ProbeFactory = (
  cfg: NonNullable<ProgramConfig['ready']>,
  onResult: (result: ProbeOutcome, failures: number) => void,
) => ProbeHandle;

export interface ProgramDeps {
  spawner: Spawner;
  sink: OutputSink;
  hooks: ProgramHooks;
  /** True once apposd is shutting down: nothing is restarted any more. */
  isStopping: () => boolean;
  /** Makes the program's probe runners (the supervisor's real ProbeRunner, or a fake). */
  probes: ProbeFactory;
}

/** The first ready-probe interval (see {@link readyRampMs}). */
const READY_RAMP_START_MS = 25;
/** The ready probe's step while a start is young: a program ready at 160 ms is seen at 175. */
const READY_RAMP_FLAT_MS = 100;
/** Checks at that step (with the first two, about the first 2 s of a start). */
const READY_RAMP_FLAT_CHECKS = 20;

/**
 * The time before a starting program's next ready check, after `failed` failed ones: 25 ms,
 * 50 ms, then every 100 ms for about 2 s, then doubling up to the probe's `interval`. Doubling
 * from the start would see a program ready at 180 ms only at 375 ms.
 */
function readyRampMs(failed: number, intervalMs: number): number {
  let ms = READY_RAMP_START_MS;
  for (let i = 1; i <= failed && ms < intervalMs; i++) {
    ms = i < READY_RAMP_FLAT_CHECKS && ms >= READY_RAMP_FLAT_MS ? ms : ms * 2;
  }
  return Math.min(ms, intervalMs);
}

/** A program and its current run. Created and driven by the Supervisor only. */
export class Program {
  #data: ProgramData;
  readonly #deps: ProgramDeps;
  readonly #probes: ProbeFactory;
  readonly #queue: ProgramEvent[] = [];
  #busy = false;
  readonly #timers = new Map<TimerKind, NodeJS.Timeout>();
  readonly #runners = new Map<ProbeName, ProbeHandle>();
  #child: ChildHandle | null = null;
  #stopWaiters: (() => void)[] = [];
  readonly #evidence = new UpstreamEvidence();

  constructor(cfg: ProgramConfig, deps: ProgramDeps) {
    this.#data = initialData(cfg);
    this.#deps = deps;
    this.#probes = deps.probes;
  }

  get name(): string {
    return this.#data.cfg.name;
  }
  get cfg(): ProgramConfig {
    return this.#data.cfg;
  }
  get state(): State {
    return this.#data.state;
  }
  /** Spawn counter (1, 2, ...); 0 before the first spawn. */
  get run(): number {
    return this.#data.run;
  }
  get pending(): boolean {
    return this.#data.pending;
  }
  get completed(): boolean {
    return this.#data.completed;
  }
  get ready(): boolean {
    return this.#data.ready;
  }
  get reason(): string {
    return this.#data.reason;
  }
  get spawnError(): string | null {
    return this.#data.spawnError;
  }
  /** True when no process runs and nothing is scheduled. */
  get resting(): boolean {
    return RESTING_STATES.has(this.#data.state);
  }

  status(): ProgramStatus {
    return statusOf(this.#data);
  }

  /** Hands one event to the machine; events sent while one is being handled queue behind it. */
  send(event: ProgramEvent): void {
    this.#queue.push(event);
    if (this.#busy) return;
    this.#busy = true;
    try {
      for (let e = this.#queue.shift(); e; e = this.#queue.shift()) this.#handle(e);
    } finally {
      this.#busy = false;
    }
  }

  /** Stops the program's process group; resolves once nothing of it runs. */
  stop(reason: string): Promise<void> {
    this.send({ type: 'cancel', reason });
    if (this.#data.state !== 'STOPPING') return Promise.resolve();
    return new Promise((resolve) => this.#stopWaiters.push(resolve));
  }

  /**
   * The edge's evidence on this program's upstream: `failAfter` failures in a row of a RUNNING
   * run become an `upstream` event. Requests cut by its own stop or crash are no news.
   */
  report(outcome: UpstreamOutcome, failAfter: number): void {
    if (this.#data.state !== 'RUNNING') return;
    const run = this.#data.run;
    const failures = this.#evidence.record(run, outcome, failAfter);
    if (failures !== null) this.send({ type: 'upstream', run, failures, outcome });
  }

  /** Sends a signal to the program's process group. */
  signal(sig: NodeJS.Signals): boolean {
    const pid = this.#data.pid;
    return pid !== null && this.#deps.spawner.signalGroup(pid, sig);
  }

  /** Cancels timers and probes for good (the program is being removed, or apposd exits). */
  dispose(): void {
    for (const t of this.#timers.values()) clearTimeout(t);
    this.#timers.clear();
    for (const r of this.#runners.values()) r.stop();
    this.#runners.clear();
  }

  #handle(event: ProgramEvent): void {
    const before = this.#data.state;
    const { data, effects } = step(this.#data, event, {
      now: Date.now(),
      shuttingDown: this.#deps.isStopping(),
    });
    this.#data = data;
    let moved = false;
    for (const fx of effects) {
      if (fx.type === 'transition') moved = true;
      this.#run(fx);
    }
    if (moved || before !== this.#data.state) this.#deps.hooks.settled(this, true);
    else if (effects.length > 0) this.#deps.hooks.settled(this, false);
  }

  #run(fx: Effect): void {
    const { hooks, spawner, sink } = this.#deps;
    switch (fx.type) {
      case 'transition':
        return hooks.transition(
          this,
          { run: fx.data.run, from: fx.from, to: fx.to, reason: fx.reason },
          statusOf(fx.data),
        );
      case 'ready':
        return hooks.readyChanged(this, fx.ready);
      case 'spawn':
        return this.#spawn(fx.run);
      case 'attach': {
        const child = this.#child;
        if (!child) return;
        sink.attach(this.name, 'stdout', child.stdout);
        sink.attach(this.name, 'stderr', child.stderr);
        return;
      }
      case 'signal':
        spawner.signalGroup(fx.pid, fx.signal);
        return;
      case 'kill-tree':
        spawner.killTree(fx.pid, this.name);
        return;
      case 'timer':
        return this.#startTimer(fx.timer, fx.ms);
      case 'clear':
        for (const kind of fx.timers) {
          clearTimeout(this.#timers.get(kind));
          this.#timers.delete(kind);
        }
        return;
      case 'probe-start':
        return this.#startProbe(fx.probe);
      case 'probe-stop':
        this.#runners.get(fx.probe)?.stop();
        this.#runners.delete(fx.probe);
        return;
      case 'probed':
        return hooks.probe(this, fx.probe, fx.result, fx.failures);
      case 'spawned':
        return hooks.spawned(this, fx.pid);
      case 'spawn-failed':
        return hooks.spawned(this, null, fx.message);
      case 'exited':
        return hooks.exited(this, fx.exit, fx.requested, fx.run);
      case 'stopped': {
        const waiters = this.#stopWaiters;
        this.#stopWaiters = [];
        for (const w of waiters) w();
        return;
      }
      case 'ignored':
        return hooks.ignored(this, fx.why);
    }
  }

  #spawn(run: number): void {
    const spawner = this.#deps.spawner;
    spawner.spawn(this.#data.cfg).then(
      (child) => {
        this.#child = child;
        void child.exit.then((exit) =>
          this.send({ type: 'exited', run, exit, groupAlive: spawner.groupAlive(child.pid) }),
        );
        this.send({ type: 'spawned', run, pid: child.pid });
        this.#child = null;
      },
      (err: unknown) => {
        const e = err instanceof SpawnError ? err : new SpawnError(String(err), 'error');
        this.send({ type: 'spawn-failed', run, message: e.message, short: e.short });
      },
    );
  }

  #startTimer(kind: TimerKind, ms: number): void {
    clearTimeout(this.#timers.get(kind));
    const run = this.#data.run;
    const timer = setTimeout(() => {
      this.#timers.delete(kind);
      const groupAlive =
        kind === 'group' && this.#data.pgid !== null
          ? this.#deps.spawner.groupAlive(this.#data.pgid)
          : false;
      this.send({ type: 'deadline', run, timer: kind, groupAlive });
    }, ms);
    this.#timers.set(kind, timer);
  }

  #startProbe(which: ProbeName): void {
    const cfg = this.#data.cfg[which];
    if (!cfg) return;
    this.#runners.get(which)?.stop();
    const run = this.#data.run;
    // Dependents wait on the ready probe: check early and often at first, then back off to
    // the configured interval (readyRampMs).
    const ramp = which === 'ready';
    const first = ramp ? { ...cfg, intervalMs: readyRampMs(0, cfg.intervalMs) } : cfg;
    let failed = 0;
    const runner = this.#probes(first, (result, failures) => {
      if (ramp && !result.ok) runner.setInterval(readyRampMs(++failed, cfg.intervalMs));
      this.send({ type: 'probe', run, probe: which, result, failures });
    });
    this.#runners.set(which, runner);
    runner.start();
  }
}
