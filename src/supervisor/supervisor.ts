// The supervisor: owns the programs, starts them in dependency order as their dependencies
// become satisfied, journals and emits every transition, stops everything in reverse order on
// shutdown (with a global deadline) and decides apposd's exit code. Knows nothing of HTTP.
import { diffPrograms } from '../config/diff.js';
import { startOrder, stopBlockers } from '../config/plan.js';
import type { Dependency, ProgramConfig } from '../config/types.js';
import type {
  ActionResult,
  EventLogger,
  JournalEntry,
  OutputSink,
  ProgramStatus,
  ReloadResult,
  State,
  SupervisorApi,
  SupervisorEvent,
} from './api.js';
import { describeExit } from './exit-status.js';
import { Program, type ProgramHooks } from './program.js';
import { type Spawner, osSpawner } from './spawner.js';

export interface SupervisorOptions {
  programs: readonly ProgramConfig[];
  shutdownTimeoutMs: number;
  sink: OutputSink;
  logger: EventLogger;
  spawner?: Spawner;
  journalSize?: number;
}

/** How long start/stop/restart wait for an outcome unless told otherwise. */
const ACTION_TIMEOUT_MS = 60_000;
/** The most a shutdown waits for the HTTP edge to drain before signalling programs. */
const DRAIN_MAX_MS = 5_000;
/** After the shutdown deadline's SIGKILL, how long to wait for the kernel to report exits. */
const KILL_GRACE_MS = 2_000;

function satisfied(dep: Program, condition: Dependency['condition']): boolean {
  switch (condition) {
    case 'started':
      return dep.state === 'RUNNING' || dep.completed;
    case 'ready':
      return dep.ready;
    case 'completed':
      return dep.completed;
  }
}

/** Supervises a set of programs; see SupervisorApi for what the rest of apposd may call. */
export class Supervisor implements SupervisorApi {
  readonly startedAt = Date.now();
  stopping = false;
  private readonly programs = new Map<string, Program>();
  private order: Program[] = [];
  private readonly listeners = new Set<(e: SupervisorEvent) => void>();
  private readonly journalEntries: JournalEntry[] = [];
  private readonly journalSize: number;
  private seq = 0;
  private scheduled = false;
  private shutdownPromise: Promise<number> | null = null;
  private resolveDone: (code: number) => void = () => undefined;
  /** Settles with apposd's exit code once a shutdown (asked for, or critical) has finished. */
  readonly done = new Promise<number>((resolve) => {
    this.resolveDone = resolve;
  });
  private readonly spawner: Spawner;
  private readonly hooks: ProgramHooks;
  private drain: (budgetMs: number) => Promise<void> = () => Promise.resolve();

  constructor(private readonly opts: SupervisorOptions) {
    this.spawner = opts.spawner ?? osSpawner;
    this.journalSize = opts.journalSize ?? 2000;
    this.hooks = this.makeHooks();
    for (const cfg of opts.programs) this.programs.set(cfg.name, this.makeProgram(cfg));
    this.reorder();
  }

  private makeProgram(cfg: ProgramConfig): Program {
    return new Program(cfg, {
      spawner: this.spawner,
      sink: this.opts.sink,
      hooks: this.hooks,
      isStopping: () => this.stopping,
    });
  }

  private reorder(): void {
    this.order = startOrder([...this.programs.values()].map((p) => p.cfg)).map(
      (cfg) => this.programs.get(cfg.name) as Program,
    );
  }

  /** Starts every autostart program (each once its dependencies allow). */
  boot(): void {
    for (const p of this.order) p.pending = p.cfg.autostart;
    this.schedule();
  }

  // ---- events, journal, logs ------------------------------------------------------------

  private emit(event: SupervisorEvent): void {
    for (const l of this.listeners) {
      try {
        l(event);
      } catch (err) {
        this.opts.logger.error({ err }, 'supervisor event listener failed');
      }
    }
  }

