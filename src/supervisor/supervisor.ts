// The supervisor: owns the programs and sends them events. It starts them in dependency order
// as their dependencies become satisfied, journals and emits every transition, stops everything
// in reverse order on shutdown (shutdown.ts) and decides apposd's exit code. Knows nothing of HTTP.
import { diffPrograms } from '../config/diff.js';
import type { ProgramConfig } from '../config/types.js';
import { ERRORS, type ErrorCode } from '../errors.js';
import type { SignalHost } from '../host.js';
import { ProbeRunner } from '../probes/runner.js';
import type {
  ActionResult,
  EventLogger,
  JournalEntry,
  OutputSink,
  ProgramStatus,
  ReloadResult,
  SupervisorApi,
  SupervisorEvent,
  UpstreamOutcome,
} from './api.js';
import { neededForStart } from './dependencies.js';
import { EventHub } from './event-hub.js';
import { eventLog } from './event-log.js';
import { Journal } from './journal.js';
import { awaitOutcome } from './outcome.js';
import { startOrder } from './order.js';
import { type ProbeFactory, Program, type ProgramHooks } from './program.js';
import { criticalEnd, programHooks } from './program-hooks.js';
import { Scheduler } from './scheduler.js';
import { stopEverything } from './shutdown.js';
import { type Spawner, osSpawner } from './spawner.js';

export interface SupervisorOptions {
  programs: readonly ProgramConfig[];
  shutdownTimeoutMs: number;
  sink: OutputSink;
  logger: EventLogger;
  /** apposd's pid and kill, for the default spawner and the probes. */
  host: SignalHost;
  /** Default: the OS spawner; unit tests pass a fake. */
  spawner?: Spawner;
  /** Default: real ProbeRunners; unit tests pass fakes. */
  probes?: ProbeFactory;
  journalSize?: number;
}

/** How long start/stop/restart wait for an outcome unless told otherwise. */
const ACTION_TIMEOUT_MS = 60_000;

/** Supervises a set of programs; see SupervisorApi for what the rest of apposd may call. */
export class Supervisor implements SupervisorApi {
  readonly startedAt = Date.now();
  #stopping = false;
  private readonly programs = new Map<string, Program>();
  private order: Program[] = [];
  private readonly events: EventHub;
  private readonly journalLog: Journal;
  private readonly scheduler = new Scheduler(
    () => this.order,
    (name) => this.programs.get(name),
    () => this.#stopping,
  );
  private shutdownPromise: Promise<number> | null = null;
  private resolveDone: (code: number) => void = () => undefined;
  /** Settles with apposd's exit code once a shutdown (asked for, or critical) has finished. */
  readonly done = new Promise<number>((resolve) => {
    this.resolveDone = resolve;
  });
  private readonly spawner: Spawner;
  private readonly probes: ProbeFactory;
  private readonly hooks: ProgramHooks;
  private drain: (budgetMs: number) => Promise<void> = () => Promise.resolve();

  constructor(private readonly opts: SupervisorOptions) {
    this.spawner = opts.spawner ?? osSpawner(opts.host);
    this.probes = opts.probes ?? ((cfg, onResult) => new ProbeRunner(cfg, opts.host, onResult));
    this.journalLog = new Journal(opts.journalSize ?? 2000);
    this.events = new EventHub(opts.logger);
    this.hooks = programHooks({
      journal: this.journalLog,
      log: eventLog(opts.logger),
      emit: (event) => this.events.emit(event),
      statusOf: (p, status) => this.statusOf(p, status),
      settled: (p) => this.afterStep(p),
    });
    for (const cfg of opts.programs) this.programs.set(cfg.name, this.makeProgram(cfg));
    this.reorder();
  }

  /** True once shutdown has begun. */
  get stopping(): boolean {
    return this.#stopping;
  }

  private makeProgram(cfg: ProgramConfig): Program {
    return new Program(cfg, {
      spawner: this.spawner,
      sink: this.opts.sink,
      hooks: this.hooks,
      isStopping: () => this.#stopping,
      probes: this.probes,
    });
  }

  private readonly lookup = (name: string): Program | undefined => this.programs.get(name);

  private reorder(): void {
    this.order = startOrder([...this.programs.values()].map((p) => p.cfg)).map(
      (cfg) => this.programs.get(cfg.name) as Program,
    );
  }

  /** Starts every autostart program (each once its dependencies allow). */
  boot(): void {
    for (const p of this.order) if (p.cfg.autostart) p.send({ type: 'want' });
    this.scheduler.run();
  }

  /** A program's status, with the dependency it waits for as its reason. */
  private statusOf(p: Program, s: ProgramStatus = p.status()): ProgramStatus {
    const waiting = this.scheduler.waitingFor(p.name);
    return s.state === 'STOPPED' && s.pending === true && waiting ? { ...s, reason: waiting } : s;
  }

  /** After every event a program handled: a critical program's end, then what may start now. */
  private afterStep(p: Program): void {
    const end = this.#stopping ? null : criticalEnd(p);
    if (end !== null) {
      void this.shutdown(
        ERRORS.APPOS_ERR_CRITICAL_FATAL.exit,
        `critical program ${p.name} ${end}`,
        'APPOS_ERR_CRITICAL_FATAL',
      );
    }
    this.scheduler.run();
  }

  status(names?: readonly string[]): ProgramStatus[] {
    if (!names || names.length === 0) return this.order.map((p) => this.statusOf(p));
    const out: ProgramStatus[] = [];
    for (const n of names) {
      const p = this.programs.get(n);
      if (p) out.push(this.statusOf(p));
    }
    return out;
  }

  get(name: string): ProgramStatus | undefined {
    const p = this.programs.get(name);
    return p && this.statusOf(p);
  }