  private makeHooks(): ProgramHooks {
    const log = this.opts.logger;
    return {
      transition: (p, from, to, reason) => {
        const entry: JournalEntry = {
          seq: ++this.seq,
          at: Date.now(),
          program: p.name,
          run: p.run,
          from,
          to,
          reason,
        };
        this.journalEntries.push(entry);
        if (this.journalEntries.length > this.journalSize) this.journalEntries.shift();
        const fields = { program: p.name, run: p.run, from, to, reason };
        const msg = `${p.name} ${to}: ${reason}`;
        if (to === 'FATAL') log.error(fields, msg);
        else if (to === 'BACKOFF') log.warn(fields, msg);
        else log.info(fields, msg);
        this.emit({ type: 'transition', entry, status: p.status() });
        this.afterTransition(p, to);
      },
      readyChanged: (p, ready) => {
        this.emit({ type: 'ready', program: p.name, ready });
        this.requestSchedule();
      },
      probe: (p, probe, result, failures) => {
        if (!result.ok && (probe === 'live' || failures === 1 || failures % 10 === 0)) {
          const level = probe === 'live' ? 'warn' : 'debug';
          log[level](
            { program: p.name, probe, failures, error: result.error },
            `${p.name} ${probe} probe failed: ${result.error ?? 'failed'}`,
          );
        }
        this.emit({ type: 'probe', program: p.name, probe, result });
      },
      spawned: (p, pid, error) => {
        if (error)
          log.error(
            { program: p.name, error: error.message },
            `${p.name} spawn failed: ${error.message}`,
          );
        else log.info({ program: p.name, pid, run: p.run }, `${p.name} spawned (pid ${pid})`);
      },
      exited: (p, exit, requested) => {
        const fields = { program: p.name, code: exit.code, signal: exit.signal, run: p.run };
        const msg = `${p.name} exited: ${describeExit(exit)}`;
        if (requested || exit.expected) log.info(fields, msg);
        else log.warn(fields, msg);
      },
    };
  }

  private afterTransition(p: Program, to: State): void {
    this.requestSchedule();
    if (this.stopping || !p.cfg.critical) return;
    if (to === 'FATAL') {
      void this.shutdown(1, `critical program ${p.name} is FATAL: ${p.reason}`);
    } else if (to === 'EXITED') {
      // EXITED followed at once by STARTING is a restart; look again once this settles.
      queueMicrotask(() => {
        if (!this.stopping && p.state === 'EXITED' && !p.completed) {
          void this.shutdown(1, `critical program ${p.name} exited and will not be restarted`);
        }
      });
    }
  }

  // ---- scheduling -----------------------------------------------------------------------

  private requestSchedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    queueMicrotask(() => {
      this.scheduled = false;
      this.schedule();
    });
  }

  /** Launches every pending, resting program whose dependencies are satisfied. */
  private schedule(): void {
    if (this.stopping) return;
    for (const p of this.order) {
      if (!p.pending || !p.resting) continue;
      const blocker = this.blocker(p);
      if (blocker) {
        p.waiting = blocker;
        continue;
      }
      p.pending = false;
      p.waiting = null;
      p.launch(p.run === 0 ? 'autostart' : 'start requested');
    }
  }

  /** Why `p` cannot start yet, or null when every dependency is satisfied. */
  private blocker(p: Program): string | null {
    for (const dep of p.cfg.dependsOn) {
      const d = this.programs.get(dep.name);
      if (!d) return `waiting for ${dep.name} (not configured)`;
      if (!satisfied(d, dep.condition))
        return `waiting for ${dep.name} to be ${dep.condition} (${d.state})`;
    }
    return null;
  }

  // ---- SupervisorApi: reads --------------------------------------------------------------

  status(names?: readonly string[]): ProgramStatus[] {
    if (!names || names.length === 0) return this.order.map((p) => p.status());
    const out: ProgramStatus[] = [];
    for (const n of names) {
      const p = this.programs.get(n);
      if (p) out.push(p.status());
    }
    return out;
  }

  get(name: string): ProgramStatus | undefined {
    return this.programs.get(name)?.status();
  }

  names(): string[] {
    return this.order.map((p) => p.name);
  }

  journal(name?: string, limit = 100): JournalEntry[] {
    const all = name ? this.journalEntries.filter((e) => e.program === name) : this.journalEntries;
    return all.slice(-limit);
  }

  note(name: string, reason: string): void {
    const p = this.programs.get(name);
    if (!p) return;
    const entry: JournalEntry = {
      seq: ++this.seq,
      at: Date.now(),
      program: name,
      run: p.run,
      from: p.state,
      to: p.state,
      reason,
    };
    this.journalEntries.push(entry);
    if (this.journalEntries.length > this.journalSize) this.journalEntries.shift();
  }

  subscribe(listener: (event: SupervisorEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  // ---- SupervisorApi: actions ------------------------------------------------------------

  /** Waits for `p` to settle after a start: RUNNING/completed is success, a rest is failure. */
  private outcome(p: Program, timeoutMs: number, okMessage: string): Promise<ActionResult> {
    const verdict = (): ActionResult | null => {
      if (p.state === 'RUNNING' || p.completed)
        return { name: p.name, ok: true, message: okMessage };
      if (p.state === 'FATAL' || p.state === 'EXITED' || (p.state === 'STOPPED' && !p.pending)) {
        const message = p.spawnError ? `spawn failed: ${p.spawnError}` : p.reason;
        return { name: p.name, ok: false, message };
      }
      const stuck = p.state === 'STOPPED' ? this.hopeless(p) : null;
      return stuck ? { name: p.name, ok: false, message: stuck } : null;
    };
    const now = verdict();
    if (now) return Promise.resolve(now);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        off();
        const why = p.state === 'STOPPED' && p.waiting ? p.waiting : `state ${p.state}`;
        resolve({ name: p.name, ok: false, message: `timed out (${why})` });
      }, timeoutMs);
      // Any program's transition may settle it: a dependency can go FATAL.
      const off = this.subscribe((e) => {
        if (e.type !== 'transition') return;
        const v = verdict();
        if (v) {
          clearTimeout(timer);
          off();
          resolve(v);
        }
      });
    });
  }

  /**
   * Why a program waiting on its dependencies can never start without another action (a
   * dependency is FATAL, or resting and not wanted), or null while there is still hope.
   */
  private hopeless(p: Program, seen = new Set<string>()): string | null {
    if (seen.has(p.name)) return null;
    seen.add(p.name);
    for (const dep of p.cfg.dependsOn) {
      const d = this.programs.get(dep.name);
      if (!d) return `dependency ${dep.name} is not configured`;
      if (satisfied(d, dep.condition)) continue;
      if (d.state === 'FATAL' || d.state === 'EXITED' || (d.state === 'STOPPED' && !d.pending)) {
        return `dependency ${d.name} is ${d.state}`;
      }
      const deeper = d.state === 'STOPPED' ? this.hopeless(d, seen) : null;
      if (deeper) return deeper;
    }
    return null;
  }

  /** Marks `p` and the resting dependencies it needs as wanted. */
  private want(p: Program, seen = new Set<string>()): void {
    if (seen.has(p.name)) return;
    seen.add(p.name);
    for (const dep of p.cfg.dependsOn) {
      const d = this.programs.get(dep.name);
      if (d && d.resting && !satisfied(d, dep.condition)) this.want(d, seen);
    }
    if (p.resting) p.pending = true;
  }

  async start(name: string, timeoutMs = ACTION_TIMEOUT_MS): Promise<ActionResult> {
    const p = this.programs.get(name);
    if (!p) return { name, ok: false, message: 'no such program' };
    if (this.stopping) return { name, ok: false, message: 'apposd is shutting down' };
    if (p.state === 'RUNNING') return { name, ok: false, message: 'already started' };
    if (p.state === 'STOPPING') await this.stopProgram(p, 'stop before start');
    if (p.resting) {
      p.completed = false;
      this.want(p);
      this.schedule();
    }
    return this.outcome(p, timeoutMs, 'started');
  }

  private stopProgram(p: Program, reason: string): Promise<void> {
    p.pending = false;
    p.waiting = null;
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
    if (this.stopping) return { name, ok: false, message: 'apposd is shutting down' };
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
      await this.opts.sink.close(name).catch(() => undefined);
    }
    for (const name of diff.changed) {
      const p = this.programs.get(name) as Program;
      p.cfg = next.get(name) as ProgramConfig;
      p.failures = 0;
      p.pending = p.cfg.autostart && !this.stopping;
    }
    for (const name of diff.added) {
      const p = this.makeProgram(next.get(name) as ProgramConfig);
      p.pending = p.cfg.autostart && !this.stopping;
      this.programs.set(name, p);
    }
    this.reorder();
    this.schedule();
    return { added: diff.added, changed: diff.changed, removed: diff.removed };
  }

  // ---- shutdown ---------------------------------------------------------------------------

  /**
   * Stops every program in reverse start order, each with its stop signal and stop_timeout;
   * at the global shutdown deadline everything left is SIGKILLed. Resolves with the exit code
   * apposd should use. Idempotent: later calls get the first call's promise.
   */
  shutdown(code = 0, reason = 'shutdown requested'): Promise<number> {
    if (this.shutdownPromise) return this.shutdownPromise;
    this.stopping = true;
    this.opts.logger[code === 0 ? 'info' : 'error'](
      { reason, exitCode: code },
      `shutting down: ${reason}`,
    );
    this.emit({ type: 'stopping' });
    for (const p of this.order) {
      p.pending = false;
      p.waiting = null;
    }
    this.shutdownPromise = this.stopAll().then(() => {
      this.emit({ type: 'stopped' });
      this.resolveDone(code);
      return code;
    });
    return this.shutdownPromise;
  }

  /**
   * Signals each program once every program that must stop before it has stopped (see
   * stopBlockers: reverse start order, equal priorities without dependencies together).
   */
  private stopInOrder(killed: () => boolean): Promise<void> {
    const blockers = stopBlockers(this.order.map((p) => p.cfg));
    const signalled = new Set<string>();
    const done = new Set<string>();
    return new Promise((resolve) => {
      const tick = (): void => {
        if (done.size === this.order.length) return resolve();
        for (const p of this.order) {
          if (signalled.has(p.name)) continue;
          if (!(blockers.get(p.name) ?? []).every((b) => done.has(b))) continue;
          signalled.add(p.name);
          if (killed()) p.kill();
          void p.stop('shutdown').then(() => {
            done.add(p.name);
            tick();
          });
        }
      };
      tick();
    });
  }

  /**
   * Sets what runs first on shutdown, before any program is signalled: the HTTP edge drains
   * its in-flight requests while their upstreams still run. It gets at most half of
   * shutdown_timeout; the global deadline covers it too.
   */
  setDrain(drain: (budgetMs: number) => Promise<void>): void {
    this.drain = drain;
  }

  private async stopAll(): Promise<void> {
    let killed = false;
    let deadline: NodeJS.Timeout | undefined;
    const expired = new Promise<void>((resolve) => {
      deadline = setTimeout(() => {
        killed = true;
        this.opts.logger.warn({}, 'shutdown timeout reached: killing what is left');
        for (const p of this.order) p.kill();
        setTimeout(resolve, KILL_GRACE_MS).unref();
      }, this.opts.shutdownTimeoutMs);
    });
    const drained = this.drain(Math.min(this.opts.shutdownTimeoutMs / 2, DRAIN_MAX_MS)).catch(
      (err: unknown) => this.opts.logger.warn({ err: String(err) }, 'drain failed'),
    );
    await Promise.race([drained, expired]);
    const ordered = this.stopInOrder(() => killed);
    await Promise.race([ordered, expired]);
    clearTimeout(deadline);
    for (const p of this.order) p.dispose();
  }
}