  names(): string[] {
    return this.order.map((p) => p.name);
  }

  journal(name?: string, limit = 100): JournalEntry[] {
    return this.journalLog.list(name, limit);
  }

  note(name: string, reason: string): void {
    const p = this.programs.get(name);
    if (!p) return;
    this.journalLog.record({
      at: Date.now(),
      program: name,
      run: p.run,
      from: p.state,
      to: p.state,
      reason,
    });
  }

  subscribe(listener: (event: SupervisorEvent) => void): () => void {
    return this.events.subscribe(listener);
  }

  async start(name: string, timeoutMs = ACTION_TIMEOUT_MS): Promise<ActionResult> {
    const p = this.programs.get(name);
    if (!p) return { name, ok: false, message: 'no such program' };
    if (this.#stopping) return { name, ok: false, message: 'apposd is shutting down' };
    if (p.state === 'RUNNING') return { name, ok: false, message: 'already started' };
    if (p.state === 'STOPPING') await this.stopProgram(p, 'stop before start');
    if (p.resting) {
      for (const q of neededForStart(p, this.lookup)) q.send({ type: 'want' });
      this.scheduler.run();
    }
    return awaitOutcome(p, {
      timeoutMs,
      lookup: this.lookup,
      waiting: (name) => this.scheduler.waitingFor(name),
      subscribe: (l) => this.subscribe(l),
    });
  }

  private stopProgram(p: Program, reason: string): Promise<void> {
    this.scheduler.forget(p.name);
    return p.stop(reason);
  }

  async stop(name: string, _timeoutMs = ACTION_TIMEOUT_MS): Promise<ActionResult> {
    const p = this.programs.get(name);
    if (!p) return { name, ok: false, message: 'no such program' };
    if (p.resting && !p.pending) return { name, ok: false, message: 'not running' };
    await this.stopProgram(p, 'stop requested');
    return { name, ok: true, message: 'stopped' };
  }

  async restart(name: string, timeoutMs = ACTION_TIMEOUT_MS): Promise<ActionResult> {
    const p = this.programs.get(name);
    if (!p) return { name, ok: false, message: 'no such program' };
    if (this.#stopping) return { name, ok: false, message: 'apposd is shutting down' };
    await this.stopProgram(p, 'restart requested');
    const r = await this.start(name, timeoutMs);
    return r.ok ? { name, ok: true, message: 'restarted' } : r;
  }

  signal(name: string, signal: NodeJS.Signals): ActionResult {
    const p = this.programs.get(name);
    if (!p) return { name, ok: false, message: 'no such program' };
    if (!p.signal(signal)) return { name, ok: false, message: 'not running' };
    return { name, ok: true, message: `signalled ${signal}` };
  }

  reportUpstream(program: string, outcome: UpstreamOutcome, failAfter: number): void {
    if (!this.#stopping) this.programs.get(program)?.report(outcome, failAfter);
  }

  async reload(programs: readonly ProgramConfig[]): Promise<ReloadResult> {
    const current = this.order.map((p) => p.cfg);
    const diff = diffPrograms(current, programs);
    const next = new Map(programs.map((c) => [c.name, c]));
    const leaving = new Set([...diff.removed, ...diff.changed]);
    for (const p of [...this.order].reverse()) {
      if (leaving.has(p.name)) await this.stopProgram(p, 'config changed by reload');
    }
    for (const name of diff.removed) {
      this.programs.get(name)?.dispose();
      this.programs.delete(name);
      this.scheduler.forget(name);
      await this.opts.sink.close(name).catch(() => undefined);
    }
    for (const name of diff.changed) {
      const cfg = next.get(name) as ProgramConfig;
      const want = cfg.autostart && !this.#stopping;
      this.programs.get(name)?.send({ type: 'reconfigure', cfg, want });
    }
    for (const name of diff.added) {
      const p = this.makeProgram(next.get(name) as ProgramConfig);
      this.programs.set(name, p);
      if (p.cfg.autostart && !this.#stopping) p.send({ type: 'want' });
    }
    this.reorder();
    this.scheduler.run();
    return { added: diff.added, changed: diff.changed, removed: diff.removed };
  }

  /**
   * Stops every program in reverse start order, each with its stop signal and stop_timeout;
   * at the global shutdown deadline everything left is SIGKILLed. Resolves with the exit code
   * apposd should use. Idempotent: later calls get the first call's promise.
   */
  shutdown(code = 0, reason = 'shutdown requested', errorCode?: ErrorCode): Promise<number> {
    if (this.shutdownPromise) return this.shutdownPromise;
    this.#stopping = true;
    this.opts.logger[code === 0 ? 'info' : 'error'](
      errorCode ? { reason, exitCode: code, code: errorCode } : { reason, exitCode: code },
      `shutting down: ${reason}`,
    );
    this.events.emit({ type: 'stopping' });
    this.scheduler.forgetAll();
    for (const p of this.order) p.send({ type: 'unwant' });
    this.shutdownPromise = stopEverything({
      order: this.order,
      timeoutMs: this.opts.shutdownTimeoutMs,
      drain: this.drain,
      logger: this.opts.logger,
    }).then(() => {
      this.events.emit({ type: 'stopped' });
      this.resolveDone(code);
      return code;
    });
    return this.shutdownPromise;
  }

  /**
   * Sets what runs first on shutdown, before any program is signalled: the HTTP edge drains
   * its in-flight requests while their upstreams still run. It gets at most half of
   * shutdown_timeout; the global deadline covers it too.
   */
  setDrain(drain: (budgetMs: number) => Promise<void>): void {
    this.drain = drain;
  }
}
